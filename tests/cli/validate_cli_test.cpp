// End-to-end: `sprawl scan --validate` against a real local HTTP(S) server standing in for
// GitHub — statuses and identity in every report, one request per distinct secret, the cache,
// --only-valid and --fail-on-valid, SARIF levels, unreachable and silent providers, config
// endpoints, and that no secret reaches the output or the provider anywhere but its header.
#include <catch2/catch.hpp>

#include <string>

#include "tests/support/cli_runner.h"
#include "tests/support/fake_http_server.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/findings_json.h"
#include "tests/support/git_repo.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

namespace {

// Mimics GET https://api.github.com/user: 200 with the user for `valid_token`, 401 otherwise.
FakeHttpServer::Handler github_api(const std::string& valid_token) {
  return [valid_token](const FakeRequest& r) {
    if (r.path == "/user" && r.header("authorization") == "token " + valid_token) {
      FakeResponse ok = json_response(200, R"({"login":"deploy-bot","id":4242,"type":"User"})");
      ok.headers.emplace_back("X-OAuth-Scopes", "repo, admin:org");
      return ok;
    }
    return json_response(401, R"({"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"})");
  };
}

std::vector<std::string> validate_args(const std::string& path, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"scan", path, "--validate", "--validation-cache-ttl", "0", "--format", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

const ReportedFinding* finding_with(const ReportedScan& scan, const std::string& secret) {
  for (const auto& f : scan.findings)
    if (f.secret == secret) return &f;
  return nullptr;
}

}  // namespace

TEST_CASE("scan --validate marks a live GitHub token valid with its owner, and a revoked one invalid", "[cli][validate]") {
  const std::string live = fake_github_pat(601), revoked = fake_github_pat(602);
  FakeHttpServer github(github_api(live));
  TempDir dir;
  dir.write("app/.env", "GITHUB_TOKEN=" + live + "\n");
  dir.write("old/ci.env", "GH_TOKEN=" + revoked + "\n");
  const auto result = run_sprawl_env(validate_args(dir.path(), {"--show-secrets"}),
                                     {{"SPRAWL_ENDPOINT_GITHUB", github.base_url()}});
  INFO(result.err);
  CHECK(result.exit_code == 1);
  const ReportedScan scan = parse_report(result.out);
  const ReportedFinding* valid = finding_with(scan, live);
  const ReportedFinding* invalid = finding_with(scan, revoked);
  REQUIRE(valid);
  REQUIRE(invalid);
  CHECK(valid->validity_status == "valid");
  CHECK(valid->validity_method == "live");
  CHECK(valid->validity_http_status == 200);
  CHECK_FALSE(valid->validity_checked_at.empty());
  CHECK(valid->identity_of("login") == "deploy-bot");
  CHECK(valid->identity_of("scopes") == "repo, admin:org");
  CHECK(invalid->validity_status == "invalid");
  CHECK(invalid->validity_http_status == 401);
  CHECK(invalid->identity_of("login").empty());
  CHECK(scan.validation_ran);
  CHECK(scan.validated == 2);
  CHECK(scan.valid == 1);
  CHECK(scan.invalid == 1);
  CHECK(result.err.find("validated 2 credentials with their providers: 1 valid, 1 invalid, 0 unknown") !=
        std::string::npos);
  // The token travelled only in the Authorization header, to the documented path.
  for (const auto& request : github.requests()) {
    CHECK(request.path == "/user");
    CHECK(request.target.find(live) == std::string::npos);
    CHECK(request.body.empty());
  }
}

TEST_CASE("scan --validate checks each distinct secret once however often it appears", "[cli][validate]") {
  const std::string token = fake_github_pat(611);
  FakeHttpServer github(github_api(token));
  TempDir dir;
  for (int i = 0; i < 4; ++i) dir.write("svc" + std::to_string(i) + "/.env", "GITHUB_TOKEN=" + token + "\n");
  const auto result = run_sprawl_env(validate_args(dir.path()), {{"SPRAWL_ENDPOINT_GITHUB", github.base_url()}});
  const ReportedScan scan = parse_report(result.out);
  REQUIRE(scan.findings.size() == 4);
  for (const auto& f : scan.findings) CHECK(f.validity_status == "valid");
  CHECK(github.requests().size() == 1);
  CHECK(scan.validated == 1);
}

TEST_CASE("scan --validation-cache-ttl answers a second scan from the cache, and 0 asks again", "[cli][validate]") {
  const std::string token = fake_github_pat(621);
  FakeHttpServer github(github_api(token));
  TempDir dir, cache;
  dir.write(".env", "GITHUB_TOKEN=" + token + "\n");
  const std::vector<std::pair<std::string, std::string>> env{{"SPRAWL_ENDPOINT_GITHUB", github.base_url()},
                                                             {"SPRAWL_CACHE_DIR", cache.path()}};
  const std::vector<std::string> cached_args{"scan", dir.path(), "--validate", "--validation-cache-ttl", "1h",
                                             "--format", "json"};
  auto first = parse_report(run_sprawl_env(cached_args, env).out);
  REQUIRE(first.findings.size() == 1);
  CHECK_FALSE(first.findings[0].validity_cached);
  auto second = parse_report(run_sprawl_env(cached_args, env).out);
  REQUIRE(second.findings.size() == 1);
  CHECK(second.findings[0].validity_status == "valid");
  CHECK(second.findings[0].validity_cached);
  CHECK(second.findings[0].identity_of("login") == "deploy-bot");
  CHECK(second.cached == 1);
  CHECK(github.requests().size() == 1);
  // The cache holds fingerprints and identities, never the secret.
  CHECK(read_text(cache.path() + "/validation-v1.jsonl").find(token) == std::string::npos);
  CHECK(read_text(cache.path() + "/validation-v1.jsonl").find("deploy-bot") != std::string::npos);

  run_sprawl_env({"scan", dir.path(), "--validate", "--validation-cache-ttl", "0", "--format", "json"}, env);
  CHECK(github.requests().size() == 2);
}

TEST_CASE("scan --only-valid reports only accepted credentials, --fail-on-valid fails only on them", "[cli][validate]") {
  const std::string live = fake_github_pat(631), revoked = fake_github_pat(632);
  FakeHttpServer github(github_api(live));
  TempDir dir;
  dir.write("a/.env", "GITHUB_TOKEN=" + live + "\n");
  dir.write("b/.env", "GITHUB_TOKEN=" + revoked + "\n");
  dir.write("c/id_token.txt", "password = \"Zq8vL2pXw9RkT4mN\"\n");  // no live check for a bare password
  const std::vector<std::pair<std::string, std::string>> env{{"SPRAWL_ENDPOINT_GITHUB", github.base_url()}};

  const auto only = run_sprawl_env(validate_args(dir.path(), {"--only-valid", "--show-secrets"}), env);
  const ReportedScan scan = parse_report(only.out);
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].secret == live);
  CHECK(scan.not_valid_hidden >= 1);
  CHECK(only.exit_code == 1);

  const auto gate = run_sprawl_env(validate_args(dir.path(), {"--fail-on-valid"}), env);
  CHECK(gate.exit_code == 1);
  CHECK(gate.err.find("--fail-on-valid): 1 valid finding: FAILED") != std::string::npos);

  TempDir dead;
  dead.write(".env", "GITHUB_TOKEN=" + revoked + "\n");
  const auto passes = run_sprawl_env(validate_args(dead.path(), {"--fail-on-valid"}), env);
  INFO(passes.err);
  CHECK(passes.exit_code == 0);
  CHECK(parse_report(passes.out).findings.size() == 1);  // still reported, it just does not fail the gate
  CHECK(passes.err.find("0 valid findings: passed") != std::string::npos);
}

TEST_CASE("SARIF after --validate: error for a valid credential, warning for the rest", "[cli][validate][sarif]") {
  const std::string live = fake_github_pat(641), revoked = fake_github_pat(642);
  FakeHttpServer github(github_api(live));
  TempDir dir;
  dir.write("a.env", "GITHUB_TOKEN=" + live + "\n");
  dir.write("b.env", "GITHUB_TOKEN=" + revoked + "\n");
  const auto result = run_sprawl_env(
      {"scan", dir.path(), "--validate", "--validation-cache-ttl", "0", "--format", "sarif"},
      {{"SPRAWL_ENDPOINT_GITHUB", github.base_url()}});
  const std::string& sarif = result.out;
  const auto a = sarif.find("a.env"), b = sarif.find("b.env");
  REQUIRE(a != std::string::npos);
  REQUIRE(b != std::string::npos);
  // Each result's level precedes its location: the last level before each path is its own.
  CHECK(sarif.rfind("\"level\":\"error\"", a) != std::string::npos);
  CHECK(sarif.rfind("\"level\":\"warning\"", b) > sarif.rfind("\"level\":\"error\"", b));
  CHECK(sarif.find("\"status\":\"valid\"") != std::string::npos);
  CHECK(sarif.find(live) == std::string::npos);
  CHECK(sarif.find(revoked) == std::string::npos);
}

TEST_CASE("scan --validate with the provider unreachable or silent gives unknown, within the timeout", "[cli][validate]") {
  const std::string token = fake_github_pat(651);
  TempDir dir;
  dir.write(".env", "GITHUB_TOKEN=" + token + "\n");
  SECTION("connection refused") {
    const auto result = run_sprawl_env(validate_args(dir.path()), {{"SPRAWL_ENDPOINT_GITHUB", "http://127.0.0.1:1"}});
    const ReportedScan scan = parse_report(result.out);
    REQUIRE(scan.findings.size() == 1);
    CHECK(scan.findings[0].validity_status == "unknown");
    CHECK(scan.findings[0].validity_reason.find("no answer") != std::string::npos);
    CHECK(result.exit_code == 1);
  }
  SECTION("a server that never answers in time") {
    FakeHttpServer silent([](const FakeRequest&) {
      FakeResponse late = json_response(200, R"({"login":"late"})");
      late.delay_ms = 2500;
      return late;
    });
    const auto result = run_sprawl_env(validate_args(dir.path(), {"--validation-timeout", "0.4"}),
                                       {{"SPRAWL_ENDPOINT_GITHUB", silent.base_url()}});
    const ReportedScan scan = parse_report(result.out);
    REQUIRE(scan.findings.size() == 1);
    CHECK(scan.findings[0].validity_status == "unknown");
    CHECK(scan.findings[0].validity_reason.find("timed out") != std::string::npos);
  }
  SECTION("an endpoint that is neither https nor loopback is refused, not sent to") {
    const auto result =
        run_sprawl_env(validate_args(dir.path()), {{"SPRAWL_ENDPOINT_GITHUB", "http://api.github.example"}});
    const ReportedScan scan = parse_report(result.out);
    REQUIRE(scan.findings.size() == 1);
    CHECK(scan.findings[0].validity_status == "unknown");
    CHECK(scan.findings[0].validity_reason.find("refused") != std::string::npos);
  }
}

TEST_CASE("scan --validate: unexpected answers are unknown with the HTTP status, echoed secrets are scrubbed", "[cli][validate]") {
  const std::string token = fake_github_pat(661);
  TempDir dir;
  dir.write(".env", "GITHUB_TOKEN=" + token + "\n");
  SECTION("a 200 that is not GitHub's JSON") {
    FakeHttpServer odd([](const FakeRequest&) {
      FakeResponse r = json_response(200, "<html>captive portal</html>");
      r.content_type = "text/html";
      return r;
    });
    const auto scan = parse_report(run_sprawl_env(validate_args(dir.path()), {{"SPRAWL_ENDPOINT_GITHUB", odd.base_url()}}).out);
    REQUIRE(scan.findings.size() == 1);
    CHECK(scan.findings[0].validity_status == "unknown");
    CHECK(scan.findings[0].validity_http_status == 200);
  }
  SECTION("a provider that echoes the token back") {
    FakeHttpServer echo([](const FakeRequest& r) {
      const std::string auth = r.header("authorization");
      return json_response(200, R"({"login":")" + auth.substr(auth.find(' ') + 1) + R"(","id":1})");
    });
    const auto result = run_sprawl_env(validate_args(dir.path()), {{"SPRAWL_ENDPOINT_GITHUB", echo.base_url()}});
    CHECK(result.out.find(token) == std::string::npos);
    CHECK(result.err.find(token) == std::string::npos);
    const auto scan = parse_report(result.out);
    REQUIRE(scan.findings.size() == 1);
    CHECK(scan.findings[0].identity_of("login") == "[redacted]");
  }
}

TEST_CASE("scan --validate over HTTPS, trusting a private CA given in SPRAWL_CA_BUNDLE", "[cli][validate]") {
  const std::string token = fake_github_pat(671);
  FakeHttpServer github(github_api(token), true);
  TempDir dir;
  dir.write(".env", "GITHUB_TOKEN=" + token + "\n");
  const auto trusted = parse_report(run_sprawl_env(validate_args(dir.path()),
                                                   {{"SPRAWL_ENDPOINT_GITHUB", github.base_url()},
                                                    {"SPRAWL_CA_BUNDLE", github.ca_file()}})
                                        .out);
  REQUIRE(trusted.findings.size() == 1);
  CHECK(trusted.findings[0].validity_status == "valid");
  const auto untrusted = parse_report(
      run_sprawl_env(validate_args(dir.path()), {{"SPRAWL_ENDPOINT_GITHUB", github.base_url()}}).out);
  REQUIRE(untrusted.findings.size() == 1);
  CHECK(untrusted.findings[0].validity_status == "unknown");
}

TEST_CASE("[validation.endpoints] in the config file points a provider at another base URL", "[cli][validate]") {
  const std::string token = fake_github_pat(681);
  FakeHttpServer github(github_api(token));
  TempDir dir;
  dir.write(".env", "GITHUB_TOKEN=" + token + "\n");
  dir.write(".sprawl.toml", "[validation.endpoints]\ngithub = \"" + github.base_url() + "\"\n");
  const auto scan = parse_report(run_sprawl_env(validate_args(dir.path()), {{"SPRAWL_ENDPOINT_GITHUB", ""}}).out);
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].validity_status == "valid");
  CHECK(github.requests().size() == 1);
}

TEST_CASE("Without --validate nothing is sent, and a bad --validation-cache-ttl is a usage error", "[cli][validate]") {
  const std::string token = fake_github_pat(691);
  FakeHttpServer github(github_api(token));
  TempDir dir;
  dir.write(".env", "GITHUB_TOKEN=" + token + "\n");
  const auto plain = run_sprawl_env({"scan", dir.path(), "--format", "json"}, {{"SPRAWL_ENDPOINT_GITHUB", github.base_url()}});
  const auto scan = parse_report(plain.out);
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].validity_method == "offline");
  CHECK_FALSE(scan.validation_ran);
  CHECK(github.requests().empty());
  const auto bad = run_sprawl_env({"scan", dir.path(), "--validate", "--validation-cache-ttl", "soon"}, {});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--validation-cache-ttl") != std::string::npos);
}

TEST_CASE("scan --validate on a repository's history checks a secret deleted since",
          "[cli][validate][git]") {
  const std::string token = fake_github_pat(711);
  FakeHttpServer github(github_api(token));
  TempDir dir;
  GitRepo repo(dir.path() + "/repo");
  repo.write("deploy/ci.env", "# CI\nGITHUB_TOKEN=" + token + "\n");
  repo.commit("add CI token");
  repo.remove("deploy/ci.env");
  repo.commit("remove CI token");
  const auto result = run_sprawl_env(validate_args(repo.path(), {"--show-secrets"}),
                                     {{"SPRAWL_ENDPOINT_GITHUB", github.base_url()},
                                      {"GIT_CONFIG_GLOBAL", "/dev/null"},
                                      {"GIT_CONFIG_NOSYSTEM", "1"}});
  INFO(result.err);
  const ReportedScan scan = parse_report(result.out);
  const ReportedFinding* found = finding_with(scan, token);
  REQUIRE(found);
  REQUIRE(found->git);
  CHECK(found->validity_status == "valid");
  CHECK(found->identity_of("login") == "deploy-bot");
  CHECK(github.requests().size() == 1);
}
