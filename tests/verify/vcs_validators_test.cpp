// The source-hosting and CI validators (verify_vcs.cpp) against a local server that answers as
// each provider documents: valid with identity, refused, rate limited, malformed; and where the
// token travels.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

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

/// Every request was a GET carrying `secret` in header `header` only (after `prefix`).
void get_with_secret_only_in_header(const std::vector<FakeRequest>& requests, const std::string& secret,
                                    const std::string& header, const std::string& prefix = "") {
  secret_only_in_header(requests, secret, header, prefix);
  for (const auto& request : requests) CHECK(request.method == "GET");
}

/// A token of `rule_id` answered 200 with `body` is valid with identity `key` = `value`; 401 is
/// invalid; and the token went in header `header` (after `prefix`) to `path` only.
void check_who_am_i(const Credential& credential, const std::string& path, const std::string& body,
                    const std::string& key, const std::string& value, const std::string& header,
                    const std::string& prefix) {
  INFO(credential.rule_id);
  const auto ok = run_check(credential, json_response(200, body));
  CHECK(ok.result.status == LiveStatus::valid);
  CHECK(identity_of(ok.result, key) == value);
  REQUIRE(ok.requests.size() == 1);
  CHECK(ok.requests[0].target == path);
  get_with_secret_only_in_header(ok.requests, credential.secret, header, prefix);
  CHECK(run_check(credential, json_response(401, R"({"message":"Unauthorized"})")).result.status ==
        LiveStatus::invalid);
  check_busy_and_malformed(credential);
}

}  // namespace

// --- GitHub --------------------------------------------------------------------------------------

TEST_CASE("GitHub /user names the login, classic scopes and expiry; 401 is invalid", "[verify][vcs]") {
  const auto credential = credential_for("github-pat-classic", "github", sprawl::test::fake_github_pat(1));
  FakeResponse user = json_response(200, R"({"login":"octo-deployer","id":4242,"type":"User","name":"Deploy Bot"})");
  user = with_header(user, "X-OAuth-Scopes", "repo, read:org");
  user = with_header(user, "GitHub-Authentication-Token-Expiration", "2031-01-01 00:00:00 UTC");
  const auto ok = run_check(credential, user);
  CHECK(ok.result.status == LiveStatus::valid);
  CHECK(identity_of(ok.result, "login") == "octo-deployer");
  CHECK(identity_of(ok.result, "id") == "4242");
  CHECK(identity_of(ok.result, "type") == "User");
  CHECK(identity_of(ok.result, "scopes") == "repo, read:org");
  CHECK(identity_of(ok.result, "expires_at") == "2031-01-01 00:00:00 UTC");
  CHECK(identity_of(ok.result, "token_type") == "personal access token (classic)");
  REQUIRE(ok.requests.size() == 1);
  CHECK(ok.requests[0].path == "/user");
  get_with_secret_only_in_header(ok.requests, credential.secret, "authorization", "token ");

  const auto bad = run_check(credential, json_response(401, R"({"message":"Bad credentials"})"));
  CHECK(bad.result.status == LiveStatus::invalid);
  CHECK(bad.requests.size() == 1);
  check_busy_and_malformed(credential);
}

TEST_CASE("GitHub primary rate limit (403, remaining 0) is unknown, not invalid", "[verify][vcs]") {
  const auto credential = credential_for("github-pat-classic", "github", sprawl::test::fake_github_pat(2));
  const auto limited = run_check(credential, with_header(json_response(403, R"({"message":"API rate limit exceeded"})"),
                                                         "X-RateLimit-Remaining", "0"));
  CHECK(limited.result.status == LiveStatus::unknown);
  CHECK(limited.result.http_status == 403);
}

TEST_CASE("GitHub installation token reads its repositories; a 403 elsewhere is settled by /rate_limit",
          "[verify][vcs]") {
  const auto credential =
      credential_for("github-app-installation-token", "github", "ghs_" + random_chars(kBase62, 36, 3));
  const auto ok = run_check(credential, json_response(200, R"({"total_count":7,"repositories":[
      {"full_name":"acme/api","owner":{"login":"acme"}}]})"));
  CHECK(ok.result.status == LiveStatus::valid);
  CHECK(identity_of(ok.result, "repositories") == "7");
  CHECK(identity_of(ok.result, "repository") == "acme/api");
  CHECK(identity_of(ok.result, "owner") == "acme");
  REQUIRE(ok.requests.size() == 1);
  CHECK(ok.requests[0].target == "/installation/repositories?per_page=1");
  get_with_secret_only_in_header(ok.requests, credential.secret, "authorization", "token ");
  CHECK(run_check(credential, json_response(401, R"({"message":"Bad credentials"})")).result.status ==
        LiveStatus::invalid);
  check_busy_and_malformed(credential);

  const auto user_token =
      credential_for("github-user-to-server-token", "github", "ghu_" + random_chars(kBase62, 36, 4));
  const auto probed = run_check(user_token, [](const FakeRequest& r) {
    return r.path == "/rate_limit" ? json_response(200, R"({"resources":{"core":{"limit":5000,"remaining":4999}}})")
                                   : json_response(403, R"({"message":"Resource not accessible by integration"})");
  });
  CHECK(probed.result.status == LiveStatus::valid);
  CHECK(identity_of(probed.result, "rate_limit") == "5000");
  REQUIRE(probed.requests.size() == 2);
  CHECK(probed.requests[1].path == "/rate_limit");
}

// --- GitLab --------------------------------------------------------------------------------------

TEST_CASE("GitLab token reads its own record: name, scopes, user and expiry", "[verify][vcs]") {
  const auto credential = credential_for("gitlab-pat", "gitlab", "glpat-" + random_chars(kBase62, 20, 11));
  check_who_am_i(credential, "/api/v4/personal_access_tokens/self",
                 R"({"id":99,"name":"ci-release","revoked":false,"scopes":["api","read_repository"],"user_id":1234,
                    "active":true,"expires_at":"2031-06-30"})",
                 "scopes", "api,read_repository", "private-token", "");
  const auto ok =
      run_check(credential, json_response(200, R"({"id":99,"name":"ci-release","scopes":["api"],"user_id":1234,
      "expires_at":"2031-06-30"})"));
  CHECK(identity_of(ok.result, "token_name") == "ci-release");
  CHECK(identity_of(ok.result, "user_id") == "1234");
  CHECK(identity_of(ok.result, "expires_at") == "2031-06-30");
}

TEST_CASE("GitLab token without the scope to read itself falls back to /user", "[verify][vcs]") {
  const auto credential = credential_for("gitlab-pat", "gitlab", "glpat-" + random_chars(kBase62, 20, 12));
  const auto user = run_check(credential, [](const FakeRequest& r) {
    return r.path == "/api/v4/user" ? json_response(200, R"({"id":1234,"username":"release-bot"})")
                                    : json_response(403, R"({"error":"insufficient_scope"})");
  });
  CHECK(user.result.status == LiveStatus::valid);
  CHECK(identity_of(user.result, "username") == "release-bot");
  REQUIRE(user.requests.size() == 2);
  get_with_secret_only_in_header(user.requests, credential.secret, "private-token");

  const auto scoped =
      run_check(credential, json_response(403, R"({"error":"insufficient_scope","scope":"read_user"})"));
  CHECK(scoped.result.status == LiveStatus::valid);
  CHECK(scoped.requests.size() == 2);
}

TEST_CASE("GitLab job token reads its job", "[verify][vcs]") {
  const auto credential = credential_for("gitlab-cicd-job-token", "gitlab", "glcbt-" + random_chars(kBase62, 24, 13));
  check_who_am_i(credential, "/api/v4/job",
                 R"({"id":777,"name":"deploy","pipeline":{"project_id":42},"user":{"username":"release-bot"}})",
                 "project_id", "42", "job-token", "");
}

// --- Bitbucket -----------------------------------------------------------------------------------

TEST_CASE("Bitbucket app password is checked with the user from its clone URL, or skipped", "[verify][vcs]") {
  const std::string password = "ATBB" + random_chars(kBase62, 32, 21);
  auto credential = credential_for("bitbucket-app-password", "bitbucket", password);
  credential.context = "git clone https://ci-bot:" + password + "@bitbucket.org/acme/api.git";
  const auto ok = run_check(credential, json_response(200, R"({"username":"ci-bot","display_name":"CI Bot",
      "account_id":"557058:abcd"})"));
  CHECK(ok.result.status == LiveStatus::valid);
  CHECK(identity_of(ok.result, "display_name") == "CI Bot");
  REQUIRE(ok.requests.size() == 1);
  CHECK(ok.requests[0].path == "/2.0/user");
  CHECK(ok.requests[0].header("authorization").starts_with("Basic "));
  CHECK(places_holding(ok.requests[0], password) == 0);  // only inside the Basic credentials

  const auto refused = run_check(credential, json_response(401, R"({"type":"error"})"));
  CHECK(refused.result.status == LiveStatus::invalid);
  CHECK(refused.result.reason.find("ci-bot") != std::string::npos);
  const auto scoped = run_check(credential, json_response(403, R"({"type":"error","error":{"message":
      "Your credentials lack one or more required privilege scopes.","detail":{"granted":["repository"],"required":["account"]}}})"));
  CHECK(scoped.result.status == LiveStatus::valid);
  CHECK(identity_of(scoped.result, "granted_scopes") == "repository");
  check_busy_and_malformed(credential);

  credential.context = "BITBUCKET_USERNAME=deploy.user\nBITBUCKET_APP_PASSWORD=" + password;
  CHECK(run_check(credential, json_response(200, R"({"username":"deploy.user"})")).result.status == LiveStatus::valid);
  credential.context = "BITBUCKET_APP_PASSWORD=" + password;
  const auto alone = run_check(credential, json_response(200, R"({"username":"x"})"));
  CHECK(alone.result.status == LiveStatus::unknown);
  CHECK(alone.requests.empty());
}

// --- CI and platforms ----------------------------------------------------------------------------

TEST_CASE("CircleCI /me names a personal token's user; project tokens are not sent", "[verify][vcs]") {
  const std::string personal = "CCIPAT_" + random_chars(kBase62, 22, 31) + "_" + random_chars(kHexLower, 40, 32);
  check_who_am_i(credential_for("circleci-personal-token", "circleci", personal), "/api/v2/me",
                 R"({"id":"6e3b-11","login":"acme-ci","name":"Acme CI"})", "login", "acme-ci", "circle-token", "");
  const std::string project = "CCIPRJ_" + random_chars(kBase62, 22, 33) + "_" + random_chars(kHexLower, 40, 34);
  const auto skipped =
      run_check(credential_for("circleci-personal-token", "circleci", project), json_response(200, "{}"));
  CHECK(skipped.result.status == LiveStatus::unknown);
  CHECK(skipped.requests.empty());
  const auto legacy = run_check(credential_for("circleci-api-token", "circleci", random_chars(kHexLower, 40, 35)),
                                json_response(401, R"({"message":"You must log in first."})"));
  CHECK(legacy.result.status == LiveStatus::unknown);  // may be a project token
}

TEST_CASE("Buildkite access-token names the user and scopes", "[verify][vcs]") {
  check_who_am_i(
      credential_for("buildkite-token", "buildkite", "bkua_" + random_chars(kHexLower, 40, 41)), "/v2/access-token",
      R"({"uuid":"b63254c0","scopes":["read_builds","read_pipelines"],"user":{"name":"Release","email":"r@acme.example"}})",
      "scopes", "read_builds,read_pipelines", "authorization", "Bearer ");
}

TEST_CASE("Travis CI /user names the login", "[verify][vcs]") {
  const auto credential = credential_for("travisci-api-token", "travisci", random_chars(kBase62, 22, 51));
  check_who_am_i(credential, "/user", R"({"@type":"user","id":88,"login":"acme-bot","name":"Acme"})", "login",
                 "acme-bot", "authorization", "token ");
  CHECK(run_check(credential, json_response(200, R"({"login":"x"})")).requests[0].header("travis-api-version") == "3");
  CHECK(run_check(credential, json_response(403, R"({"@type":"error","error_type":"login_required"})")).result.status ==
        LiveStatus::invalid);
}

TEST_CASE("Terraform Cloud account details, service users included", "[verify][vcs]") {
  const std::string token = random_chars(kBase62, 14, 61) + ".atlasv1." + random_chars(kBase62, 67, 62);
  check_who_am_i(credential_for("terraform-cloud-api-token", "terraform", token), "/api/v2/account/details",
                 R"({"data":{"id":"user-V3R563qtJNcExAkN","type":"users","attributes":{"username":"api-team_123",
                    "email":"x@acme.example","is-service-account":true}}})",
                 "service_account", "true", "authorization", "Bearer ");
}

TEST_CASE("Vercel, Netlify, Doppler and Postman name the token's owner", "[verify][vcs]") {
  check_who_am_i(credential_for("vercel-access-token", "vercel", random_chars(kBase62, 24, 71)), "/v2/user",
                 R"({"user":{"id":"u_1","username":"acme-web","email":"web@acme.example"}})", "username", "acme-web",
                 "authorization", "Bearer ");
  check_who_am_i(credential_for("netlify-access-token", "netlify", random_chars(kBase62, 43, 72)), "/api/v1/user",
                 R"({"id":"5a1","full_name":"Acme Web","email":"web@acme.example"})", "email", "web@acme.example",
                 "authorization", "Bearer ");
  check_who_am_i(credential_for("doppler-token", "doppler", "dp.st.prd." + random_chars(kBase62, 43, 73)), "/v3/me",
                 R"({"workplace":{"name":"Acme","slug":"acme"},"type":"service_token","name":"prod-deploy"})",
                 "workplace", "Acme", "authorization", "Bearer ");
  check_who_am_i(credential_for("postman-api-key", "postman",
                                "PMAK-" + random_chars(kHexLower, 24, 74) + "-" + random_chars(kHexLower, 34, 75)),
                 "/me", R"({"user":{"id":12,"username":"acme-api","email":"api@acme.example","teamName":"Acme"}})",
                 "username", "acme-api", "x-api-key", "");
}

TEST_CASE("GitHub refresh tokens have no validator", "[verify][vcs]") {
  CHECK(validator_for("github-refresh-token") == nullptr);
  CHECK(validator_for("github-pat-classic") != nullptr);
}

// --- End to end ----------------------------------------------------------------------------------

TEST_CASE("scan --validate reports a GitLab token valid with its scopes, and a revoked one invalid",
          "[verify][vcs][cli][validate]") {
  const std::string live = "glpat-" + random_chars(kBase62, 20, 901),
                    revoked = "glpat-" + random_chars(kBase62, 20, 902);
  FakeHttpServer gitlab([live](const FakeRequest& r) {
    if (r.path == "/api/v4/personal_access_tokens/self" && r.header("private-token") == live)
      return json_response(200,
                           R"({"id":5,"name":"release","scopes":["read_api"],"user_id":77,"expires_at":"2031-01-31"})");
    return json_response(401, R"({"message":"401 Unauthorized"})");
  });
  sprawl::test::TempDir dir;
  dir.write("ci/.env", "GITLAB_TOKEN=" + live + "\n");
  dir.write("old/.env", "GITLAB_TOKEN=" + revoked + "\n");
  const auto scan = scan_validating(dir.path(), {{"SPRAWL_ENDPOINT_GITLAB", gitlab.base_url()}});
  const auto valid = sprawl::test::with_secret(scan, live), invalid = sprawl::test::with_secret(scan, revoked);
  REQUIRE(valid.size() == 1);
  REQUIRE(invalid.size() == 1);
  CHECK(valid[0].validity_status == "valid");
  CHECK(valid[0].validity_method == "live");
  CHECK(valid[0].identity_of("scopes") == "read_api");
  CHECK(valid[0].identity_of("user_id") == "77");
  CHECK(invalid[0].validity_status == "invalid");
  for (const auto& request : gitlab.requests()) {
    CHECK(request.target == "/api/v4/personal_access_tokens/self");
    CHECK((request.header("private-token") == live || request.header("private-token") == revoked));
    CHECK(places_holding(request, live) + places_holding(request, revoked) == 1);
  }
}
