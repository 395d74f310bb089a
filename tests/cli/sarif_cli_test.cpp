// End-to-end: `sprawl scan --format sarif` on generated trees and repositories writes SARIF that
// the official 2.1.0 schema and Microsoft's multitool (GitHub's ingestion rules) both accept,
// with no raw secret in it, and caps a run at GitHub's 25000 results.
#include <catch2/catch.hpp>

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <unistd.h>

#include "src/report/sarif_report.h"
#include "tests/support/archive_writer.h"
#include "tests/support/cli_runner.h"
#include "tests/support/fake_http_server.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/git_repo.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

namespace {

using simdjson::dom::element;

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::string(value) : fallback;
}

// The build tree is the parent of the test cache directory.
std::string build_dir() {
  const std::string cache = SPRAWL_TEST_CACHE_DIR;
  return cache.substr(0, cache.rfind('/'));
}

std::string multitool_path() {
  return env_or("SPRAWL_SARIF_MULTITOOL",
                build_dir() + "/sarif-tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
}

std::string schema_path() {
  return env_or("SPRAWL_SARIF_SCHEMA", std::string(SPRAWL_SOURCE_DIR) + "/../shared/schemas/sarif-schema-2.1.0.json");
}

// A python3 that has jsonschema: the one on PATH, else Debian's.
std::string python_with_jsonschema() {
  for (const char* python : {"python3", "/usr/bin/python3"}) {
    if (run_process({python, "-c", "import jsonschema"}).exit_code == 0) return python;
  }
  return "";
}

constexpr const char* kSchemaCheck = R"(
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(json.load(open(sys.argv[2]))), key=str)
for e in errors[:20]:
    print("/".join(str(p) for p in e.absolute_path) + ": " + e.message)
sys.exit(1 if errors else 0)
)";

void check_schema(const std::string& sarif) {
  const std::string python = python_with_jsonschema();
  if (python.empty()) FAIL("python3 with jsonschema is missing: install python3-jsonschema (scripts/bootstrap)");
  if (access(schema_path().c_str(), R_OK) != 0)
    FAIL("SARIF schema not found at " << schema_path() << " (set SPRAWL_SARIF_SCHEMA)");
  const CliResult result = run_process({python, "-c", kSchemaCheck, schema_path(), sarif});
  INFO("schema errors:\n" << result.out << result.err);
  CHECK(result.exit_code == 0);
}

// The multitool's verdicts are SARIF too: every result of level "error" is one GitHub rejects.
std::vector<std::string> multitool_errors(const std::string& verdicts) {
  simdjson::dom::parser parser;
  const element log = parser.parse(read_text(verdicts));
  std::vector<std::string> errors;
  for (element result : log["runs"].at(0)["results"].get_array()) {
    std::string_view level;
    if (result["level"].get(level) != simdjson::SUCCESS || level != "error") continue;
    std::string text = std::string(std::string_view(result["ruleId"])) + ":";
    simdjson::dom::array arguments;
    if (result["message"]["arguments"].get(arguments) == simdjson::SUCCESS)
      for (element a : arguments) text += " " + std::string(std::string_view(a));
    errors.push_back(text);
  }
  return errors;
}

void check_multitool(const std::string& sarif) {
  const std::string tool = multitool_path();
  if (access(tool.c_str(), X_OK) != 0) {
    FAIL("Microsoft SARIF multitool not found at " << tool << ": run scripts/install-sarif-tools " << build_dir()
                                                   << "/sarif-tools (npm, network) or set SPRAWL_SARIF_MULTITOOL");
  }
  const std::string verdicts = sarif + ".verdicts.sarif";
  const CliResult run = run_process({tool, "validate", sarif, "-o", verdicts, "--rule-kind", "Gh;Sarif", "--log",
                                     "ForceOverwrite", "--max-file-size-in-kb", "1000000"},
                                    {"", "", {{"DOTNET_CLI_TELEMETRY_OPTOUT", "1"}}});
  INFO("multitool: " << run.out << run.err);
  REQUIRE(run.exit_code == 0);
  const std::vector<std::string> errors = multitool_errors(verdicts);
  for (const auto& e : errors) UNSCOPED_INFO(e);
  CHECK(errors.empty());
}

// Both checks code scanning's ingestion relies on, and no raw secret anywhere in the file.
void validate_sarif(const std::string& sarif, const std::vector<std::string>& secrets) {
  INFO("SARIF file: " << sarif);
  const std::string text = read_text(sarif);
  REQUIRE(!text.empty());
  for (const auto& secret : secrets) CHECK(text.find(secret) == std::string::npos);
  check_schema(sarif);
  check_multitool(sarif);
}

std::string str(element e) { return std::string(std::string_view(e)); }

const element* result_for(const std::vector<element>& results, const std::string& rule_prefix) {
  for (const auto& r : results)
    if (str(r["ruleId"]).rfind(rule_prefix, 0) == 0) return &r;
  return nullptr;
}

std::vector<element> results_of(element log) {
  std::vector<element> out;
  for (element r : log["runs"].at(0)["results"].get_array()) out.push_back(r);
  return out;
}

}  // namespace

TEST_CASE("sarif scan of a directory passes the SARIF schema and GitHub's ingestion rules", "[cli][sarif]") {
  TempDir tree;
  const std::vector<std::string> secrets{fake_github_pat(1), fake_aws_key_id(2), fake_slack_bot_token(3),
                                         fake_stripe_live_key(4)};
  tree.write("src/app config.py", "import os\n\nGITHUB_TOKEN = \"" + secrets[0] + "\"\n");
  tree.write("deploy/.env", "# aws\nAWS_ACCESS_KEY_ID=" + secrets[1] + "\n");
  tree.write("chat/slack.yaml", "bot_token: " + secrets[2] + "\n");
  tree.write("billing/stripe.js", "const key = '" + secrets[3] + "';\n");
  TempDir reports;
  const std::string out = reports / "dir.sarif";
  const CliResult result = run_sprawl({"scan", ".", "--format", "sarif", "--show-secrets", "-o", out}, tree.path());
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 1);
  validate_sarif(out, secrets);

  simdjson::dom::parser parser;
  const element log = parser.parse(read_text(out));
  const std::vector<element> results = results_of(log);
  CHECK(results.size() == 4);
  const element* github = result_for(results, "github");
  REQUIRE(github);
  const element region = (*github)["locations"].at(0)["physicalLocation"]["region"];
  CHECK(std::int64_t(region["startLine"]) == 3);
  CHECK(std::int64_t(region["startColumn"]) == 17);
  CHECK(std::int64_t(region["endColumn"]) == 17 + 40);
  CHECK(str((*github)["locations"].at(0)["physicalLocation"]["artifactLocation"]["uri"]) == "src/app%20config.py");
  CHECK(log["runs"].at(0)["tool"]["driver"]["rules"].get_array().size() == 4);
}

TEST_CASE("sarif scan of a git repository carries commit and author properties and validates", "[cli][sarif]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  const std::string pat = fake_github_pat(21), key_id = fake_aws_key_id(22);
  repo.write("config/settings.py", "TOKEN = '" + pat + "'\n");
  const std::string commit = repo.commit("add settings", "Bob Builder", "bob@example.com");
  repo.write("config/settings.py", "TOKEN = os.environ['TOKEN']\n");
  repo.write("aws.txt", "key " + key_id + "\n");
  repo.commit("rotate");
  const std::string out = dir / "git.sarif";
  const CliResult result = run_sprawl_in_git({"scan", "repo", "--format", "sarif", "-o", out}, dir.path(), dir.path());
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 1);
  validate_sarif(out, {pat, key_id});

  simdjson::dom::parser parser;
  const std::vector<element> results = results_of(parser.parse(read_text(out)));
  const element* github = result_for(results, "github");
  REQUIRE(github);
  const element props = (*github)["properties"];
  CHECK(str(props["commit"]) == commit);
  CHECK(str(props["author_name"]) == "Bob Builder");
  CHECK(str(props["author_email"]) == "bob@example.com");
  CHECK(str(props["summary"]) == "add settings");
  CHECK(str(props["location"]) == "commit");
  CHECK(bool(props["at_head"]) == false);
  CHECK(bool(props["reachable"]) == true);
  CHECK(str((*github)["locations"].at(0)["physicalLocation"]["artifactLocation"]["uri"]) == "config/settings.py");
}

TEST_CASE("sarif of a clean scan with an unreadable input validates and reports the error", "[cli][sarif]") {
  TempDir tree;
  tree.write("ok.txt", "nothing here\n");
  TempDir reports;
  const std::string out = reports / "clean.sarif";
  const CliResult result = run_sprawl({"scan", ".", "missing-input", "--format", "sarif", "-o", out}, tree.path());
  INFO("stderr: " << result.err);
  CHECK(result.exit_code == 2);
  validate_sarif(out, {});
  simdjson::dom::parser parser;
  const element invocation = parser.parse(read_text(out))["runs"].at(0)["invocations"].at(0);
  CHECK(bool(invocation["executionSuccessful"]) == false);
  CHECK(str(invocation["toolExecutionNotifications"].at(0)["message"]["text"]).find("missing-input") !=
        std::string::npos);
}

TEST_CASE("sarif scan with --show-suppressed lists inline and ignore-file suppressions and validates", "[cli][sarif]") {
  TempDir tree;
  const std::vector<std::string> secrets{fake_github_pat(41), fake_github_pat(42), fake_github_pat(43)};
  tree.write("app.py", "token = '" + secrets[0] + "'\n");
  tree.write("test.py", "token = '" + secrets[1] + "'  # sprawl:allow\n");
  tree.write("vendor/lib.py", "token = '" + secrets[2] + "'\n");
  tree.write(".sprawlignore", "vendor/\n");
  TempDir reports;
  const std::string out = reports / "suppressed.sarif";
  const CliResult result = run_sprawl({"scan", ".", "--format", "sarif", "--show-suppressed", "-o", out}, tree.path());
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 1);
  validate_sarif(out, secrets);

  simdjson::dom::parser parser;
  const std::vector<element> results = results_of(parser.parse(read_text(out)));
  REQUIRE(results.size() == 3);
  CHECK(results[0]["suppressions"].error() == simdjson::NO_SUCH_FIELD);
  std::vector<std::string> kinds;
  for (std::size_t i = 1; i < results.size(); ++i) {
    const element suppression = results[i]["suppressions"].at(0);
    kinds.push_back(str(suppression["kind"]) + " " + str(suppression["justification"]));
  }
  std::sort(kinds.begin(), kinds.end());
  REQUIRE(kinds.size() == 2);
  CHECK(kinds[0].rfind("external .sprawlignore:1", 0) == 0);
  CHECK(kinds[1] == "inSource inline sprawl:allow");
}

TEST_CASE("sarif with suppressed results validates, with their suppressions", "[cli][sarif]") {
  sprawl::Rule rule;
  rule.id = "github-pat-classic";
  rule.description = "GitHub personal access token (classic)";
  rule.provider = "github";
  rule.severity = sprawl::Severity::critical;
  sprawl::ScanOutcome outcome;
  const std::vector<std::string> secrets{fake_github_pat(31), fake_github_pat(32)};
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    sprawl::Finding f;
    f.rule = &rule;
    f.provenance.path = f.provenance.relative_path = "src/f" + std::to_string(i) + ".py";
    f.start = {1, 5};
    f.end = {1, 44};
    f.secret = secrets[i];
    f.fingerprint = std::string(64, '0' + static_cast<char>(i));
    f.blob_id = std::string(40, 'b');
    f.suppressed = i == 0 ? "inline sprawl:allow" : "baseline";
    outcome.suppressed.push_back(f);
  }
  sprawl::ReportOptions options;
  options.show_suppressed = true;
  options.show_secrets = true;
  TempDir dir;
  const std::string out = dir.write("suppressed.sarif", sprawl::render_sarif(outcome, options));
  validate_sarif(out, secrets);
}

TEST_CASE("sarif scan of 30000 findings keeps GitHub's 25000 and warns on stderr", "[cli][sarif][slow]") {
  TempDir tree;
  std::string text;
  for (std::uint32_t i = 0; i < 30000; ++i) text += "token_" + std::to_string(i) + " = " + fake_github_pat(i) + "\n";
  tree.write("many.txt", text);
  TempDir reports;
  const std::string out = reports / "many.sarif";
  const CliResult result = run_sprawl({"scan", ".", "--format", "sarif", "-o", out}, tree.path());
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 1);
  // A few generated tokens look like placeholders and are dropped: count what was found.
  std::size_t left_out = 0, found = 0;
  REQUIRE(std::sscanf(result.err.c_str(), "sprawl: warning: SARIF output: %zu of %zu results left out", &left_out,
                      &found) == 2);
  CHECK(found > 29900);
  CHECK(found - left_out == 25000);
  validate_sarif(out, {fake_github_pat(0), fake_github_pat(29999)});
  const std::string sarif = read_text(out);
  std::size_t tokens = 0, redacted = 0;
  for (std::size_t at = sarif.find("ghp_"); at != std::string::npos; at = sarif.find("ghp_", at + 1)) {
    ++tokens;
    redacted += sarif.compare(at + 4, 3, "\xE2\x80\xA6") == 0;
  }
  CHECK(tokens >= 25000);
  CHECK(redacted == tokens);  // every token shape in the file is redacted: no raw secret
  simdjson::dom::parser parser;
  const element run = parser.parse(read_text(out))["runs"].at(0);
  CHECK(run["results"].get_array().size() == 25000);
  CHECK(str(run["invocations"].at(0)["toolExecutionNotifications"].at(0)["message"]["text"])
            .find(std::to_string(left_out) + " of " + std::to_string(found) + " results were left out") !=
        std::string::npos);
}

TEST_CASE("sarif of image, archive and decoded findings validates and locates each on its file", "[cli][sarif]") {
  TempDir tree;
  const std::vector<std::string> secrets{fake_github_pat(11), fake_github_pat(12), fake_github_pat(13)};
  TestImage image;
  image.env = {"GITHUB_TOKEN=" + secrets[0]};
  image.layers = {TestLayer{{ArchiveMember{"app/.env", "GITHUB_TOKEN=" + secrets[1] + "\n"}}, Compression::gzip, "COPY . /app"},
                  TestLayer{{ArchiveMember{"app/.wh..env", ""}}, Compression::gzip, "RUN rm /app/.env"}};
  tree.write("image.tar", make_docker_save({image}));
  tree.write("libs/app.jar", make_zip({ArchiveMember{"application.properties", "github.token=" + secrets[2] + "\n"}}));
  TempDir reports;
  const std::string out = reports / "nested.sarif";
  const CliResult image_scan =
      run_sprawl({"scan", "image.tar", "libs", "--format", "sarif", "--show-secrets", "-o", out}, tree.path());
  INFO("stderr: " << image_scan.err);
  REQUIRE(image_scan.exit_code == 1);
  validate_sarif(out, secrets);
  simdjson::dom::parser parser;
  const element log = parser.parse(read_text(out));
  const std::vector<element> results = results_of(log);
  REQUIRE(results.size() == 3);
  bool jar = false, layer = false;
  for (const auto& r : results) {
    const element location = r["locations"].at(0)["physicalLocation"];
    const std::string uri = str(location["artifactLocation"]["uri"]);
    element region;
    if (uri == "app.jar") {  // relative to the argument "libs"
      jar = true;
      CHECK(location["region"].get(region) != simdjson::SUCCESS);  // member lines are not the jar's
      CHECK(r["properties"]["archive_members"].get_array().size() == 1);
    }
    if (uri == "app/.env") {
      layer = true;
      CHECK(std::int64_t(r["properties"]["image"]["deleted_in_layer"]) == 1);
    }
  }
  CHECK(jar);
  CHECK(layer);
}

TEST_CASE("sarif after --validate validates, with error for the live credential and the provider's identity",
          "[cli][sarif][validate]") {
  const std::string live = fake_github_pat(701), revoked = fake_github_pat(702);
  FakeHttpServer github([live](const FakeRequest& r) {
    if (r.header("authorization") == "token " + live) return json_response(200, R"({"login":"release-bot","id":7})");
    return json_response(401, R"({"message":"Bad credentials"})");
  });
  TempDir tree, reports;
  tree.write("ci/release.env", "GITHUB_TOKEN=" + live + "\n");
  tree.write("ci/old.env", "GITHUB_TOKEN=" + revoked + "\n");
  const std::string out = reports / "validated.sarif";
  const CliResult result = run_sprawl_env(
      {"scan", ".", "--validate", "--validation-cache-ttl", "0", "--format", "sarif", "-o", out},
      {{"SPRAWL_ENDPOINT_GITHUB", github.base_url()}}, tree.path());
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 1);
  validate_sarif(out, {live, revoked});
  simdjson::dom::parser parser;
  const element log = parser.parse(read_text(out));
  const std::vector<element> results = results_of(log);
  REQUIRE(results.size() == 2);
  for (const element& r : results) {
    const std::string uri = str(r["locations"].at(0)["physicalLocation"]["artifactLocation"]["uri"]);
    const std::string status = str(r["properties"]["validity"]["status"]);
    if (uri == "ci/release.env") {
      CHECK(str(r["level"]) == "error");
      CHECK(status == "valid");
      CHECK(str(r["properties"]["identity"]["login"]) == "release-bot");
    } else {
      CHECK(str(r["level"]) == "warning");
      CHECK(status == "invalid");
    }
  }
}
