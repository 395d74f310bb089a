// The package-registry validators (verify_packages.cpp) against a local server that answers as
// each registry documents: valid with identity, refused, rate limited, malformed; where the
// token travels; and that the PyPI probe can never be an upload.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "src/check/offline/token_checks.h"
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

std::string fake_npm_token(std::uint32_t seed) { return std::string("np") + "m_" + random_chars(kBase62, 36, seed); }

std::string fake_pypi_token(bool test_index, std::uint32_t seed) {
  const std::string location = test_index ? "AgENdGVzdC5weXBpLm9yZw" : "AgEIcHlwaS5vcmc";
  return "pypi-" + location + random_chars(std::string(kBase62) + "_-", 120, seed);
}

}  // namespace

// --- npm -----------------------------------------------------------------------------------------

TEST_CASE("npm whoami names the user; 401 is invalid", "[verify][packages]") {
  const auto credential = credential_for("npm-access-token", "npm", fake_npm_token(1));
  const auto ok = run_check(credential, json_response(200, R"({"username":"acme-publisher"})"));
  CHECK(ok.result.status == LiveStatus::valid);
  CHECK(identity_of(ok.result, "username") == "acme-publisher");
  REQUIRE(ok.requests.size() == 1);
  CHECK(ok.requests[0].method == "GET");
  CHECK(ok.requests[0].path == "/-/whoami");
  CHECK(ok.requests[0].header("authorization") == "Bearer " + credential.secret);
  CHECK(places_holding(ok.requests[0], credential.secret) == 1);
  CHECK(run_check(credential, json_response(401, R"({"error":"Unauthorized"})")).result.status == LiveStatus::invalid);
  check_busy_and_malformed(credential);
}

TEST_CASE("an .npmrc token for another registry is not sent to npmjs.org", "[verify][packages]") {
  const std::string token = random_chars(kBase62, 40, 2);
  auto credential = credential_for("npmrc-auth-token", "npm", token);
  credential.match_text = "//npm.pkg.example.com/:_authToken=" + token;
  const auto skipped = run_check(credential, json_response(200, R"({"username":"x"})"));
  CHECK(skipped.result.status == LiveStatus::unknown);
  CHECK(skipped.requests.empty());
  credential.match_text = "//registry.npmjs.org/:_authToken=" + token;
  CHECK(run_check(credential, json_response(200, R"({"username":"acme"})")).result.status == LiveStatus::valid);
}

// --- PyPI ----------------------------------------------------------------------------------------

TEST_CASE("PyPI probe: a recognised token gets 400 Unknown protocol version; the request cannot upload",
          "[verify][packages]") {
  const auto credential = credential_for("pypi-upload-token", "pypi", fake_pypi_token(false, 11));
  const auto ok = run_check(credential, text_response(400, "400 Unknown protocol version."));
  CHECK(ok.result.status == LiveStatus::valid);
  CHECK(identity_of(ok.result, "index") == "pypi.org");
  REQUIRE(ok.requests.size() == 1);
  const FakeRequest& probe = ok.requests[0];
  CHECK(probe.method == "POST");
  CHECK(probe.path == "/legacy/");
  // Only the action and an unsupported protocol version: no name, version, metadata or file.
  CHECK(probe.body == "%3Aaction=file_upload&protocol_version=2");
  CHECK(probe.header("content-type") == "application/x-www-form-urlencoded");
  CHECK(probe.header("authorization").starts_with("Basic "));
  CHECK(places_holding(probe, credential.secret) == 0);  // only inside the Basic credentials

  const auto refused = run_check(
      credential,
      text_response(403, "403 Invalid or non-existent authentication information. See https://pypi.org/help"));
  CHECK(refused.result.status == LiveStatus::invalid);
  const auto read_only =
      run_check(credential, text_response(403, "403 Read-only mode: Uploads are temporarily disabled."));
  CHECK(read_only.result.status == LiveStatus::unknown);
  const auto busy = run_check(credential, text_response(429, "Too many requests"));
  CHECK(busy.result.status == LiveStatus::unknown);
  CHECK(busy.requests.size() == 3);
  for (const auto& request : busy.requests) CHECK(request.body == "%3Aaction=file_upload&protocol_version=2");
  CHECK(run_check(credential, text_response(200, "OK")).result.status == LiveStatus::unknown);
}

TEST_CASE("TestPyPI tokens are named as such; .pypirc passwords that are not tokens are not sent",
          "[verify][packages]") {
  const auto test_token = credential_for("pypi-upload-token", "pypi", fake_pypi_token(true, 12));
  const auto ok = run_check(test_token, text_response(400, "400 Unknown protocol version."));
  CHECK(ok.result.status == LiveStatus::valid);
  CHECK(identity_of(ok.result, "index") == "test.pypi.org");
  const auto password = run_check(credential_for("pypirc-password", "pypi", random_chars(kBase62, 16, 13)),
                                  text_response(400, "400 Unknown protocol version."));
  CHECK(password.result.status == LiveStatus::unknown);
  CHECK(password.requests.empty());
}

// --- RubyGems ------------------------------------------------------------------------------------

TEST_CASE("RubyGems key lists its owner's gems; a scope-limited key is still valid", "[verify][packages]") {
  const auto credential = credential_for("rubygems-api-key", "rubygems", "rubygems_" + random_chars(kHexLower, 48, 21));
  const auto ok =
      run_check(credential, json_response(200, R"([{"name":"acme-client","downloads":10},{"name":"acme-cli"}])"));
  CHECK(ok.result.status == LiveStatus::valid);
  CHECK(identity_of(ok.result, "gems") == "2");
  CHECK(identity_of(ok.result, "gem") == "acme-client");
  REQUIRE(ok.requests.size() == 1);
  CHECK(ok.requests[0].method == "GET");
  CHECK(ok.requests[0].path == "/api/v1/gems.json");
  CHECK(ok.requests[0].header("authorization") == credential.secret);
  CHECK(places_holding(ok.requests[0], credential.secret) == 1);

  CHECK(
      run_check(credential, text_response(401, "Access Denied. Please sign up for an account at https://rubygems.org"))
          .result.status == LiveStatus::invalid);
  CHECK(run_check(credential, json_response(403, R"({"error":"The API key doesn't have access"})")).result.status ==
        LiveStatus::valid);
  CHECK(run_check(credential, json_response(403, R"({"error":"An invalid API key cannot be used. Please delete it."})"))
            .result.status == LiveStatus::invalid);
  check_busy_and_malformed(credential);
}

// --- Docker Hub ----------------------------------------------------------------------------------

TEST_CASE("Docker Hub token is exchanged with the user from docker login, or skipped", "[verify][packages]") {
  const std::string token = "dckr_pat_" + random_chars(std::string(kBase62) + "_-", 27, 31);
  auto credential = credential_for("dockerhub-access-token", "dockerhub", token);
  credential.context = "echo " + token + " | docker login -u ci-robot --password-stdin";
  const auto ok = run_check(credential, json_response(200, R"({"access_token":"eyJhbGciOi.session.only"})"));
  CHECK(ok.result.status == LiveStatus::valid);
  CHECK(identity_of(ok.result, "username") == "ci-robot");
  REQUIRE(ok.requests.size() == 1);
  CHECK(ok.requests[0].method == "POST");
  CHECK(ok.requests[0].path == "/v2/auth/token");
  CHECK(ok.requests[0].body == R"({"identifier":"ci-robot","secret":")" + token + "\"}");
  CHECK(places_holding(ok.requests[0], token) == 1);
  for (const auto& [key, value] : ok.result.identity) CHECK(value.find("session") == std::string::npos);

  const auto refused =
      run_check(credential, json_response(401, R"({"detail":"Incorrect authentication credentials"})"));
  CHECK(refused.result.status == LiveStatus::invalid);
  CHECK(refused.result.reason.find("ci-robot") != std::string::npos);
  check_busy_and_malformed(credential);

  credential.context = "DOCKERHUB_USERNAME: acme\nDOCKERHUB_TOKEN: " + token;
  CHECK(run_check(credential, json_response(200, R"({"access_token":"x"})")).requests[0].body.find("\"acme\"") !=
        std::string::npos);
  credential.context = "DOCKERHUB_TOKEN=" + token;
  const auto alone = run_check(credential, json_response(200, R"({"access_token":"x"})"));
  CHECK(alone.result.status == LiveStatus::unknown);
  CHECK(alone.requests.empty());
}

// --- End to end ----------------------------------------------------------------------------------

TEST_CASE("scan --validate reports an npm token valid with its user, and a revoked one invalid",
          "[verify][packages][cli][validate]") {
  // npm tokens carry a CRC32 checksum of their random part; a wrong one is dropped before any check.
  const auto npm_token = [](std::uint32_t seed) {
    const std::string body = random_chars(kBase62, 30, seed);
    return std::string("np") + "m_" + body + sprawl::offline::crc32_base62(body);
  };
  const std::string live = npm_token(911), revoked = npm_token(912);
  FakeHttpServer npm([live](const FakeRequest& r) {
    if (r.path == "/-/whoami" && r.header("authorization") == "Bearer " + live)
      return json_response(200, R"({"username":"acme-publisher"})");
    return json_response(401, R"({"error":"Unauthorized"})");
  });
  sprawl::test::TempDir dir;
  dir.write("web/.npmrc", "//registry.npmjs.org/:_authToken=" + live + "\n");
  dir.write("old/.env", "NPM_TOKEN=" + revoked + "\n");
  const auto scan = scan_validating(dir.path(), {{"SPRAWL_ENDPOINT_NPM", npm.base_url()}});
  const auto valid = sprawl::test::with_secret(scan, live), invalid = sprawl::test::with_secret(scan, revoked);
  REQUIRE_FALSE(valid.empty());
  REQUIRE(invalid.size() == 1);
  for (const auto& finding : valid) {
    CHECK(finding.validity_status == "valid");
    CHECK(finding.identity_of("username") == "acme-publisher");
  }
  CHECK(invalid[0].validity_status == "invalid");
  REQUIRE(npm.requests().size() == 2);  // one request per distinct token
  for (const auto& request : npm.requests()) {
    CHECK(request.path == "/-/whoami");
    CHECK(request.body.empty());
  }
}
