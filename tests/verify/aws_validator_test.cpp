// The AWS validator against a fake STS that checks each request's SigV4 signature with the
// secret it knows, as STS does, and answers GetCallerIdentity like STS for valid, unknown,
// mismatched, expired, throttled and malformed cases. Also how companion parts are found.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <string>

#include "src/verify/families.h"
#include "src/verify/response_json.h"
#include "src/verify/sigv4.h"
#include "src/verify/validator.h"
#include "tests/support/cli_runner.h"
#include "tests/support/fake_http_server.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/findings_json.h"
#include "tests/support/temp_dir.h"
#include "tests/support/validator_harness.h"

using namespace sprawl::verify;
using namespace sprawl::test;

namespace {

constexpr std::int64_t k_now = 1700000000;

std::string fake_secret(std::uint32_t seed) {
  return sprawl::test::random_chars(std::string(sprawl::test::kBase62) + "/+", 40, seed);
}
std::string fake_temp_key_id(std::uint32_t seed) {
  return std::string("AS") + "IA" + sprawl::test::random_chars(sprawl::test::kUpperDigits, 16, seed);
}
std::string fake_session_token(std::uint32_t seed) {
  return "IQoJ" + sprawl::test::random_chars(std::string(sprawl::test::kBase62) + "/+", 220, seed) + "==";
}

FakeResponse xml(int status, const std::string& body) {
  FakeResponse r;
  r.status = status;
  r.body = body;
  r.content_type = "text/xml";
  return r;
}

FakeResponse sts_error(int status, const std::string& code, const std::string& message) {
  return xml(status,
             "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
             "<Code>" +
                 code + "</Code><Message>" + message +
                 "</Message></Error><RequestId>4f1c5e0a-1b2c-4d5e-8f90-0123456789ab</RequestId></ErrorResponse>");
}

FakeResponse caller_identity(const std::string& account, const std::string& user) {
  return xml(200,
             "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
             "  <GetCallerIdentityResult>\n    <Arn>arn:aws:iam::" +
                 account + ":user/" + user +
                 "</Arn>\n"
                 "    <UserId>AIDAJQABLZS4A3QDU576Q</UserId>\n    <Account>" +
                 account +
                 "</Account>\n"
                 "  </GetCallerIdentityResult>\n  <ResponseMetadata>\n"
                 "    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>\n  </ResponseMetadata>\n"
                 "</GetCallerIdentityResponse>\n");
}

/// What STS knows of one key.
struct KnownKey {
  std::string secret;
  std::string session_token;  ///< required when set
  bool expired = false;
};

/// STS's signature check: the Authorization header's scope, signed headers and signature,
/// recomputed from the request as received with the secret of the key id. "" when it matches.
std::string sts_check(const FakeRequest& r, const std::map<std::string, KnownKey>& keys) {
  const std::string auth = r.header("authorization");
  const std::string prefix = "AWS4-HMAC-SHA256 Credential=";
  if (auth.rfind(prefix, 0) != 0) return "IncompleteSignature";
  const std::size_t slash = auth.find('/', prefix.size());
  const std::string key_id = auth.substr(prefix.size(), slash - prefix.size());
  const auto known = keys.find(key_id);
  if (known == keys.end()) return "InvalidClientTokenId";
  const std::size_t sh = auth.find("SignedHeaders="), sig = auth.find("Signature=");
  if (sh == std::string::npos || sig == std::string::npos) return "IncompleteSignature";
  const std::string scope = auth.substr(slash + 1, auth.find(',', slash) - slash - 1);
  const std::string amz_date = r.header("x-amz-date");
  if (scope != amz_date.substr(0, 8) + "/us-east-1/sts/aws4_request") return "SignatureDoesNotMatch";
  sigv4::Request signable;
  signable.method = r.method;
  signable.path = r.path;
  signable.query = r.target.find('?') == std::string::npos ? "" : r.target.substr(r.target.find('?') + 1);
  signable.body = r.body;
  std::string names = auth.substr(sh + 14, auth.find(',', sh) - sh - 14) + ";";
  for (std::size_t start = 0, end; (end = names.find(';', start)) != std::string::npos; start = end + 1)
    signable.headers.emplace_back(names.substr(start, end - start), r.header(names.substr(start, end - start)));
  const auto expected = sigv4::sign(signable, {key_id, known->second.secret, ""}, {amz_date, "us-east-1", "sts"});
  if (auth != expected.authorization) return "SignatureDoesNotMatch";
  if (!known->second.session_token.empty()) {
    if (names.find("x-amz-security-token;") == std::string::npos) return "InvalidClientTokenId";
    if (r.header("x-amz-security-token") != known->second.session_token) return "InvalidClientTokenId";
    if (known->second.expired) return "ExpiredToken";
  }
  return "";
}

/// A fake STS: GetCallerIdentity for the keys it knows.
FakeHttpServer::Handler fake_sts(std::map<std::string, KnownKey> keys) {
  return [keys](const FakeRequest& r) {
    if (r.method != "POST" || r.path != "/" || r.body != "Action=GetCallerIdentity&Version=2011-06-15")
      return sts_error(400, "InvalidAction", "Could not find operation");
    const std::string verdict = sts_check(r, keys);
    if (verdict == "ExpiredToken")
      return sts_error(400, verdict, "The security token included in the request is expired");
    if (!verdict.empty()) return sts_error(403, verdict, "The request signature we calculated does not match");
    return caller_identity("123456789012", "deployer");
  };
}

/// A fake STS, and checks of AWS credentials against it.
struct Harness : FakeProvider {
  explicit Harness(FakeHttpServer::Handler handler) : FakeProvider(std::move(handler), {.retries = 0, .now = k_now}) {}
  LiveResult check(const std::string& rule_id, const std::string& secret, const std::string& context) const {
    return FakeProvider::check(credential_for(rule_id, "aws", secret, context));
  }
};

std::string ini(const std::string& key_id, const std::string& secret) {
  return "[default]\naws_access_key_id = " + key_id + "\naws_secret_access_key = " + secret + "\nregion = us-east-1\n";
}

bool request_holds(const FakeRequest& r, const std::string& text) {
  if (r.body.find(text) != std::string::npos || r.target.find(text) != std::string::npos) return true;
  for (const auto& [name, value] : r.headers)
    if (value.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("aws key id with its secret nearby is valid, with the caller identity STS returns", "[verify][aws]") {
  const std::string id = sprawl::test::fake_aws_key_id(11), secret = fake_secret(12);
  Harness h(fake_sts({{id, {secret}}}));
  const LiveResult result = h.check("aws-access-key-id", id, ini(id, secret));
  CHECK(result.status == LiveStatus::valid);
  CHECK(result.http_status == 200);
  CHECK(result.identity == Identity{{"account_id", "123456789012"},
                                    {"arn", "arn:aws:iam::123456789012:user/deployer"},
                                    {"user_id", "AIDAJQABLZS4A3QDU576Q"}});
  const auto seen = h.server.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].path == "/");
  CHECK(seen[0].header("content-type") == "application/x-www-form-urlencoded; charset=utf-8");
  CHECK_FALSE(request_holds(seen[0], secret));  // only its signature travels
  CHECK(seen[0].header("x-amz-security-token").empty());
}

TEST_CASE("aws secret finding finds its key id in the context, and a session token finding both", "[verify][aws]") {
  const std::string id = sprawl::test::fake_aws_key_id(21), secret = fake_secret(22);
  Harness h(fake_sts({{id, {secret}}}));
  const std::string context = "{\n  \"AccessKeyId\": \"" + id + "\",\n  \"SecretAccessKey\": \"" + secret + "\"\n}\n";
  CHECK(h.check("aws-secret-access-key", secret, context).status == LiveStatus::valid);

  const std::string temp_id = fake_temp_key_id(23), temp_secret = fake_secret(24), token = fake_session_token(25);
  Harness t(fake_sts({{temp_id, {temp_secret, token}}}));
  const std::string env = "export AWS_ACCESS_KEY_ID=" + temp_id + "\nexport AWS_SECRET_ACCESS_KEY=" + temp_secret +
                          "\nexport AWS_SESSION_TOKEN=" + token + "\n";
  CHECK(t.check("aws-session-token", token, env).status == LiveStatus::valid);
  CHECK(t.check("aws-access-key-id", temp_id, env).status == LiveStatus::valid);
  CHECK(t.check("aws-secret-access-key", temp_secret, env).status == LiveStatus::valid);
  for (const auto& r : t.server.requests()) CHECK(r.header("x-amz-security-token") == token);
}

TEST_CASE("aws key rejected by STS is invalid: unknown key id, wrong secret, expired session", "[verify][aws]") {
  const std::string id = sprawl::test::fake_aws_key_id(31), secret = fake_secret(32);
  const std::string other_id = sprawl::test::fake_aws_key_id(33);
  Harness h(fake_sts({{id, {fake_secret(34)}}}));
  const LiveResult wrong = h.check("aws-access-key-id", id, ini(id, secret));
  CHECK(wrong.status == LiveStatus::invalid);
  CHECK(wrong.http_status == 403);
  CHECK(wrong.reason.find("SignatureDoesNotMatch") != std::string::npos);
  const LiveResult unknown_id = h.check("aws-access-key-id", other_id, ini(other_id, secret));
  CHECK(unknown_id.status == LiveStatus::invalid);
  CHECK(unknown_id.reason.find("InvalidClientTokenId") != std::string::npos);
  CHECK(unknown_id.reason.find(secret) == std::string::npos);

  const std::string temp_id = fake_temp_key_id(35), token = fake_session_token(36);
  Harness t(fake_sts({{temp_id, {secret, token, true}}}));
  const LiveResult expired =
      t.check("aws-access-key-id", temp_id, ini(temp_id, secret) + "aws_session_token = " + token + "\n");
  CHECK(expired.status == LiveStatus::invalid);
  CHECK(expired.reason.find("expired") != std::string::npos);
}

TEST_CASE("aws throttling, provider errors, clock skew and malformed answers are unknown", "[verify][aws]") {
  const std::string id = sprawl::test::fake_aws_key_id(41), secret = fake_secret(42);
  const auto answer_with = [&](FakeResponse response) {
    Harness h([response](const FakeRequest&) { return response; });
    return h.check("aws-access-key-id", id, ini(id, secret));
  };
  const LiveResult throttled = answer_with(sts_error(400, "Throttling", "Rate exceeded"));
  CHECK(throttled.status == LiveStatus::unknown);
  CHECK(throttled.reason.find("throttled") != std::string::npos);
  CHECK(answer_with(sts_error(429, "Throttling", "Rate exceeded")).status == LiveStatus::unknown);
  const LiveResult failing = answer_with(sts_error(503, "ServiceUnavailable", "try later"));
  CHECK(failing.status == LiveStatus::unknown);
  CHECK(failing.http_status == 503);
  const LiveResult skew = answer_with(sts_error(
      403, "SignatureDoesNotMatch", "Signature expired: 20231114T221320Z is now earlier than 20231114T222820Z"));
  CHECK(skew.status == LiveStatus::unknown);
  CHECK(answer_with(xml(200, "<html>captive portal</html>")).status == LiveStatus::unknown);
  CHECK(answer_with(sprawl::test::json_response(200, R"({"Account":"1"})")).status == LiveStatus::unknown);
  CHECK(answer_with(sts_error(400, "AccessDenied", "no")).status == LiveStatus::unknown);
}

TEST_CASE("aws key without its other part is unknown and sends nothing", "[verify][aws]") {
  const std::string id = sprawl::test::fake_aws_key_id(51), secret = fake_secret(52);
  Harness h(fake_sts({{id, {secret}}}));
  const LiveResult lone_id = h.check("aws-access-key-id", id, "AWS_ACCESS_KEY_ID=" + id + "\n");
  CHECK(lone_id.status == LiveStatus::unknown);
  CHECK(lone_id.reason == "no secret key near the key id");
  const LiveResult lone_secret = h.check("aws-secret-access-key", secret, "aws_secret_access_key = " + secret + "\n");
  CHECK(lone_secret.status == LiveStatus::unknown);
  CHECK(lone_secret.reason == "no access key id near the secret");
  const std::string temp_id = fake_temp_key_id(53);
  const LiveResult no_token = h.check("aws-access-key-id", temp_id, ini(temp_id, secret));
  CHECK(no_token.status == LiveStatus::unknown);
  CHECK(no_token.reason.find("session token") != std::string::npos);
  const std::string token = fake_session_token(54);
  const LiveResult long_term = h.check("aws-session-token", token, ini(id, secret) + "aws_session_token = " + token);
  CHECK(long_term.status == LiveStatus::unknown);
  CHECK(long_term.reason == "no temporary key id (ASIA) near the session token");
  const std::string other = std::string("AB") + "IA" + sprawl::test::random_chars(sprawl::test::kUpperDigits, 16, 55);
  CHECK(h.check("aws-access-key-id", other, ini(other, secret)).status == LiveStatus::unknown);
  CHECK(h.server.requests().empty());
}

TEST_CASE("aws companion secret: the one assigned to a secret name wins over other 40-character runs",
          "[verify][aws]") {
  const std::string id = sprawl::test::fake_aws_key_id(61), secret = fake_secret(62);
  Harness h(fake_sts({{id, {secret}}}));
  // A commit hash and an unnamed base64 run sit closer to the key id than the named secret.
  const std::string context = "commit 8e4683502efe9de2e2f06f443af7f652e7f3a1fd\naws_access_key_id = " + id +
                              "\nchecksum = " + fake_secret(63) + "\n# other settings\n# more\n" +
                              "aws_secret_access_key = " + secret + "\n";
  CHECK(h.check("aws-access-key-id", id, context).status == LiveStatus::valid);
  // Without a name, the candidate right after the key id is taken (as in `new BasicAWSCredentials(id, secret)`).
  const std::string java = "new BasicAWSCredentials(\"" + id + "\", \"" + secret + "\");";
  CHECK(h.check("aws-access-key-id", id, java).status == LiveStatus::valid);
}

TEST_CASE("aws validator serves the key id, secret and session token rules", "[verify][aws]") {
  for (const char* rule : {"aws-access-key-id", "aws-secret-access-key", "aws-session-token"}) {
    INFO(rule);
    const Validator* v = validator_for(rule);
    REQUIRE(v != nullptr);
    CHECK(v->provider == "aws");
  }
}

TEST_CASE("scan --validate checks an AWS key pair from a credentials file against STS",
          "[verify][aws][cli][validate]") {
  const std::string id = sprawl::test::fake_aws_key_id(71), secret = fake_secret(72);
  const std::string old_id = sprawl::test::fake_aws_key_id(73), old_secret = fake_secret(74);
  FakeHttpServer sts(fake_sts({{id, {secret}}}));
  sprawl::test::TempDir dir;
  dir.write("live/.aws/credentials", ini(id, secret));
  dir.write("old/.aws/credentials", ini(old_id, old_secret));
  const auto scan = scan_validating(dir.path(), {{"SPRAWL_ENDPOINT_AWS", sts.base_url()}});
  for (const std::string& part : {id, secret}) {
    const auto found = sprawl::test::with_secret(scan, part);
    REQUIRE(found.size() == 1);
    CHECK(found[0].validity_status == "valid");
    CHECK(found[0].validity_method == "live");
    CHECK(found[0].identity_of("arn") == "arn:aws:iam::123456789012:user/deployer");
    CHECK(found[0].identity_of("account_id") == "123456789012");
  }
  for (const std::string& part : {old_id, old_secret}) {
    const auto found = sprawl::test::with_secret(scan, part);
    REQUIRE(found.size() == 1);
    CHECK(found[0].validity_status == "invalid");
  }
  CHECK(sts.requests().size() == 4);  // each finding is its own credential: two per pair
  for (const auto& r : sts.requests()) {
    CHECK_FALSE(request_holds(r, secret));
    CHECK_FALSE(request_holds(r, old_secret));
  }
}

TEST_CASE("xml_field reads the first element's text, entities decoded, and refuses what it cannot bound",
          "[verify][aws]") {
  const std::string body =
      "<R><Code>Throttling</Code><Message>a &lt;b&gt; &amp;amp; &quot;c&apos;</Message>"
      "<Code>Second</Code><Empty></Empty></R>";
  CHECK(xml_field(body, "Code") == "Throttling");
  CHECK(xml_field(body, "Message") == "a <b> &amp; \"c'");
  CHECK(xml_field(body, "Empty") == "");
  CHECK_FALSE(xml_field(body, "Arn").has_value());
  CHECK_FALSE(xml_field("<Code>never closed", "Code").has_value());
  CHECK_FALSE(xml_field("<Code attr=\"1\">x</Code>", "Code").has_value());
  CHECK_FALSE(xml_field("<Arn>" + std::string(5000, 'a') + "</Arn>", "Arn").has_value());
  CHECK(xml_field("<Arn>" + std::string(5000, 'a') + "</Arn>", "Arn", 5000) == std::string(5000, 'a'));
}
