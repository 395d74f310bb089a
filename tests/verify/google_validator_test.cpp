// The GCP service-account validator against a fake Google token endpoint that verifies the JWT
// bearer assertion's RS256 signature with the public half of a key generated at test time and
// its claims, and answers like Google for valid, unknown-key, deleted-account, clock-skewed,
// throttled and malformed cases.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "src/verify/families.h"
#include "src/verify/response_json.h"
#include "src/verify/validator.h"
#include "tests/support/cli_runner.h"
#include "tests/support/fake_http_server.h"
#include "tests/support/findings_json.h"
#include "tests/support/temp_dir.h"
#include "tests/support/validator_harness.h"

using namespace sprawl::verify;
using namespace sprawl::test;

namespace {

constexpr std::int64_t k_now = 1700000000;
const std::string k_email = "deployer@billing-prod-72mmxo.iam.gserviceaccount.com";
const std::string k_grant = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=";

using PkeyPtr = std::shared_ptr<EVP_PKEY>;

PkeyPtr generate_rsa_key() { return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}), EVP_PKEY_free); }

/// Two keys made once per run: the account's and one Google does not know.
const PkeyPtr& account_key() {
  static const PkeyPtr key = generate_rsa_key();
  return key;
}
const PkeyPtr& stranger_key() {
  static const PkeyPtr key = generate_rsa_key();
  return key;
}

std::string pem_of(EVP_PKEY* key, bool traditional) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (traditional)
    PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  else
    PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

/// A service-account key file as Google writes it, and where its private key's body lies.
struct KeyFile {
  std::string json;
  std::string secret;      ///< the body with its literal \n escapes, as the rule captures it
  std::string match_text;  ///< "private_key": "-----BEGIN …-----\n<secret>-----END …-----
};

KeyFile key_file(EVP_PKEY* key, bool traditional = false,
                 const std::string& token_uri = "https://oauth2.googleapis.com/token") {
  std::string escaped;
  for (const char c : pem_of(key, traditional)) escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
  const std::string label = traditional ? "RSA PRIVATE KEY" : "PRIVATE KEY";
  const std::string begin = "-----BEGIN " + label + "-----\\n", end = "-----END " + label + "-----";
  KeyFile f;
  f.secret = escaped.substr(begin.size(), escaped.find(end) - begin.size());
  f.match_text = "\"private_key\": \"" + begin + f.secret + end;
  f.json =
      "{\n  \"type\": \"service_account\",\n  \"project_id\": \"billing-prod-72mmxo\",\n"
      "  \"private_key_id\": \"e59798b359f683b8dac23b3a3173af42d28f7560\",\n  " +
      f.match_text + "\\n\",\n  \"client_email\": \"" + k_email +
      "\",\n  \"client_id\": \"114242371098318530511\",\n"
      "  \"auth_uri\": \"https://accounts.google.com/o/oauth2/auth\",\n  \"token_uri\": \"" +
      token_uri + "\"\n}\n";
  return f;
}

std::string base64url_decode(std::string text) {
  for (char& c : text) c = c == '-' ? '+' : c == '_' ? '/' : c;
  const std::size_t padding = (4 - text.size() % 4) % 4;
  text.append(padding, '=');
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n) - padding);
  return out;
}

bool rs256_verifies(EVP_PKEY* key, const std::string& input, const std::string& signature) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  return EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

FakeResponse grant_error(const std::string& description) {
  return json_response(400, R"({"error":"invalid_grant","error_description":")" + description + R"("})");
}

/// Whether the assertion is issued at `now` (0: this machine's clock, give or take five minutes)
/// for an hour.
bool lifetime_ok(const std::string& claims, std::int64_t now) {
  const auto iat = json_field(claims, {"iat"}), exp = json_field(claims, {"exp"});
  if (!iat || !exp || std::stoll(*exp) - std::stoll(*iat) != 3600) return false;
  if (now != 0) return std::stoll(*iat) == now;
  return std::abs(std::stoll(*iat) - static_cast<std::int64_t>(std::time(nullptr))) < 300;
}

/// Google's token endpoint for one account whose registered public key is `key`; assertions
/// must be issued at `now` (0: the real clock).
FakeHttpServer::Handler fake_token_endpoint(PkeyPtr key, std::int64_t now = k_now) {
  return [key, now](const FakeRequest& r) {
    if (r.method != "POST" || r.path != "/token" || r.body.rfind(k_grant, 0) != 0)
      return json_response(400, R"({"error":"unsupported_grant_type","error_description":"Invalid grant_type: "})");
    const std::string jwt = r.body.substr(k_grant.size());
    const std::size_t d1 = jwt.find('.'), d2 = jwt.rfind('.');
    const std::string header = base64url_decode(jwt.substr(0, d1));
    const std::string claims = base64url_decode(jwt.substr(d1 + 1, d2 - d1 - 1));
    if (json_field(header, {"alg"}) != "RS256") return grant_error("Invalid JWT: unsupported algorithm");
    if (json_field(claims, {"iss"}) != k_email) return grant_error("Invalid grant: account not found");
    if (json_field(claims, {"aud"}) != "https://oauth2.googleapis.com/token" ||
        json_field(claims, {"scope"}) != "https://www.googleapis.com/auth/cloud-platform.read-only")
      return json_response(400, R"({"error":"invalid_scope","error_description":"bad audience or scope"})");
    if (!lifetime_ok(claims, now))
      return grant_error(
          "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
          "Check your iat and exp values in the JWT claim.");
    if (!rs256_verifies(key.get(), jwt.substr(0, d2), base64url_decode(jwt.substr(d2 + 1))))
      return grant_error("Invalid JWT Signature.");
    return json_response(200, R"({"access_token":"ya29.c.b0AXv0zTMx1e7Kq","expires_in":3599,"token_type":"Bearer"})");
  };
}

/// A fake token endpoint, and checks of service-account keys against it.
struct Harness : FakeProvider {
  explicit Harness(FakeHttpServer::Handler handler) : FakeProvider(std::move(handler), {.retries = 0, .now = k_now}) {}
  LiveResult check(const KeyFile& file, Identity offline = {}) const {
    return FakeProvider::check(Credential{"gcp-service-account-private-key", "gcp", file.secret, file.match_text,
                                          file.json, std::move(offline)});
  }
};

}  // namespace

TEST_CASE("gcp service-account key whose JWT Google accepts is valid, with the account's email and project",
          "[verify][gcp]") {
  Harness h(fake_token_endpoint(account_key()));
  const KeyFile file = key_file(account_key().get());
  const LiveResult result = h.check(file);
  CHECK(result.status == LiveStatus::valid);
  CHECK(result.http_status == 200);
  CHECK(result.identity == Identity{{"client_email", k_email}, {"project_id", "billing-prod-72mmxo"}});
  CHECK(result.reason.find("ya29") == std::string::npos);
  const auto seen = h.server.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].header("content-type") == "application/x-www-form-urlencoded");
  CHECK(seen[0].body.find("BEGIN") == std::string::npos);  // only a signature travels, never the key
  const std::string jwt = seen[0].body.substr(k_grant.size());
  CHECK(json_field(base64url_decode(jwt.substr(0, jwt.find('.'))), {"kid"}) ==
        "e59798b359f683b8dac23b3a3173af42d28f7560");

  // A PKCS#1 ("BEGIN RSA PRIVATE KEY") body, and identity taken from the offline checks.
  const LiveResult pkcs1 = h.check(key_file(account_key().get(), true), {{"client_email", k_email}});
  CHECK(pkcs1.status == LiveStatus::valid);
}

TEST_CASE("gcp key Google does not know, or a deleted account, is invalid", "[verify][gcp]") {
  Harness h(fake_token_endpoint(account_key()));
  const LiveResult stranger = h.check(key_file(stranger_key().get()));
  CHECK(stranger.status == LiveStatus::invalid);
  CHECK(stranger.http_status == 400);
  CHECK(stranger.reason.find("Invalid JWT Signature") != std::string::npos);

  KeyFile other = key_file(account_key().get());
  const std::string other_email = "gone@billing-prod-72mmxo.iam.gserviceaccount.com";
  other.json.replace(other.json.find(k_email), k_email.size(), other_email);
  const LiveResult deleted = h.check(other);
  CHECK(deleted.status == LiveStatus::invalid);
  CHECK(deleted.reason.find("account not found") != std::string::npos);
}

TEST_CASE("gcp clock skew, throttling, provider errors and malformed answers are unknown", "[verify][gcp]") {
  const KeyFile file = key_file(account_key().get());
  const auto answer_with = [&](FakeResponse response) {
    Harness h([response](const FakeRequest&) { return response; });
    return h.check(file);
  };
  CHECK(answer_with(grant_error("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
                                "timeframe. Check your iat and exp values in the JWT claim."))
            .status == LiveStatus::unknown);
  const LiveResult throttled = answer_with(json_response(429, R"({"error":"rate_limit_exceeded"})"));
  CHECK(throttled.status == LiveStatus::unknown);
  CHECK(throttled.http_status == 429);
  CHECK(answer_with(json_response(503, "{}")).status == LiveStatus::unknown);
  FakeResponse html = json_response(200, "<html>sign in</html>");
  html.content_type = "text/html";
  CHECK(answer_with(html).status == LiveStatus::unknown);
  CHECK(answer_with(json_response(200, R"({"token_type":"Bearer"})")).status == LiveStatus::unknown);
  CHECK(answer_with(json_response(400, R"({"error":"invalid_request"})")).status == LiveStatus::unknown);
}

TEST_CASE("gcp key without client_email, or whose body does not parse, is unknown and sends nothing", "[verify][gcp]") {
  Harness h(fake_token_endpoint(account_key()));
  KeyFile file = key_file(account_key().get());
  KeyFile no_email = file;
  no_email.json = "{" + file.match_text + "\\n\"}";
  const LiveResult missing = h.check(no_email);
  CHECK(missing.status == LiveStatus::unknown);
  CHECK(missing.reason == "no client_email near the key");
  KeyFile truncated = file;
  truncated.secret = file.secret.substr(0, file.secret.size() / 2);
  CHECK(h.check(truncated).status == LiveStatus::unknown);
  CHECK(h.server.requests().empty());
}

TEST_CASE("gcp token_uri in the key file does not redirect the token exchange", "[verify][gcp]") {
  Harness h(fake_token_endpoint(account_key()));
  CHECK(h.check(key_file(account_key().get(), false, "https://203.0.113.9/token")).status == LiveStatus::valid);
  REQUIRE(h.server.requests().size() == 1);
  CHECK(h.server.requests()[0].path == "/token");
}

TEST_CASE("scan --validate exchanges a service-account key file's JWT at the token endpoint",
          "[verify][gcp][cli][validate]") {
  FakeHttpServer google(fake_token_endpoint(account_key(), 0));
  const KeyFile live = key_file(account_key().get()), revoked = key_file(stranger_key().get());
  sprawl::test::TempDir dir;
  dir.write("deploy/sa.json", live.json);
  dir.write("old/sa.json", revoked.json);
  const auto scan = scan_validating(dir.path(), {{"SPRAWL_ENDPOINT_GCP", google.base_url()}});
  const auto valid = sprawl::test::with_secret(scan, live.secret);
  const auto invalid = sprawl::test::with_secret(scan, revoked.secret);
  REQUIRE(valid.size() == 1);
  REQUIRE(invalid.size() == 1);
  CHECK(valid[0].rule_id == "gcp-service-account-private-key");
  CHECK(valid[0].validity_status == "valid");
  CHECK(valid[0].validity_method == "live");
  CHECK(valid[0].identity_of("client_email") == k_email);
  CHECK(valid[0].identity_of("project_id") == "billing-prod-72mmxo");
  CHECK(invalid[0].validity_status == "invalid");
  CHECK(google.requests().size() == 2);
}
