// End-to-end: the CI gate — several reports from one scan, --fail-on, --exit-code, and the
// summary a CI log shows on stderr.
#include <catch2/catch.hpp>

#include <string>

#include "tests/support/cli_runner.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/findings_json.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

namespace {

/// A tree with one high-severity secret (a GitHub token) and one critical one (a Stripe key).
void write_secrets(const TempDir& dir) {
  dir.write("src/github.env", "GITHUB_TOKEN=" + fake_github_pat(801) + "\n");
  dir.write("src/stripe.py", "stripe.api_key = \"" + fake_stripe_live_key(802) + "\"\n");
}

}  // namespace

TEST_CASE("one scan writes a human report to stdout and JSON to a file", "[gate]") {
  TempDir dir;
  write_secrets(dir);
  const std::string json_path = dir / "report.json";
  const CliResult result =
      run_sprawl({"scan", ".", "--format", "human", "--format", "json", "--output", "-", "--output", json_path},
                 dir.path());
  INFO("stderr: " << result.err);
  CHECK(result.exit_code == 1);
  CHECK(result.out.find("github-pat-classic") != std::string::npos);  // the human report
  CHECK(result.out.find("\"schema_version\"") == std::string::npos);
  const ReportedScan json = parse_report(read_text(json_path));
  CHECK(json.findings.size() == 2);
}

TEST_CASE("two reports cannot both go to standard output", "[gate]") {
  TempDir dir;
  write_secrets(dir);
  const CliResult result = run_sprawl({"scan", ".", "--format", "json", "--format", "jsonl"}, dir.path());
  CHECK(result.exit_code == 2);
  CHECK(result.err.find("standard output") != std::string::npos);
  const CliResult extra = run_sprawl({"scan", ".", "--output", "a.json", "--output", "b.json"}, dir.path());
  CHECK(extra.exit_code == 2);
}

TEST_CASE("scan --fail-on fails the gate only at or above the severity", "[gate]") {
  TempDir dir;
  write_secrets(dir);
  const CliResult critical = run_sprawl({"scan", ".", "--format", "json", "--fail-on", "critical"}, dir.path());
  CHECK(critical.exit_code == 1);  // the Stripe key is critical
  CHECK(critical.err.find("FAILED") != std::string::npos);

  dir.write("src/stripe.py", "# rotated\n");
  const CliResult only_high = run_sprawl({"scan", ".", "--format", "json", "--fail-on", "critical"}, dir.path());
  INFO("stderr: " << only_high.err);
  CHECK(only_high.exit_code == 0);  // the GitHub token is reported, but it is only high
  CHECK(parse_report(only_high.out).findings.size() == 1);
  CHECK(only_high.err.find("passed") != std::string::npos);
  CHECK(run_sprawl({"scan", ".", "--format", "json", "--fail-on", "high"}, dir.path()).exit_code == 1);
  CHECK(run_sprawl({"scan", ".", "--format", "json", "--fail-on", "urgent"}, dir.path()).exit_code == 2);
}

TEST_CASE("scan --exit-code sets the code findings give", "[gate]") {
  TempDir dir;
  write_secrets(dir);
  CHECK(run_sprawl({"scan", ".", "--format", "json", "--exit-code", "7"}, dir.path()).exit_code == 7);
  dir.write("src/github.env", "clean\n");
  dir.write("src/stripe.py", "clean\n");
  CHECK(run_sprawl({"scan", ".", "--format", "json", "--exit-code", "7"}, dir.path()).exit_code == 0);
}

TEST_CASE("the stderr summary counts new findings by severity and by rule", "[gate]") {
  TempDir dir;
  write_secrets(dir);
  const CliResult result = run_sprawl({"scan", ".", "--format", "json", "--output", dir / "r.json"}, dir.path());
  CHECK(result.exit_code == 1);
  CHECK(result.out.empty());
  CHECK(result.err.find("2 findings (1 critical, 1 high)") != std::string::npos);
  CHECK(result.err.find("by rule: ") != std::string::npos);
  CHECK(result.err.find("github-pat-classic 1") != std::string::npos);
}
