// The Azure Storage key validator against a fake Blob service that checks the Shared Key
// signature of each request (recomputed here from the request as received, following
// Microsoft's "Authorize with Shared Key") and answers List Containers like Azure for valid,
// wrong-key, clock-skewed, blocked, throttled and malformed cases.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>

#include <openssl/evp.h>

#include "src/verify/families.h"
#include "src/verify/sigv4.h"
#include "src/verify/validator.h"
#include "tests/support/cli_runner.h"
#include "tests/support/fake_http_server.h"
#include "tests/support/findings_json.h"
#include "tests/support/temp_dir.h"
#include "tests/support/validator_harness.h"

using namespace sprawl::verify;
using namespace sprawl::test;

namespace {

constexpr std::int64_t k_now = 1700000000;  // Tue, 14 Nov 2023 22:13:20 GMT
const std::string k_account = "acmeprodvyys";

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(bytes.data()),
                  static_cast<int>(bytes.size()));
  return out;
}

std::string unbase64(const std::string& text) {
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  out.resize(static_cast<std::size_t>(n) - static_cast<std::size_t>(std::count(text.end() - 2, text.end(), '=')));
  return out;
}

/// An account key: 64 random bytes in base64 (88 characters ending in "==").
std::string fake_account_key(std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string bytes;
  for (int i = 0; i < 64; ++i) bytes.push_back(static_cast<char>(rng() & 0xff));
  return base64(bytes);
}

FakeResponse storage_xml(int status, const std::string& body) {
  FakeResponse r;
  r.status = status;
  r.body = "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>" + body;
  r.content_type = "application/xml";
  return r;
}

FakeResponse storage_error(int status, const std::string& code, const std::string& detail = "") {
  std::string body = "<Error><Code>" + code +
                     "</Code><Message>Server failed to authenticate the request.\n"
                     "RequestId:6a4e2b1c-601e-0033-1c2f-17f0a4000000\nTime:2023-11-14T22:13:21.0000000Z</Message>";
  if (!detail.empty()) body += "<AuthenticationErrorDetail>" + detail + "</AuthenticationErrorDetail>";
  return storage_xml(status, body + "</Error>");
}

/// The Shared Key string to sign of a received request, built from Microsoft's rules.
std::string received_string_to_sign(const FakeRequest& r, const std::string& account) {
  std::string out = r.method + "\n";
  for (const char* name : {"content-encoding", "content-language", "content-length", "content-md5", "content-type",
                           "date", "if-modified-since", "if-match", "if-none-match", "if-unmodified-since", "range"}) {
    std::string value = r.header(name);
    if (std::string(name) == "content-length" && value == "0") value.clear();
    out += value + "\n";
  }
  std::vector<std::pair<std::string, std::string>> ms;
  for (const auto& [name, value] : r.headers)
    if (name.rfind("x-ms-", 0) == 0) ms.emplace_back(name, value);
  std::sort(ms.begin(), ms.end());
  for (const auto& [name, value] : ms) out += name + ":" + value + "\n";
  out += "/" + account + r.path;
  std::vector<std::pair<std::string, std::string>> params;
  const std::size_t q = r.target.find('?');
  std::string query = q == std::string::npos ? "" : r.target.substr(q + 1) + "&";
  for (std::size_t start = 0, end; (end = query.find('&', start)) != std::string::npos; start = end + 1) {
    const std::string part = query.substr(start, end - start);
    params.emplace_back(part.substr(0, part.find('=')), part.substr(part.find('=') + 1));
  }
  std::sort(params.begin(), params.end());
  for (const auto& [name, value] : params) out += "\n" + name + ":" + value;
  return out;
}

/// Azure Blob's List Containers for `account`, whose key is `key`, for requests dated `date`
/// ("": any RFC 1123 date).
FakeHttpServer::Handler fake_blob_service(std::string account, std::string key,
                                          std::string date = "Tue, 14 Nov 2023 22:13:20 GMT") {
  return [account, key, date](const FakeRequest& r) {
    if (r.method != "GET" || r.target != "/?comp=list&maxresults=1")
      return storage_error(400, "InvalidQueryParameterValue");
    if (r.header("x-ms-version") != "2021-08-06" ||
        (date.empty() ? !r.header("x-ms-date").ends_with(" GMT") : r.header("x-ms-date") != date))
      return storage_error(400, "InvalidHeaderValue");
    const std::string expected = sprawl::verify::sigv4::hmac_sha256(unbase64(key), received_string_to_sign(r, account));
    if (r.header("authorization") != "SharedKey " + account + ":" + base64(expected))
      return storage_error(403, "AuthenticationFailed",
                           "The MAC signature found in the HTTP request is not the same as any computed signature.");
    return storage_xml(200, "<EnumerationResults ServiceEndpoint=\"https://" + account +
                                ".blob.core.windows.net/\"><MaxResults>1</MaxResults><Containers><Container>"
                                "<Name>backups</Name></Container></Containers><NextMarker /></EnumerationResults>");
  };
}

/// A fake Blob service, and checks of storage account keys against it.
struct Harness : FakeProvider {
  explicit Harness(FakeHttpServer::Handler handler) : FakeProvider(std::move(handler), {.retries = 0, .now = k_now}) {}
  LiveResult check(const std::string& key, const std::string& context) const {
    Credential credential = credential_for("azure-storage-account-key", "azure", key, context);
    credential.match_text = "AccountKey=" + key;
    return FakeProvider::check(credential);
  }
};

std::string connection_string(const std::string& account, const std::string& key) {
  return "AZURE_STORAGE_CONNECTION_STRING=\"DefaultEndpointsProtocol=https;AccountName=" + account +
         ";AccountKey=" + key + ";EndpointSuffix=core.windows.net\"\n";
}

}  // namespace

TEST_CASE("azure storage key accepted by its account is valid, named by the account", "[verify][azure]") {
  const std::string key = fake_account_key(1);
  Harness h(fake_blob_service(k_account, key));
  const LiveResult result = h.check(key, connection_string(k_account, key));
  CHECK(result.status == LiveStatus::valid);
  CHECK(result.http_status == 200);
  CHECK(result.identity == Identity{{"account", k_account}});
  const auto seen = h.server.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].path == "/");
  for (const auto& [name, value] : seen[0].headers) CHECK(value.find(key) == std::string::npos);

  // The account named by the az CLI's flag, or by a variable on another line.
  const std::string cli = "az storage container create --account-name " + k_account + " --account-key " + key;
  CHECK(h.check(key, cli).status == LiveStatus::valid);
  const std::string env = "AZURE_STORAGE_ACCOUNT=" + k_account + "\nAZURE_STORAGE_KEY=" + key + "\n";
  CHECK(h.check(key, env).status == LiveStatus::valid);
}

TEST_CASE("azure storage key the account rejects is invalid", "[verify][azure]") {
  const std::string key = fake_account_key(2);
  Harness h(fake_blob_service(k_account, fake_account_key(3)));
  const LiveResult result = h.check(key, connection_string(k_account, key));
  CHECK(result.status == LiveStatus::invalid);
  CHECK(result.http_status == 403);
  CHECK(result.reason.find("AuthenticationFailed") != std::string::npos);
}

TEST_CASE("azure clock skew, blocked access, throttling and malformed answers are unknown", "[verify][azure]") {
  const std::string key = fake_account_key(4);
  const auto answer_with = [&](FakeResponse response) {
    Harness h([response](const FakeRequest&) { return response; });
    return h.check(key, connection_string(k_account, key));
  };
  CHECK(answer_with(
            storage_error(403, "AuthenticationFailed", "Request date header too old: 'Tue, 14 Nov 2023 22:13:20 GMT'"))
            .status == LiveStatus::unknown);
  CHECK(answer_with(storage_error(403, "AuthorizationFailure")).status == LiveStatus::unknown);
  CHECK(answer_with(storage_error(403, "KeyBasedAuthenticationNotPermitted")).status == LiveStatus::unknown);
  const LiveResult busy = answer_with(storage_error(503, "ServerBusy"));
  CHECK(busy.status == LiveStatus::unknown);
  CHECK(busy.http_status == 503);
  CHECK(answer_with(sprawl::test::json_response(200, R"({"ok":true})")).status == LiveStatus::unknown);
}

TEST_CASE("azure key without an account name, or a Cosmos DB key, is unknown and sends nothing", "[verify][azure]") {
  const std::string key = fake_account_key(5);
  Harness h(fake_blob_service(k_account, key));
  const LiveResult lone = h.check(key, "AZURE_STORAGE_KEY=" + key + "\n");
  CHECK(lone.status == LiveStatus::unknown);
  CHECK(lone.reason == "no storage account name near the key");
  const std::string cosmos =
      "\"Cosmos\": \"AccountEndpoint=https://orders-db.documents.azure.com:443/;AccountKey=" + key +
      ";\"\nSTORAGE_ACCOUNT_NAME=" + k_account + "\n";
  CHECK(h.check(key, cosmos).status == LiveStatus::unknown);
  const std::string china = "DefaultEndpointsProtocol=https;AccountName=" + k_account + ";AccountKey=" + key +
                            ";EndpointSuffix=core.chinacloudapi.cn";
  CHECK(h.check(key, china).status == LiveStatus::unknown);
  CHECK(h.server.requests().empty());
}

TEST_CASE("scan --validate checks a storage connection string's key against its account",
          "[verify][azure][cli][validate]") {
  const std::string key = fake_account_key(6), wrong = fake_account_key(7);
  FakeHttpServer blob(fake_blob_service(k_account, key, ""));
  sprawl::test::TempDir dir;
  dir.write("app/.env", connection_string(k_account, key));
  dir.write("old/.env", connection_string(k_account, wrong));
  const auto scan = scan_validating(dir.path(), {{"SPRAWL_ENDPOINT_AZURE", blob.base_url()}});
  const auto valid = sprawl::test::with_secret(scan, key), invalid = sprawl::test::with_secret(scan, wrong);
  REQUIRE(valid.size() == 1);
  REQUIRE(invalid.size() == 1);
  CHECK(valid[0].validity_status == "valid");
  CHECK(valid[0].validity_method == "live");
  CHECK(valid[0].identity_of("account") == k_account);
  CHECK(invalid[0].validity_status == "invalid");
  CHECK(blob.requests().size() == 2);
}
