// End-to-end: `sprawl scan REPO` on damaged or hostile repositories reports what it can, names
// what it could not read or chose to leave out, never runs repository code, and never crashes.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/cli_runner.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/findings_json.h"
#include "tests/support/git_repo.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;
namespace fs = std::filesystem;

namespace {

/// Runs sprawl with the warm rule cache and no git configuration from the user; repository
/// discovery stops at `cwd`.
CliResult run_sprawl_bounded(const std::vector<std::string>& args, const std::string& cwd) {
  return run_sprawl_in_git(args, cwd, cwd);
}

/// `sprawl scan TARGET --format json --show-secrets [extra...]` from TARGET's parent directory.
CliResult scan_repo(const std::string& target, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"scan", target, "--format", "json", "--show-secrets"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_sprawl_bounded(args, fs::path(target).parent_path().string());
}

/// scan_repo() that requires `expected_exit` and returns the parsed report.
ReportedScan scan_json(const std::string& target, int expected_exit, const std::vector<std::string>& extra = {}) {
  const CliResult result = scan_repo(target, extra);
  INFO("stdout: " << result.out);
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == expected_exit);
  return parse_report(result.out);
}

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

/// The reason of the skipped entry for repository path `path` (empty when there is none). The
/// entry's path may name the repository too ("REPO: path").
std::string skipped_reason(const ReportedScan& scan, const std::string& path) {
  for (std::size_t i = 0; i < scan.skipped_paths.size(); ++i) {
    const std::string& p = scan.skipped_paths[i];
    if (p == path || ends_with(p, ": " + path) || ends_with(p, "/" + path)) return scan.skipped_reasons[i];
  }
  return "";
}

/// A repository whose history sits in one pack after gc, optionally with one loose commit after it.
struct PackedRepo {
  GitRepo repo;
  std::string packed_secret, loose_secret, loose_commit, pack;
};

PackedRepo packed_repo(const std::string& dir, bool with_loose_commit) {
  PackedRepo r{GitRepo(dir), fake_github_pat(501), fake_aws_key_id(502), "", ""};
  r.repo.write("secret.env", "GITHUB_TOKEN=" + r.packed_secret + "\n");
  r.repo.commit("packed token");
  for (int i = 1; i <= 8; ++i) {
    r.repo.write("data/file" + std::to_string(i) + ".txt", random_chars(kBase62, 3000, 510 + i) + "\n");
    r.repo.commit("data " + std::to_string(i));
  }
  r.repo.git({"gc", "-q"});
  if (with_loose_commit) {
    r.repo.write("loose.env", "AWS_ACCESS_KEY_ID=" + r.loose_secret + "\n");
    r.loose_commit = r.repo.commit("loose key");
  }
  for (const auto& entry : fs::directory_iterator(r.repo.path() + "/.git/objects/pack"))
    if (entry.path().extension() == ".pack") r.pack = entry.path().string();
  REQUIRE_FALSE(r.pack.empty());
  fs::permissions(r.pack, fs::perms::owner_write, fs::perm_options::add);
  return r;
}

void overwrite_middle(const std::string& pack) {
  const auto size = fs::file_size(pack);
  std::fstream file(pack, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(std::streamoff(size * 6 / 10));
  const std::string garbage(64, '\xFF');
  file.write(garbage.data(), std::streamsize(garbage.size()));
  REQUIRE(file.good());
}

/// Scans a repository with a damaged pack: the pack is named in "errors" and on stderr, the exit
/// code is 1 with findings and 2 without, never a crash. Returns the report.
ReportedScan check_damaged_pack_scan(const PackedRepo& r) {
  const CliResult result = scan_repo(r.repo.path(), {"--no-worktree"});
  INFO("stdout: " << result.out);
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code < 128);
  REQUIRE((result.exit_code == 1 || result.exit_code == 2));
  const ReportedScan scan = parse_report(result.out);
  CHECK(result.exit_code == (scan.findings.empty() ? 2 : 1));
  const std::string pack_name = fs::path(r.pack).stem().string();  // pack-<hash>
  CHECK(errors_mention(scan, pack_name));
  CHECK(result.err.find(pack_name) != std::string::npos);
  return scan;
}

std::string marker_script(const std::string& marker, bool pass_through) {
  return "#!/bin/sh\ntouch '" + marker + "'\n" + (pass_through ? "cat\n" : "exit 0\n");
}

}  // namespace

TEST_CASE("a pack with a corrupt middle is reported as an error and the rest is still scanned",
          "[git][history][bad-input]") {
  TempDir dir;
  SECTION("with a secret in a loose object: exit 1") {
    const PackedRepo r = packed_repo(dir / "repo", true);
    overwrite_middle(r.pack);
    const ReportedScan scan = check_damaged_pack_scan(r);
    const auto loose = with_secret(scan, r.loose_secret);
    REQUIRE(loose.size() == 1);
    CHECK(loose[0].path == "loose.env");
    REQUIRE(loose[0].git.has_value());
    CHECK(loose[0].git->commit == r.loose_commit);
  }
  SECTION("with every object in the pack: exit 1 or 2 by what was found") {
    const PackedRepo r = packed_repo(dir / "repo", false);
    overwrite_middle(r.pack);
    check_damaged_pack_scan(r);
  }
}

TEST_CASE("a truncated pack is reported as an error and loose objects are still scanned", "[git][history][bad-input]") {
  TempDir dir;
  SECTION("with a secret in a loose object: exit 1") {
    const PackedRepo r = packed_repo(dir / "repo", true);
    fs::resize_file(r.pack, fs::file_size(r.pack) / 2);
    const ReportedScan scan = check_damaged_pack_scan(r);
    const auto loose = with_secret(scan, r.loose_secret);
    REQUIRE(loose.size() == 1);
    CHECK(loose[0].path == "loose.env");
    REQUIRE(loose[0].git.has_value());
    CHECK(loose[0].git->commit == r.loose_commit);
  }
  SECTION("with every object in the pack: exit 1 or 2 by what was found") {
    const PackedRepo r = packed_repo(dir / "repo", false);
    fs::resize_file(r.pack, fs::file_size(r.pack) / 2);
    check_damaged_pack_scan(r);
  }
}

TEST_CASE("a missing loose blob is reported and the other commits' secrets still are", "[git][history][bad-input]") {
  TempDir dir;
  const GitRepo repo(dir / "repo");
  const std::string kept = fake_github_pat(521), lost = fake_slack_bot_token(522);
  repo.write("README.md", "# demo\n");
  repo.commit("initial");
  repo.write("a.env", "GITHUB_TOKEN=" + kept + "\n");
  const std::string first = repo.commit("token a");
  repo.write("b.env", "slack " + lost + "\n");
  repo.commit("token b");
  std::string blob = repo.git({"rev-parse", "HEAD:b.env"});
  blob.resize(40);
  fs::remove(repo.path() + "/.git/objects/" + blob.substr(0, 2) + "/" + blob.substr(2));

  const CliResult result = scan_repo(repo.path(), {"--no-worktree"});
  INFO("stdout: " << result.out);
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 1);
  const ReportedScan scan = parse_report(result.out);
  const auto found = with_secret(scan, kept);
  REQUIRE(found.size() == 1);
  CHECK(found[0].path == "a.env");
  REQUIRE(found[0].git.has_value());
  CHECK(found[0].git->commit == first);
  const std::string short_id = blob.substr(0, 7);
  CHECK((errors_mention(scan, short_id) || skipped_mentions(scan, short_id)));
  CHECK(result.err.find(short_id) != std::string::npos);
}

TEST_CASE("a submodule is skipped, not followed, and its secrets are not reported", "[git][history][bad-input]") {
  TempDir dir;
  const GitRepo lib(dir / "lib");
  lib.write("lib.env", "GITHUB_TOKEN=" + fake_github_pat(531) + "\n");
  lib.commit("lib with token");
  const GitRepo repo(dir / "repo");
  repo.write("README.md", "# demo\n");
  repo.commit("initial");
  repo.git({"-c", "protocol.file.allow=always", "submodule", "add", "-q", lib.path(), "sub"});
  repo.commit("add submodule");
  REQUIRE(fs::exists(repo.path() + "/sub/lib.env"));

  const ReportedScan scan = scan_json(repo.path(), 0);
  CHECK(scan.findings.empty());
  const std::string reason = skipped_reason(scan, "sub");
  INFO("reason: " << reason);
  CHECK(contains_nocase(reason, "submodule"));
  CHECK(contains_nocase(reason, "not followed"));
}

TEST_CASE("a committed git-lfs pointer is skipped with its path", "[git][history][bad-input]") {
  TempDir dir;
  const GitRepo repo(dir / "repo");
  repo.write("README.md", "# demo\n");
  repo.write("assets/model.bin", "version https://git-lfs.github.com/spec/v1\noid sha256:" +
                                     random_chars(kHexLower, 64, 541) + "\nsize 123\n");
  repo.commit("add model");
  const ReportedScan scan = scan_json(repo.path(), 0);
  CHECK(scan.findings.empty());
  const std::string reason = skipped_reason(scan, "assets/model.bin");
  INFO("reason: " << reason);
  CHECK(contains_nocase(reason, "LFS"));
}

TEST_CASE("a history blob larger than --max-file-size is skipped with its path", "[git][history][bad-input]") {
  TempDir dir;
  const GitRepo repo(dir / "repo");
  repo.write("README.md", "# demo\n");
  repo.write("big.txt", "GITHUB_TOKEN=" + fake_github_pat(551) + "\n" + std::string(2000, 'x') + "\n");
  repo.commit("big file");
  const ReportedScan scan = scan_json(repo.path(), 0, {"--max-file-size", "1000"});
  CHECK(scan.findings.empty());
  const std::string reason = skipped_reason(scan, "big.txt");
  INFO("reason: " << reason);
  CHECK(reason.find("larger than --max-file-size") != std::string::npos);
}

TEST_CASE("scanning a repository never runs its hooks, filters or fsmonitor", "[git][history][bad-input]") {
  TempDir dir;
  const std::string markers = dir / "markers";
  fs::create_directories(markers);
  const GitRepo repo(dir / "repo");
  const std::string committed = fake_github_pat(561), untracked = fake_aws_key_id(562);
  repo.write(".gitattributes", "* filter=evil\n");
  repo.write("app.cfg", "name = demo\nGITHUB_TOKEN=" + committed + "\n");
  repo.commit("initial");

  // Everything hostile is set up after the last git command, so that only sprawl could trigger it.
  auto script = [&](const std::string& name, bool pass_through) {
    const std::string path = dir.write("scripts/" + name, marker_script(markers + "/" + name, pass_through));
    fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
    return path;
  };
  repo.git({"config", "core.fsmonitor", script("fsmonitor", false)});
  repo.git({"config", "filter.evil.clean", script("clean", true)});
  repo.git({"config", "filter.evil.smudge", script("smudge", true)});
  repo.git({"config", "filter.evil.required", "true"});
  for (const char* hook : {"pre-commit", "post-commit", "post-checkout", "post-merge", "pre-auto-gc",
                           "reference-transaction", "post-index-change", "post-rewrite", "fsmonitor-watchman"}) {
    const std::string path =
        repo.write(std::string(".git/hooks/") + hook, marker_script(markers + "/hook-" + hook, false));
    fs::permissions(path, fs::perms::owner_all);
  }
  repo.write("app.cfg", "name = demo, changed\nGITHUB_TOKEN=" + committed + "\n");
  repo.write("notes.txt", "AWS_ACCESS_KEY_ID=" + untracked + "\n");

  const ReportedScan scan = scan_json(repo.path(), 1);
  CHECK(with_secret(scan, committed).size() == 1);
  CHECK(with_secret(scan, untracked).size() == 1);
  std::vector<std::string> ran;
  for (const auto& entry : fs::directory_iterator(markers)) ran.push_back(entry.path().filename().string());
  INFO("markers: " << ::Catch::Detail::stringify(ran));
  CHECK(ran.empty());
}

TEST_CASE("a repository owned by another user is scanned (no safe.directory check)", "[git][history][bad-input]") {
  if (::geteuid() != 0) {
    WARN("not applicable: changing a repository's owner needs root");
    return;
  }
  TempDir dir;
  const GitRepo repo(dir / "repo");
  const std::string pat = fake_github_pat(571);
  repo.write("README.md", "# demo\n");
  repo.commit("initial");
  repo.write("token.env", "GITHUB_TOKEN=" + pat + "\n");
  const std::string commit = repo.commit("token");
  REQUIRE(run_process({"chown", "-R", "65534:65534", repo.path()}).exit_code == 0);
  const ReportedScan scan = scan_json(repo.path(), 1);
  const auto found = with_secret(scan, pat);
  REQUIRE(found.size() == 1);
  CHECK(found[0].path == "token.env");
  REQUIRE(found[0].git.has_value());
  CHECK(found[0].git->commit == commit);
}

TEST_CASE("scan of a plain directory scans its files without git provenance", "[git][history][bad-input]") {
  TempDir dir;
  const std::string pat = fake_github_pat(581);
  dir.write("plain/conf/app.env", "GITHUB_TOKEN=" + pat + "\n");
  const ReportedScan scan = scan_json(dir / "plain", 1);
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].secret == pat);
  const std::string& path = scan.findings[0].path;  // relative, or the argument joined with it
  CHECK((path == "conf/app.env" || path == dir / "plain/conf/app.env"));
  CHECK_FALSE(scan.findings[0].git.has_value());
}

TEST_CASE("scan of a nonexistent path exits 2 with a one-line error", "[git][history][bad-input]") {
  TempDir dir;
  const std::string missing = dir / "no-such-repo";
  const CliResult result = run_sprawl_bounded({"scan", missing}, dir.path());
  INFO("stdout: " << result.out);
  INFO("stderr: " << result.err);
  CHECK(result.exit_code == 2);
  CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
  CHECK(result.err.rfind("sprawl: error: ", 0) == 0);
  CHECK(result.err.find(missing) != std::string::npos);
}

TEST_CASE("a repository written to during the scan is scanned without crashing", "[git][history][bad-input]") {
  TempDir dir;
  GitRepo repo(dir / "busy");
  const std::string token = fake_github_pat(4242);
  repo.write("config.env", "GITHUB_TOKEN=" + token + "\n");
  const std::string added = repo.commit("add token");
  for (int i = 0; i < 20; ++i) {
    repo.write("notes.txt", "note " + std::to_string(i) + "\n");
    repo.commit("note " + std::to_string(i));
  }
  // A writer commits, repacks and prunes in a loop while sprawl scans the repository again
  // and again: packs vanish and appear, refs move, loose objects come and go.
  const std::string script =
      "for i in $(seq 1 15); do echo $i >> notes.txt; git add -A && git commit -qm busy$i; "
      "[ $((i % 5)) -eq 0 ] && git gc -q --prune=now; done";
  const pid_t writer = ::fork();
  if (writer == 0) {
    ::execlp("sh", "sh", "-c", (std::string("cd '") + repo.path() + "' && export GIT_CONFIG_GLOBAL=/dev/null "
                                "GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=w GIT_AUTHOR_EMAIL=w@e GIT_COMMITTER_NAME=w "
                                "GIT_COMMITTER_EMAIL=w@e; " + script).c_str(),
             static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int scans = 0;
  for (; scans < 6; ++scans) {
    const CliResult result = scan_repo(repo.path(), {"--no-worktree"});
    INFO("stderr: " << result.err);
    REQUIRE(result.exit_code < 128);  // never a crash
    REQUIRE((result.exit_code == 1 || result.exit_code == 2));
    const ReportedScan scan = parse_report(result.out);
    const auto found = with_secret(scan, token);
    if (result.exit_code == 1) {
      REQUIRE(found.size() == 1);
      CHECK(found.front().git->commit == added);
    }
  }
  int status = 0;
  ::waitpid(writer, &status, 0);
  // Once the writer is done, the scan is complete again.
  const ReportedScan final_scan = scan_json(repo.path(), 1, {"--no-worktree"});
  const auto found = with_secret(final_scan, token);
  REQUIRE(found.size() == 1);
  CHECK(found.front().git->commit == added);
  CHECK(final_scan.error_paths.empty());
}
