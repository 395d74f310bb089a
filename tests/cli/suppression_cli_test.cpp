// End-to-end: baselines (`sprawl baseline create`, `scan --baseline`, gitleaks reports), ignore
// files at the scan root, inline markers, --show-suppressed and the summary counts.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/support/cli_runner.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/findings_json.h"
#include "tests/support/git_repo.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

namespace {

/// `sprawl scan . --format json --show-secrets [extra...]` in `dir`; requires `expected_exit`.
ReportedScan scan_json(const std::string& dir, const std::vector<std::string>& extra, int expected_exit) {
  std::vector<std::string> args{"scan", ".", "--format", "json", "--show-secrets"};
  args.insert(args.end(), extra.begin(), extra.end());
  const CliResult result = run_sprawl(args, dir);
  INFO("stdout: " << result.out);
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == expected_exit);
  return parse_report(result.out);
}

/// The reason of the one suppressed finding whose secret is `secret` ("" when there is none).
std::string reason_for(const ReportedScan& scan, const std::string& secret) {
  std::string reason;
  int hits = 0;
  for (const auto& f : scan.suppressed)
    if (f.secret == secret) reason = f.suppressed, ++hits;
  CHECK(hits <= 1);
  return reason;
}

/// A gitleaks JSON report entry, as `gitleaks dir` writes it (no commit).
std::string gitleaks_entry(const std::string& secret, const std::string& file, int line) {
  return "{\"RuleID\": \"github-pat\", \"Description\": \"GitHub Personal Access Token\", \"StartLine\": " +
         std::to_string(line) + ", \"EndLine\": " + std::to_string(line) +
         ", \"StartColumn\": 9, \"EndColumn\": 48, \"Line\": \"\", \"Match\": \"token: " + secret +
         "\", \"Secret\": \"" + secret + "\", \"File\": \"" + file +
         "\", \"SymlinkFile\": \"\", \"Commit\": \"\", \"Entropy\": 4.8, \"Author\": \"\", \"Email\": \"\", "
         "\"Date\": \"\", \"Message\": \"\", \"Tags\": [], \"Fingerprint\": \"" +
         file + ":github-pat:" + std::to_string(line) + "\"}";
}

}  // namespace

TEST_CASE("baseline create then scan --baseline is clean, and a newly added secret fails alone", "[suppress][cli]") {
  TempDir tree;
  const std::string old_pat = fake_github_pat(600), old_key = fake_aws_key_id(601), new_pat = fake_github_pat(602);
  tree.write("src/app.py", "token = '" + old_pat + "'\n");
  tree.write("deploy/.env", "AWS_ACCESS_KEY_ID=" + old_key + "\n");
  const CliResult created = run_sprawl({"baseline", "create", ".", "-o", "baseline.json"}, tree.path());
  INFO("stderr: " << created.err);
  REQUIRE(created.exit_code == 0);  // findings do not fail `baseline create`
  const std::string document = read_text(tree / "baseline.json");
  CHECK(document.find("\"sprawl_baseline\": 1") != std::string::npos);
  CHECK(document.find(old_pat) == std::string::npos);  // fingerprints, never secrets
  CHECK(document.find(old_key) == std::string::npos);

  const ReportedScan clean = scan_json(tree.path(), {"--baseline", "baseline.json"}, 0);
  CHECK(clean.findings.empty());
  CHECK(clean.baselined_count == 2);
  CHECK(clean.suppressed_count == 2);

  tree.write("src/new.py", "token = '" + new_pat + "'\n");
  const ReportedScan dirty = scan_json(tree.path(), {"--baseline", "baseline.json"}, 1);
  REQUIRE(dirty.findings.size() == 1);
  CHECK(dirty.findings[0].secret == new_pat);
  CHECK(dirty.findings[0].path == "src/new.py");
  CHECK(dirty.baselined_count == 2);
}

TEST_CASE("a baselined secret stays baselined when it moves to another file or line", "[suppress][cli]") {
  TempDir tree;
  const std::string pat = fake_github_pat(603);
  tree.write("a.txt", "token: " + pat + "\n");
  REQUIRE(run_sprawl({"baseline", "create", ".", "-o", "base.json"}, tree.path()).exit_code == 0);
  tree.write("a.txt", "moved\n");
  tree.write("sub/b.txt", "\n\nagain: " + pat + "\n");
  const ReportedScan scan = scan_json(tree.path(), {"--baseline", "base.json"}, 0);
  CHECK(scan.findings.empty());
  CHECK(scan.baselined_count == 1);
}

TEST_CASE("baseline create honours scan arguments such as --config", "[suppress][cli]") {
  TempDir tree;
  const std::string kept = fake_github_pat(604), allowed = fake_github_pat(605);
  tree.write("src/a.py", "a = '" + kept + "'\n");
  tree.write("fixtures/b.py", "b = '" + allowed + "'\n");
  tree.write("cfg.toml", "[[allowlists]]\ndescription = \"fixtures\"\npaths = ['''^fixtures/''']\n");
  REQUIRE(run_sprawl({"baseline", "create", ".", "--config", "cfg.toml", "-o", "base.json"}, tree.path()).exit_code ==
          0);
  // Without the config the allow-listed secret is active, and it is not in the baseline.
  const ReportedScan scan = scan_json(tree.path(), {"--baseline", "base.json"}, 1);
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].secret == allowed);
}

TEST_CASE("a gitleaks JSON report with secrets works as a baseline, matched by secret", "[suppress][cli]") {
  TempDir tree;
  const std::string known = fake_github_pat(610), fresh = fake_github_pat(611);
  tree.write("config/settings.yml", "github:\n  token: " + known + "\n");
  tree.write("other.yml", "token: " + fresh + "\n");
  // gitleaks' rule ids differ from sprawl's, and the secret has moved since the report. The
  // report holds the secret, so it is kept outside the scanned tree.
  TempDir reports;
  reports.write("gitleaks.json", "[\n  " + gitleaks_entry(known, "config/old-settings.yml", 9) + "\n]\n");
  const ReportedScan scan = scan_json(tree.path(), {"--baseline", reports / "gitleaks.json", "--show-suppressed"}, 1);
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].secret == fresh);
  CHECK(reason_for(scan, known) == "baseline");
  CHECK(scan.baselined_count == 1);
}

TEST_CASE("a redacted gitleaks JSON report works as a baseline, matched by file and line", "[suppress][cli]") {
  TempDir tree;
  const std::string known = fake_github_pat(612), fresh = fake_github_pat(613);
  tree.write("config/settings.yml", "github:\n  token: " + known + "\n");
  tree.write("config/other.yml", "token: " + fresh + "\n");
  tree.write("gitleaks.json", "[\n  " + gitleaks_entry("REDACTED", "config/settings.yml", 2) + ",\n  " +
                                  gitleaks_entry("REDACTED", "config/other.yml", 5) + "\n]\n");
  const ReportedScan scan = scan_json(tree.path(), {"--baseline", "gitleaks.json"}, 1);
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].secret == fresh);  // line 1, not the reported line 5
  CHECK(scan.baselined_count == 1);
}

TEST_CASE(".sprawlignore at the scan root suppresses by fingerprint and by path glob", "[suppress][cli]") {
  TempDir tree;
  const std::string by_fp = fake_github_pat(620), by_glob = fake_github_pat(621), active = fake_github_pat(622);
  tree.write("src/a.py", "a = '" + by_fp + "'\nc = '" + active + "'\n");
  tree.write("tests/fixtures/tokens.txt", "b = '" + by_glob + "'\n");
  const ReportedScan before = scan_json(tree.path(), {}, 1);
  REQUIRE(with_secret(before, by_fp).size() == 1);
  const std::string fingerprint = with_secret(before, by_fp)[0].fingerprint;
  tree.write(".sprawlignore", "# reviewed: test token\n" + fingerprint + "\n\ntests/**/fixtures/\n");
  const ReportedScan scan = scan_json(tree.path(), {"--show-suppressed"}, 1);
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].secret == active);
  CHECK(reason_for(scan, by_fp) == ".sprawlignore:2 fingerprint");
  CHECK(reason_for(scan, by_glob) == ".sprawlignore:4 path glob 'tests/**/fixtures/'");
  CHECK(scan.suppressed_count == 2);
  CHECK(scan.baselined_count == 0);
}

TEST_CASE(".gitleaksignore at the scan root suppresses by file and start line, whatever the rule id",
          "[suppress][cli]") {
  TempDir tree;
  const std::string ignored = fake_github_pat(630), active = fake_github_pat(631);
  tree.write("app/.env", "X=1\nTOKEN=" + ignored + "\nOTHER=" + active + "\n");
  tree.write(".gitleaksignore", "# from gitleaks\napp/.env:github-pat:2\n");
  const ReportedScan scan = scan_json(tree.path(), {"--show-suppressed"}, 1);
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].secret == active);
  CHECK(reason_for(scan, ignored) == ".gitleaksignore:2");
}

TEST_CASE("a malformed ignore file or baseline is an error naming file and line", "[suppress][cli]") {
  TempDir tree;
  tree.write("a.txt", "token: " + fake_github_pat(640) + "\n");
  tree.write(".gitleaksignore", "a.txt:rule:1\nnot-a-fingerprint\n");
  const CliResult bad_ignore = run_sprawl({"scan", "."}, tree.path());
  CHECK(bad_ignore.exit_code == 2);
  CHECK(bad_ignore.err.find(".gitleaksignore:2:") != std::string::npos);
  tree.write(".gitleaksignore", "");
  tree.write("base.json", "{\"sprawl_baseline\": 1,\n \"findings\": [\n {\"fingerprint\": 42}]}");
  const CliResult bad_baseline = run_sprawl({"scan", ".", "--baseline", "base.json"}, tree.path());
  CHECK(bad_baseline.exit_code == 2);
  CHECK(bad_baseline.err.find("base.json:3:") != std::string::npos);
  const CliResult missing = run_sprawl({"scan", ".", "--baseline", "nope.json"}, tree.path());
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("nope.json") != std::string::npos);
}

TEST_CASE("each inline marker suppresses the secret on its line, with the marker as the reason", "[suppress][cli]") {
  TempDir tree;
  const std::string a = fake_github_pat(650), b = fake_github_pat(651), c = fake_github_pat(652),
                    active = fake_github_pat(653);
  tree.write("a.py", "x = '" + a + "'  # sprawl:allow\n");
  tree.write("b.go", "y := \"" + b + "\" // gitleaks:allow\n");
  tree.write("c.py", "z = '" + c + "'  # pragma: allowlist secret\n");
  tree.write("d.py", "# sprawl:allow applies to its own line only\nw = '" + active + "'\n");
  const ReportedScan scan = scan_json(tree.path(), {"--show-suppressed"}, 1);
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].secret == active);
  CHECK(reason_for(scan, a) == "inline sprawl:allow");
  CHECK(reason_for(scan, b) == "inline gitleaks:allow");
  CHECK(reason_for(scan, c) == "inline pragma: allowlist secret");
  CHECK(scan.suppressed_count == 3);
}

TEST_CASE("config allow-lists suppress with the list's description as the reason", "[suppress][cli]") {
  TempDir tree;
  const std::string allowed = fake_github_pat(655);
  tree.write("fixtures/a.txt", "t: " + allowed + "\n");
  tree.write(".sprawl.toml", "[[allowlists]]\ndescription = \"test fixtures\"\npaths = ['''^fixtures/''']\n");
  const ReportedScan scan = scan_json(tree.path(), {"--show-suppressed"}, 0);
  CHECK(scan.findings.empty());
  CHECK(reason_for(scan, allowed) == "allowlist: test fixtures");
}

TEST_CASE("suppressed findings are counted but listed only with --show-suppressed", "[suppress][cli]") {
  TempDir tree;
  const std::string pat = fake_github_pat(660), inline_pat = fake_github_pat(661);
  tree.write("a.txt", "token: " + pat + "\nother: " + inline_pat + " sprawl:allow\n");
  REQUIRE(run_sprawl({"baseline", "create", ".", "-o", "base.json"}, tree.path()).exit_code == 0);
  const ReportedScan hidden = scan_json(tree.path(), {"--baseline", "base.json"}, 0);
  CHECK(hidden.findings.empty());
  CHECK(hidden.suppressed.empty());
  CHECK(hidden.suppressed_count == 2);
  CHECK(hidden.baselined_count == 1);
  const ReportedScan shown = scan_json(tree.path(), {"--baseline", "base.json", "--show-suppressed"}, 0);
  CHECK(shown.findings.empty());
  REQUIRE(shown.suppressed.size() == 2);
  CHECK(reason_for(shown, pat) == "baseline");
  CHECK(reason_for(shown, inline_pat) == "inline sprawl:allow");
  const CliResult human = run_sprawl({"scan", ".", "--baseline", "base.json", "--show-suppressed"}, tree.path());
  CHECK(human.exit_code == 0);
  CHECK(human.out.find("baseline") != std::string::npos);
  CHECK(human.out.find("sprawl:allow") != std::string::npos);
}

TEST_CASE("a clean scan reports zero suppressed and baselined", "[suppress][cli]") {
  TempDir tree;
  tree.write("a.txt", "nothing here\n");
  const ReportedScan scan = scan_json(tree.path(), {}, 0);
  CHECK(scan.suppressed_count == 0);
  CHECK(scan.baselined_count == 0);
}

TEST_CASE("git scans read ignore files at the repository root and baseline history findings", "[suppress][cli]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  const std::string old_pat = fake_github_pat(670), ignored = fake_github_pat(671), fresh = fake_github_pat(672);
  repo.write("src/app.py", "token = '" + old_pat + "'\n");
  repo.write("vendor/lib.py", "k = '" + ignored + "'\n");
  repo.write(".sprawlignore", "/vendor/\n");
  repo.commit("initial");
  const CliResult created =
      run_sprawl_in_git({"baseline", "create", "repo", "-o", "base.json"}, dir.path(), dir.path());
  INFO("stderr: " << created.err);
  REQUIRE(created.exit_code == 0);
  CHECK(read_text(dir / "base.json").find("\"commit\"") != std::string::npos);
  CHECK(read_text(dir / "base.json").find("vendor/lib.py") == std::string::npos);  // ignored, not baselined

  repo.write("src/new.py", "t = '" + fresh + "'\n");
  repo.commit("add another");
  const CliResult result = run_sprawl_in_git(
      {"scan", "repo", "--baseline", "base.json", "--format", "json", "--show-secrets", "--show-suppressed"},
      dir.path(), dir.path());
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 1);
  const ReportedScan scan = parse_report(result.out);
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].secret == fresh);
  CHECK(reason_for(scan, old_pat) == "baseline");
  CHECK(reason_for(scan, ignored) == ".sprawlignore:1 path glob '/vendor/'");
}

TEST_CASE("allow-list paths apply to untracked work-tree files of a repository scan", "[cli][suppress]") {
  // Regression: work-tree files were scanned by absolute path, so `^fixtures/` never matched them.
  TempDir dir;
  const GitRepo repo(dir / "repo");
  repo.write(".sprawl.toml", "[[allowlists]]\ndescription = \"fixtures\"\npaths = ['''^fixtures/''']\n");
  repo.write("README.md", "hello\n");
  repo.commit("initial");
  repo.write("fixtures/token.env", "GITHUB_TOKEN=" + fake_github_pat(4242) + "\n");
  const CliResult result = run_sprawl_in_git({"scan", ".", "--format", "json"}, repo.path());
  INFO(result.err);
  CHECK(result.exit_code == 0);
  CHECK(parse_report(result.out).findings.empty());
}
