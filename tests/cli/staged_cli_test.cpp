// End-to-end: `sprawl scan --staged` scans only what the index adds over HEAD, finds the
// repository from any subdirectory, and exits 1 / 0 / 2 as documented.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/cli_runner.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/findings_json.h"
#include "tests/support/git_repo.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

namespace {

/// `sprawl scan --staged --format json [extra...]` in `cwd`; requires `expected_exit`.
ReportedScan staged_json(const std::string& cwd, int expected_exit, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"scan", "--staged", "--format", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  const CliResult result = run_sprawl_in_git(args, cwd);
  INFO("stdout: " << result.out);
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == expected_exit);
  return parse_report(result.out);
}

/// A repository whose first commit holds one harmless file.
GitRepo repo_with_history(const TempDir& dir) {
  GitRepo repo(dir / "repo");
  repo.write("README.md", "# demo\n");
  repo.commit("initial");
  return repo;
}

}  // namespace

TEST_CASE("staged scan reports a secret in a newly staged file at its line", "[git][staged]") {
  TempDir dir;
  const GitRepo repo = repo_with_history(dir);
  const std::string pat = fake_github_pat(101);
  repo.write("src/settings.py", "import os\n\nGITHUB_TOKEN = \"" + pat + "\"\n");
  repo.git({"add", "src/settings.py"});
  const ReportedScan scan = staged_json(repo.path(), 1);
  REQUIRE(scan.findings.size() == 1);
  const ReportedFinding& f = scan.findings[0];
  CHECK(f.rule_id.rfind("github", 0) == 0);
  CHECK(f.path == "src/settings.py");
  CHECK(f.line == 3);
  CHECK(f.column == 17);
}

TEST_CASE("staged scan does not report a secret that is already in HEAD", "[git][staged]") {
  TempDir dir;
  const GitRepo repo = repo_with_history(dir);
  const std::string key_id = fake_aws_key_id(102);
  repo.write("deploy/.env", "# aws\nAWS_ACCESS_KEY_ID=" + key_id + "\nREGION=eu-west-1\n");
  repo.commit("add deploy settings");
  repo.write("deploy/.env", "# aws\nAWS_ACCESS_KEY_ID=" + key_id + "\nREGION=eu-central-1\n");
  repo.git({"add", "deploy/.env"});
  const ReportedScan scan = staged_json(repo.path(), 0);
  CHECK(scan.findings.empty());
}

TEST_CASE("staged scan ignores unstaged work-tree changes and untracked files", "[git][staged]") {
  TempDir dir;
  const GitRepo repo = repo_with_history(dir);
  repo.write("app.cfg", "name = demo\n");
  repo.commit("add app.cfg");
  repo.write("app.cfg", "name = demo\ntoken = " + fake_github_pat(103) + "\n");  // modified, not staged
  repo.write("scratch.txt", "token = " + fake_github_pat(104) + "\n");           // untracked
  repo.write("notes.txt", "nothing secret\n");
  repo.git({"add", "notes.txt"});
  const ReportedScan scan = staged_json(repo.path(), 0);
  CHECK(scan.findings.empty());
}

TEST_CASE("staged scan reports the staged version, not the work tree's", "[git][staged]") {
  TempDir dir;
  const GitRepo repo = repo_with_history(dir);
  const std::string pat = fake_github_pat(105);
  repo.write("app.cfg", "name = demo\ntoken = " + pat + "\n");
  repo.git({"add", "app.cfg"});
  repo.write("app.cfg", "name = demo\n");  // the secret is gone from the work tree but still staged
  const ReportedScan scan = staged_json(repo.path(), 1);
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].path == "app.cfg");
  CHECK(scan.findings[0].line == 2);
}

TEST_CASE("staged deletion of a file with a secret is clean", "[git][staged]") {
  TempDir dir;
  const GitRepo repo = repo_with_history(dir);
  repo.write("old/credentials.txt", "aws_access_key_id = " + fake_aws_key_id(106) + "\n");
  repo.commit("add credentials (oops)");
  repo.git({"rm", "-q", "old/credentials.txt"});
  const ReportedScan scan = staged_json(repo.path(), 0);
  CHECK(scan.findings.empty());
}

TEST_CASE("staged scan finds the repository from a subdirectory or a path argument", "[git][staged]") {
  TempDir dir;
  const GitRepo repo = repo_with_history(dir);
  repo.write("app/conf/keys.txt", "first line\nslack = " + fake_slack_bot_token(107) + "\n");
  repo.git({"add", "app/conf/keys.txt"});
  const std::string subdir = repo.path() + "/app";
  std::vector<std::string> extra;
  std::string cwd;
  SECTION("run in a subdirectory") { cwd = subdir; }
  SECTION("run in a deeper subdirectory") { cwd = subdir + "/conf"; }
  SECTION("repository named as a path argument") {
    cwd = dir.path();
    extra = {repo.path()};
  }
  const ReportedScan scan = staged_json(cwd, 1, extra);
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].rule_id.rfind("slack", 0) == 0);
  CHECK(scan.findings[0].path == "app/conf/keys.txt");  // relative to the repository root
  CHECK(scan.findings[0].line == 2);
}

TEST_CASE("staged scan in a repository with no commits reports the staged secret", "[git][staged]") {
  TempDir dir;
  const GitRepo repo(dir / "fresh");
  repo.write("main.py", "print('hi')\n");
  repo.write("secrets.env", "GITHUB_TOKEN=" + fake_github_pat(108) + "\n");
  repo.git({"add", "-A"});
  const ReportedScan scan = staged_json(repo.path(), 1);
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].path == "secrets.env");
  CHECK(scan.findings[0].line == 1);
  CHECK(scan.findings[0].column == 14);
}

TEST_CASE("staged scan in a clean index prints a one-line summary and exits 0", "[git][staged]") {
  TempDir dir;
  const GitRepo repo = repo_with_history(dir);
  const CliResult result = run_sprawl_in_git({"scan", "--staged"}, repo.path());
  INFO("stderr: " << result.err);
  CHECK(result.exit_code == 0);
  CHECK(std::count(result.out.begin(), result.out.end(), '\n') == 1);
  CHECK(result.err.empty());
}

TEST_CASE("staged scan outside a git repository exits 2 with a one-line error", "[git][staged]") {
  TempDir dir;
  const std::string plain = dir / "not-a-repo";
  std::filesystem::create_directories(plain);
  // The ceiling keeps discovery from walking up out of the scratch directory.
  const CliResult result = run_sprawl_in_git({"scan", "--staged", plain}, dir.path(), dir.path());
  INFO("stdout: " << result.out);
  INFO("stderr: " << result.err);
  CHECK(result.exit_code == 2);
  CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
  CHECK(result.err.rfind("sprawl: error: ", 0) == 0);
  const bool names_dir = result.err.find(plain) != std::string::npos ||
                         result.err.find(std::filesystem::canonical(plain).string()) != std::string::npos;
  CHECK(names_dir);
}

TEST_CASE("staged scan of a split index is a clear error, and a sparse index works", "[git][staged]") {
  TempDir dir;
  GitRepo repo = repo_with_history(dir);
  repo.write("other/deep/file.txt", "outside the sparse cone\n");
  repo.commit("other");
  const std::string token = fake_github_pat(701);
  repo.write("deploy/token.env", "GITHUB_TOKEN=" + token + "\n");
  repo.git({"add", "deploy/token.env"});
  repo.git({"update-index", "--split-index"});
  bool shared_index = false;  // the index really is split: its entries live in a shared file
  for (const auto& entry : std::filesystem::directory_iterator(repo.path() + "/.git"))
    shared_index = shared_index || entry.path().filename().string().rfind("sharedindex.", 0) == 0;
  REQUIRE(shared_index);
  const CliResult split = run_sprawl_in_git({"scan", "--staged"}, repo.path());
  CHECK(split.exit_code == 2);
  CHECK(split.err.find("split") != std::string::npos);

  repo.git({"update-index", "--no-split-index"});
  repo.git({"sparse-checkout", "init", "--cone"});
  repo.git({"sparse-checkout", "set", "deploy"});
  repo.git({"config", "index.sparse", "true"});
  repo.git({"sparse-checkout", "reapply"});
  // The index now holds "other/" as one sparse directory entry.
  CHECK(repo.git({"ls-files", "--sparse"}).find("other/\n") != std::string::npos);
  const ReportedScan scan = staged_json(repo.path(), 1);
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].path == "deploy/token.env");
}

TEST_CASE("staged scan does not report a secret moved into a new file, but reports a new one", "[git][staged]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  const std::string old_secret = fake_github_pat(702), new_secret = fake_slack_bot_token(703);
  repo.write("app/config.env", "MODE=prod\nGITHUB_TOKEN=" + old_secret + "\n");
  repo.commit("config");
  repo.git({"rm", "-q", "app/config.env"});
  repo.write("settings/github.env", "# moved\nGITHUB_TOKEN=" + old_secret + "\n");
  repo.write("settings/slack.env", "SLACK_TOKEN=" + new_secret + "\n");
  repo.git({"add", "settings"});
  const ReportedScan scan = staged_json(repo.path(), 1);
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].path == "settings/slack.env");
}
