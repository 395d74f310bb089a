// End-to-end: .sprawl.toml / --config allow-lists and custom rules change what a scan reports.
#include <catch2/catch.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/findings_json.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

TEST_CASE(".sprawl.toml at the scan root allow-lists paths and secrets", "[cli][config]") {
  TempDir tree;
  const std::string kept = fake_github_pat(30), by_path = fake_github_pat(31), by_regex = fake_github_pat(32);
  tree.write("src/app.py", "a = '" + kept + "'\nc = '" + by_regex + "'\n");
  tree.write("tests/fixtures/tokens.txt", "b = '" + by_path + "'\n");
  tree.write(".sprawl.toml",
             "[[allowlists]]\ndescription = \"fixtures\"\npaths = ['''^tests/fixtures/''']\n\n"
             "[[allowlists]]\nregexes = ['''^" +
                 by_regex.substr(0, 12) + "''']\n");
  const CliResult result = run_sprawl({"scan", ".", "--format", "json"}, tree.path());
  CHECK(result.exit_code == 1);
  const ReportedScan scan = parse_report(result.out);
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].path == "src/app.py");
  CHECK(scan.findings[0].line == 1);
  CHECK(scan.dropped_allowlist == 2);
}

TEST_CASE("scan --config with custom gitleaks-style rules replaces or extends the defaults", "[cli][config]") {
  TempDir tree;
  const std::string internal = "ACME-" + random_chars(kBase62, 30, 33);
  tree.write("a.txt", "acme_key = " + internal + "\nt = " + fake_github_pat(34) + "\n");
  const std::string rule =
      "[[rules]]\nid = \"acme-key\"\ndescription = \"ACME internal key\"\n"
      "regex = '''\\b(ACME-[A-Za-z0-9]{30})\\b'''\nentropy = 3.0\nkeywords = [\"acme-\"]\n";
  tree.write("replace.toml", rule);
  tree.write("extend.toml", "[extend]\nuseDefault = true\n\n" + rule);
  const ReportedScan replaced =
      parse_report(run_sprawl({"scan", "a.txt", "-c", "replace.toml", "--format", "json"}, tree.path()).out);
  REQUIRE(replaced.findings.size() == 1);
  CHECK(replaced.findings[0].rule_id == "acme-key");
  const ReportedScan extended =
      parse_report(run_sprawl({"scan", "a.txt", "-c", "extend.toml", "--format", "json"}, tree.path()).out);
  CHECK(extended.findings.size() == 2);
}

TEST_CASE("a custom rule neither engine can compile is disabled with a warning", "[cli][config]") {
  TempDir tree;
  tree.write("a.txt", "t = " + fake_github_pat(35) + "\n");
  tree.write("bad.toml", "[extend]\nuseDefault = true\n\n[[rules]]\nid = \"backref\"\nregex = '''(a)\\1'''\n");
  const CliResult result = run_sprawl({"scan", "a.txt", "-c", "bad.toml"}, tree.path());
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("sprawl: warning: rule 'backref' disabled") != std::string::npos);
}

TEST_CASE("a global allow-list with targetRules applies to the named rules only", "[cli][config]") {
  TempDir tree;
  const std::string pat = fake_github_pat(36), key_id = fake_aws_key_id(37);
  tree.write("a.env", "GH=" + pat + "\nAWS_ACCESS_KEY_ID=" + key_id + "\n");
  tree.write(".sprawl.toml",
             "[[allowlists]]\ndescription = \"ci fixtures\"\ntargetRules = [\"github-pat-classic\", \"aws-secret-access-key\"]\n"
             "paths = ['''\\.env$''']\n");
  const ReportedScan scan = parse_report(run_sprawl({"scan", ".", "--format", "json"}, tree.path()).out);
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].rule_id == "aws-access-key-id");
  CHECK(scan.dropped_allowlist == 1);
}
