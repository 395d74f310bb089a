// End-to-end: `sprawl scan REPO` over a repository's whole history attributes each secret to the
// commit that introduced it (deletions, renames, branches, merges, tags, packs, clones, ranges).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "tests/support/cli_runner.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/findings_json.h"
#include "tests/support/git_repo.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

namespace {

/// Runs sprawl with the warm rule cache and no git configuration from the user; repository
/// discovery stops at `cwd`.
CliResult run_sprawl_bounded(const std::vector<std::string>& args, const std::string& cwd) {
  return run_sprawl_in_git(args, cwd, cwd);
}

/// `sprawl scan TARGET --format json --show-secrets [extra...]` from TARGET's parent directory;
/// requires `expected_exit`.
ReportedScan history_json(const std::string& target, int expected_exit, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"scan", target, "--format", "json", "--show-secrets"};
  args.insert(args.end(), extra.begin(), extra.end());
  const CliResult result = run_sprawl_bounded(args, std::filesystem::path(target).parent_path().string());
  INFO("stdout: " << result.out);
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == expected_exit);
  return parse_report(result.out);
}

/// The one finding of `secret` at `path`; fails the test unless there is exactly one.
ReportedFinding only(const ReportedScan& scan, const std::string& secret, const std::string& path) {
  std::vector<ReportedFinding> hits;
  for (const auto& f : with_secret(scan, secret))
    if (f.path == path) hits.push_back(f);
  INFO("secret " << secret << " at " << path);
  REQUIRE(hits.size() == 1);
  REQUIRE(hits[0].git.has_value());
  return hits[0];
}

/// Checks that `f` is attributed to `commit` (location "commit").
void check_commit(const ReportedFinding& f, const std::string& commit) {
  REQUIRE(f.git.has_value());
  CHECK(f.git->location == "commit");
  CHECK(f.git->commit == commit);
}

/// A repository where commit A adds two secrets and commit B deletes the file holding one of them.
struct DeletedSecretRepo {
  GitRepo repo;
  std::string commit_a, commit_b, deleted_secret, live_secret;
};

DeletedSecretRepo deleted_secret_repo(const std::string& dir) {
  DeletedSecretRepo r{GitRepo(dir), "", "", fake_aws_key_id(301), fake_github_pat(302)};
  r.repo.write("README.md", "# demo\n");
  r.repo.commit("initial");
  r.repo.write("config/old.env", "# aws\nAWS_ACCESS_KEY_ID=" + r.deleted_secret + "\n");
  r.repo.write("config/live.env", "name = demo\nGITHUB_TOKEN=" + r.live_secret + "\n");
  r.commit_a =
      r.repo.commit("add env files\n\nlonger body", "Bob Builder", "bob@example.com", "2023-05-06T07:08:09+02:00");
  r.repo.remove("config/old.env");
  r.commit_b = r.repo.commit("remove old env");
  return r;
}

/// Checks the two findings of deleted_secret_repo() in a scan of `repository`.
void check_deleted_secret_findings(const ReportedScan& scan, const DeletedSecretRepo& r,
                                   const std::string& repository) {
  CHECK(scan.findings.size() == 2);
  const ReportedFinding deleted = only(scan, r.deleted_secret, "config/old.env");
  check_commit(deleted, r.commit_a);
  CHECK(deleted.rule_id == "aws-access-key-id");
  CHECK(deleted.line == 2);
  CHECK(deleted.column == 19);
  CHECK(deleted.git->repository == repository);
  CHECK(deleted.git->author_name == "Bob Builder");
  CHECK(deleted.git->author_email == "bob@example.com");
  CHECK(deleted.git->author_date == "2023-05-06T07:08:09+02:00");
  CHECK(deleted.git->summary == "add env files");
  CHECK(deleted.git->reachable);
  CHECK_FALSE(deleted.git->at_head);
  CHECK(deleted.git->other_commits == 0);
  CHECK(deleted.git->other_paths == 0);
  const ReportedFinding live = only(scan, r.live_secret, "config/live.env");
  check_commit(live, r.commit_a);
  CHECK(live.rule_id == "github-pat-classic");
  CHECK(live.line == 2);
  CHECK(live.column == 14);
  CHECK(live.git->reachable);
  CHECK(live.git->at_head);
}

/// Version `version` of a ~22 KB settings file; `secret_line`, when given, is line 200.
std::string settings_version(int version, const std::string& secret_line) {
  std::string out = "# generated settings, version " + std::to_string(version) + "\n";
  const int changed = 5 + (version * 37) % 390;
  for (int i = 2; i <= 400; ++i) {
    const std::string n = std::to_string(1000 + i).substr(1);
    if (i == 200 && !secret_line.empty())
      out += secret_line + "\n";
    else if (i == changed && i != 200)
      out += "option_" + n + " = changed in version " + std::to_string(version) + "\n";
    else
      out += "option_" + n + " = plain value " + n + " for the demo configuration file\n";
  }
  return out;
}

using FindingKey = std::tuple<std::string, std::string, std::string, std::int64_t, std::int64_t>;

std::vector<ReportedFinding> sorted(std::vector<ReportedFinding> findings) {
  auto key = [](const ReportedFinding& f) { return FindingKey{f.path, f.secret, f.rule_id, f.line, f.column}; };
  std::sort(findings.begin(), findings.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
  return findings;
}

void check_same_findings(const ReportedScan& a, const ReportedScan& b) {
  REQUIRE(a.findings.size() == b.findings.size());
  const auto x = sorted(a.findings), y = sorted(b.findings);
  for (std::size_t i = 0; i < x.size(); ++i) {
    INFO("finding " << i << " at " << x[i].path);
    CHECK(x[i].rule_id == y[i].rule_id);
    CHECK(x[i].path == y[i].path);
    CHECK(x[i].secret == y[i].secret);
    CHECK(x[i].fingerprint == y[i].fingerprint);
    CHECK(x[i].blob_id == y[i].blob_id);
    CHECK(x[i].encoding == y[i].encoding);
    CHECK(x[i].line == y[i].line);
    CHECK(x[i].column == y[i].column);
    CHECK(x[i].end_line == y[i].end_line);
    CHECK(x[i].end_column == y[i].end_column);
    REQUIRE(x[i].git.has_value() == y[i].git.has_value());
    if (!x[i].git) continue;
    const ReportedGit &g = *x[i].git, &h = *y[i].git;
    CHECK(g.repository == h.repository);
    CHECK(g.location == h.location);
    CHECK(g.commit == h.commit);
    CHECK(g.author_name == h.author_name);
    CHECK(g.author_email == h.author_email);
    CHECK(g.author_date == h.author_date);
    CHECK(g.summary == h.summary);
    CHECK(g.reachable == h.reachable);
    CHECK(g.at_head == h.at_head);
    CHECK(g.other_commits == h.other_commits);
    CHECK(g.other_paths == h.other_paths);
  }
}

}  // namespace

TEST_CASE("history scan reports a deleted secret at the commit that added it, not at HEAD", "[git][history]") {
  TempDir dir;
  const DeletedSecretRepo r = deleted_secret_repo(dir / "repo");
  const ReportedScan scan = history_json(r.repo.path(), 1);
  check_deleted_secret_findings(scan, r, r.repo.path());
}

TEST_CASE("history scan reports a renamed secret file at both paths with their own commits", "[git][history]") {
  TempDir dir;
  const GitRepo repo(dir / "repo");
  const std::string token = fake_slack_bot_token(311);
  repo.write("README.md", "# demo\n");
  repo.commit("initial");
  repo.write("keys/token.txt", "first line\nslack = " + token + "\n");
  const std::string added = repo.commit("add slack token");
  repo.git({"mv", "keys/token.txt", "keys/renamed.txt"});
  const std::string renamed = repo.commit("rename token file");
  const ReportedScan scan = history_json(repo.path(), 1);
  CHECK(scan.findings.size() == 2);
  const ReportedFinding original = only(scan, token, "keys/token.txt");
  check_commit(original, added);
  CHECK(original.line == 2);
  CHECK(original.git->other_paths == 1);
  const ReportedFinding moved = only(scan, token, "keys/renamed.txt");
  check_commit(moved, renamed);
  CHECK(moved.line == 2);
  CHECK(moved.git->summary == "rename token file");
  CHECK(moved.git->at_head);
  CHECK(moved.git->other_paths == 1);
}

TEST_CASE("history scan reports a secret on a branch that was never merged", "[git][history]") {
  TempDir dir;
  const GitRepo repo(dir / "repo");
  const std::string pat = fake_github_pat(321);
  repo.write("README.md", "# demo\n");
  repo.commit("initial");
  repo.git({"checkout", "-q", "-b", "experiment"});
  repo.write("src/client.py", "import os\n\nTOKEN = \"" + pat + "\"\n");
  const std::string branch_commit = repo.commit("try a hard-coded token", "Dana Dev", "dana@example.com");
  repo.git({"checkout", "-q", "main"});
  repo.write("README.md", "# demo\n\nmore text\n");
  repo.commit("docs");
  const ReportedScan scan = history_json(repo.path(), 1);
  CHECK(scan.findings.size() == 1);
  const ReportedFinding f = only(scan, pat, "src/client.py");
  check_commit(f, branch_commit);
  CHECK(f.line == 3);
  CHECK(f.git->author_name == "Dana Dev");
  CHECK(f.git->summary == "try a hard-coded token");
  CHECK(f.git->reachable);
  CHECK_FALSE(f.git->at_head);
}

TEST_CASE("history scan attributes a conflict resolution's secret to the merge, a merged branch's to its commit",
          "[git][history]") {
  TempDir dir;
  const GitRepo repo(dir / "repo");
  const std::string resolution_secret = fake_github_pat(331), branch_secret = fake_aws_key_id(332);
  repo.write("app.cfg", "name = demo\nmode = base\n");
  repo.commit("initial");
  repo.git({"checkout", "-q", "-b", "side"});
  repo.write("app.cfg", "name = demo\nmode = side\n");
  repo.commit("side mode");
  repo.git({"checkout", "-q", "main"});
  repo.write("app.cfg", "name = demo\nmode = main\n");
  repo.commit("main mode");
  const CliResult conflict = run_git(repo.path(), {"merge", "-q", "side"});
  REQUIRE(conflict.exit_code != 0);  // both sides changed line 2
  repo.write("app.cfg", "name = demo\nmode = merged\ntoken = " + resolution_secret + "\n");
  const std::string merge = repo.commit("merge side with a token");
  REQUIRE(repo.rev("HEAD^2") == repo.rev("side"));

  repo.git({"checkout", "-q", "-b", "feature"});
  repo.write("lib/aws.txt", "AWS_ACCESS_KEY_ID=" + branch_secret + "\n");
  const std::string feature_commit = repo.commit("feature with aws key");
  repo.git({"checkout", "-q", "main"});
  repo.write("README.md", "# demo\n");
  repo.commit("readme on main");
  repo.git({"merge", "-q", "--no-ff", "-m", "merge feature", "feature"});
  const std::string feature_merge = repo.rev("HEAD");

  const ReportedScan scan = history_json(repo.path(), 1);
  CHECK(scan.findings.size() == 2);
  const ReportedFinding resolved = only(scan, resolution_secret, "app.cfg");
  check_commit(resolved, merge);
  CHECK(resolved.line == 3);
  CHECK(resolved.git->summary == "merge side with a token");
  const ReportedFinding merged = only(scan, branch_secret, "lib/aws.txt");
  check_commit(merged, feature_commit);
  CHECK(merged.git->commit != feature_merge);
  CHECK(merged.git->at_head);
}

TEST_CASE("history scan reports commits that only a tag reaches as reachable", "[git][history]") {
  TempDir dir;
  const GitRepo repo(dir / "repo");
  const std::string annotated_secret = fake_github_pat(341), light_secret = fake_slack_bot_token(342);
  repo.write("README.md", "# demo\n");
  repo.commit("initial");
  // An orphan branch reachable only from an annotated tag once the branch is deleted.
  repo.git({"checkout", "-q", "--orphan", "release-notes"});
  repo.write("notes/release.txt", "release notes\ntoken " + annotated_secret + "\n");
  const std::string annotated_commit = repo.commit("release notes with a token");
  repo.git({"tag", "-a", "v1.0", "-m", "release 1.0"});
  repo.git({"checkout", "-q", "-f", "main"});
  repo.git({"branch", "-q", "-D", "release-notes"});
  // A detached commit reachable only from a lightweight tag.
  repo.git({"checkout", "-q", "--detach"});
  repo.write("hotfix.txt", "slack: " + light_secret + "\n");
  const std::string light_commit = repo.commit("hotfix with slack token");
  repo.git({"tag", "hotfix-1"});
  repo.git({"checkout", "-q", "main"});

  const ReportedScan scan = history_json(repo.path(), 1);
  CHECK(scan.findings.size() == 2);
  const ReportedFinding annotated = only(scan, annotated_secret, "notes/release.txt");
  check_commit(annotated, annotated_commit);
  CHECK(annotated.line == 2);
  CHECK(annotated.git->reachable);
  CHECK_FALSE(annotated.git->at_head);
  const ReportedFinding light = only(scan, light_secret, "hotfix.txt");
  check_commit(light, light_commit);
  CHECK(light.git->reachable);
  CHECK_FALSE(light.git->at_head);
}

TEST_CASE("history scan reports a commit left dangling by reset as unreachable", "[git][history]") {
  TempDir dir;
  const GitRepo repo(dir / "repo");
  const std::string key_id = fake_aws_key_id(351);
  repo.write("README.md", "# demo\n");
  const std::string base = repo.commit("initial");
  repo.write("deploy/creds.txt", "aws_access_key_id = " + key_id + "\n");
  const std::string dangling = repo.commit("oops, credentials");
  repo.git({"reset", "-q", "--hard", "HEAD~1"});
  REQUIRE(repo.rev("HEAD") == base);

  SECTION("reported with its commit, not reachable") {
    const ReportedScan scan = history_json(repo.path(), 1);
    CHECK(scan.findings.size() == 1);
    const ReportedFinding f = only(scan, key_id, "deploy/creds.txt");
    check_commit(f, dangling);
    CHECK(f.git->summary == "oops, credentials");
    CHECK_FALSE(f.git->reachable);
    CHECK_FALSE(f.git->at_head);
  }
  SECTION("--no-unreachable leaves it out") {
    const ReportedScan scan = history_json(repo.path(), 0, {"--no-unreachable"});
    CHECK(scan.findings.empty());
  }
}

TEST_CASE("history scan of a delta-packed file reports its secret once, at the commit that added it",
          "[git][history]") {
  TempDir dir;
  const GitRepo repo(dir / "repo");
  const std::string pat = fake_github_pat(361), later_key = fake_aws_key_id(362);
  std::vector<std::string> commits(61);
  for (int version = 1; version <= 60; ++version) {
    const bool with_secret = version >= 20 && version <= 30;
    repo.write("conf/settings.ini", settings_version(version, with_secret ? "github_token = " + pat : ""));
    commits[version] = repo.commit("settings version " + std::to_string(version));
  }
  repo.git({"gc", "-q", "--aggressive"});
  REQUIRE(repo.git({"count-objects", "-v"}).find("count: 0\n") != std::string::npos);
  std::string index;
  for (const auto& entry : std::filesystem::directory_iterator(repo.path() + "/.git/objects/pack"))
    if (entry.path().extension() == ".idx") index = entry.path().string();
  REQUIRE_FALSE(index.empty());
  REQUIRE(repo.git({"verify-pack", "-v", index}).find("chain length") != std::string::npos);

  const ReportedScan scan = history_json(repo.path(), 1);
  CHECK(scan.findings.size() == 1);
  const ReportedFinding f = only(scan, pat, "conf/settings.ini");
  check_commit(f, commits[20]);
  CHECK(f.line == 200);
  CHECK(f.column == 16);
  CHECK(f.git->summary == "settings version 20");
  CHECK_FALSE(f.git->at_head);
  CHECK(f.git->reachable);

  const ReportedScan full = history_json(repo.path(), 1, {"--full-blob-scan"});
  check_same_findings(scan, full);

  repo.write("conf/later.env", "AWS_ACCESS_KEY_ID=" + later_key + "\n");
  const std::string later = repo.commit("later credentials");
  REQUIRE(repo.git({"count-objects", "-v"}).find("count: 0\n") == std::string::npos);
  const ReportedScan mixed = history_json(repo.path(), 1);
  CHECK(mixed.findings.size() == 2);
  check_commit(only(mixed, pat, "conf/settings.ini"), commits[20]);
  const ReportedFinding loose = only(mixed, later_key, "conf/later.env");
  check_commit(loose, later);
  CHECK(loose.line == 1);
  CHECK(loose.git->at_head);
  check_same_findings(mixed, history_json(repo.path(), 1, {"--full-blob-scan"}));
}

TEST_CASE("history scan of a bare clone, a mirror clone or a .git directory matches the source", "[git][history]") {
  TempDir dir;
  const DeletedSecretRepo r = deleted_secret_repo(dir / "source");
  std::string target;
  SECTION("bare clone") {
    target = dir / "bare.git";
    REQUIRE(run_git(dir.path(), {"clone", "-q", "--bare", r.repo.path(), target}).exit_code == 0);
  }
  SECTION("mirror clone") {
    target = dir / "mirror.git";
    REQUIRE(run_git(dir.path(), {"clone", "-q", "--mirror", "file://" + r.repo.path(), target}).exit_code == 0);
  }
  SECTION("the source's .git directory") { target = r.repo.path() + "/.git"; }
  const ReportedScan scan = history_json(target, 1);
  check_deleted_secret_findings(scan, r, target);
}

TEST_CASE("history scan of a shallow clone attributes HEAD's secrets to the boundary commit", "[git][history]") {
  TempDir dir;
  const GitRepo source(dir / "source");
  const std::string old_secret = fake_github_pat(371), new_secret = fake_slack_bot_token(372);
  source.write("a.txt", "GITHUB_TOKEN=" + old_secret + "\n");
  source.commit("add github token");
  for (int i = 2; i <= 5; ++i) {
    source.write("filler.txt", "revision " + std::to_string(i) + "\n");
    source.commit("filler " + std::to_string(i));
  }
  source.write("b.txt", "slack " + new_secret + "\n");
  const std::string head = source.commit("add slack token");

  SECTION("depth 1: everything at the one commit") {
    REQUIRE(run_git(dir.path(), {"clone", "-q", "--depth", "1", "file://" + source.path(), "shallow"}).exit_code == 0);
    const GitRepo shallow(dir / "shallow", false);
    REQUIRE(shallow.rev("HEAD") == head);
    const ReportedScan scan = history_json(shallow.path(), 1);
    CHECK(scan.findings.size() == 2);
    const ReportedFinding old_f = only(scan, old_secret, "a.txt");
    check_commit(old_f, head);
    CHECK(old_f.git->at_head);
    check_commit(only(scan, new_secret, "b.txt"), head);

    const CliResult since =
        run_sprawl_bounded({"scan", shallow.path(), "--format", "json", "--since", "HEAD~5"}, dir.path());
    INFO("stdout: " << since.out);
    INFO("stderr: " << since.err);
    CHECK((since.exit_code == 0 || since.exit_code == 1));
    const ReportedScan range = parse_report(since.out);
    CHECK(since.exit_code == (range.findings.empty() ? 0 : 1));
    CHECK(skipped_mentions(range, "shallow"));
  }
  SECTION("depth 3: --since past the boundary still reports what the known commits added") {
    REQUIRE(run_git(dir.path(), {"clone", "-q", "--depth", "3", "file://" + source.path(), "shallow"}).exit_code == 0);
    const GitRepo shallow(dir / "shallow", false);
    const ReportedScan scan = history_json(shallow.path(), 1, {"--since", "HEAD~5"});
    check_commit(only(scan, new_secret, "b.txt"), head);
    CHECK(skipped_mentions(scan, "shallow"));
  }
}

TEST_CASE("scan --range and --since report only what the range's commits added", "[git][history]") {
  TempDir dir;
  const GitRepo repo(dir / "repo");
  const std::string before = fake_github_pat(381), inside = fake_aws_key_id(382), after = fake_slack_bot_token(383);
  repo.write("README.md", "# demo\n");
  repo.commit("initial");
  repo.write("config.txt", "name = demo\ntoken = " + before + "\nmode = a\n");
  repo.commit("config with a token");
  repo.write("README.md", "# demo\n\nusage\n");
  const std::string a = repo.commit("docs");
  // Modifies the file holding the older secret (and moves that line): the line is not new.
  repo.write("config.txt", "token = " + before + "\nname = demo\nmode = b\n");
  repo.write("deploy/aws.env", "AWS_ACCESS_KEY_ID=" + inside + "\n");
  const std::string in_range = repo.commit("deploy settings");
  repo.write("README.md", "# demo\n\nusage\nmore\n");
  const std::string b = repo.commit("more docs");
  repo.write("chat.txt", "slack " + after + "\n");
  const std::string after_b = repo.commit("chat settings");

  SECTION("--range A..B") {
    const ReportedScan scan = history_json(repo.path(), 1, {"--range", a + ".." + b});
    CHECK(scan.findings.size() == 1);
    check_commit(only(scan, inside, "deploy/aws.env"), in_range);
    CHECK(with_secret(scan, before).empty());
    CHECK(with_secret(scan, after).empty());
  }
  SECTION("--since A") {
    const ReportedScan scan = history_json(repo.path(), 1, {"--since", a});
    CHECK(scan.findings.size() == 2);
    check_commit(only(scan, inside, "deploy/aws.env"), in_range);
    check_commit(only(scan, after, "chat.txt"), after_b);
    CHECK(with_secret(scan, before).empty());
  }
  SECTION("a range that adds no secret is clean") {
    const ReportedScan scan = history_json(repo.path(), 0, {"--range", in_range + ".." + b});
    CHECK(scan.findings.empty());
  }
}

TEST_CASE("scan --branch scans only the history of that branch", "[git][history]") {
  TempDir dir;
  const GitRepo repo(dir / "repo");
  const std::string on_main = fake_github_pat(391), on_feature = fake_aws_key_id(392),
                    on_other = fake_slack_bot_token(393);
  repo.write("README.md", "# demo\n");
  const std::string initial = repo.commit("initial");
  repo.git({"checkout", "-q", "-b", "feature"});
  repo.write("feature.env", "AWS_ACCESS_KEY_ID=" + on_feature + "\n");
  const std::string feature_commit = repo.commit("feature key");
  repo.git({"checkout", "-q", "-b", "other", initial});
  repo.write("other.txt", "slack " + on_other + "\n");
  repo.commit("other token");
  repo.git({"checkout", "-q", "main"});
  repo.write("main.txt", "GITHUB_TOKEN=" + on_main + "\n");
  repo.commit("main token");

  const ReportedScan scan = history_json(repo.path(), 1, {"--branch", "feature"});
  CHECK(scan.findings.size() == 1);
  const ReportedFinding f = only(scan, on_feature, "feature.env");
  check_commit(f, feature_commit);
  CHECK(with_secret(scan, on_main).empty());
  CHECK(with_secret(scan, on_other).empty());
}

TEST_CASE("history scan reports a blob no commit holds as unreachable", "[git][history]") {
  TempDir dir;
  const GitRepo repo(dir / "repo");
  const std::string pat = fake_github_pat(401);
  repo.write("README.md", "# demo\n");
  repo.commit("initial");
  const std::string blob = repo.git({"hash-object", "-w", "--stdin"}, "loose blob\nGITHUB_TOKEN=" + pat + "\n");

  SECTION("reported without commit or path") {
    const ReportedScan scan = history_json(repo.path(), 1);
    REQUIRE(scan.findings.size() == 1);
    const ReportedFinding& f = scan.findings[0];
    CHECK(f.secret == pat);
    REQUIRE(f.git.has_value());
    CHECK(f.git->location == "unreachable");
    CHECK(f.git->commit.empty());
    CHECK(f.path.empty());
    CHECK(f.line == 2);
    CHECK(f.blob_id == blob.substr(0, 40));
    CHECK_FALSE(f.git->at_head);
  }
  SECTION("--no-unreachable leaves it out") {
    const ReportedScan scan = history_json(repo.path(), 0, {"--no-unreachable"});
    CHECK(scan.findings.empty());
  }
}

TEST_CASE("history scan reports uncommitted work-tree and staged secrets with their location", "[git][history]") {
  TempDir dir;
  const GitRepo repo(dir / "repo");
  repo.write("README.md", "# demo\n");
  repo.write("app.cfg", "name = demo\n");
  repo.commit("initial");

  SECTION("untracked and modified files are 'worktree'; --no-worktree leaves them out") {
    const std::string untracked = fake_github_pat(411), modified = fake_aws_key_id(412);
    repo.write("notes/todo.txt", "remember\nGITHUB_TOKEN=" + untracked + "\n");
    repo.write("app.cfg", "name = demo\nAWS_ACCESS_KEY_ID=" + modified + "\n");
    const ReportedScan scan = history_json(repo.path(), 1);
    CHECK(scan.findings.size() == 2);
    const ReportedFinding u = only(scan, untracked, "notes/todo.txt");
    CHECK(u.git->location == "worktree");
    CHECK(u.git->commit.empty());
    CHECK(u.line == 2);
    const ReportedFinding m = only(scan, modified, "app.cfg");
    CHECK(m.git->location == "worktree");
    CHECK(m.line == 2);
    CHECK_FALSE(m.git->at_head);
    const ReportedScan without = history_json(repo.path(), 0, {"--no-worktree"});
    CHECK(without.findings.empty());
  }
  SECTION("a staged but uncommitted secret is 'staged'") {
    const std::string staged = fake_slack_bot_token(413);
    repo.write("staged.txt", "slack " + staged + "\n");
    repo.git({"add", "staged.txt"});
    const ReportedScan scan = history_json(repo.path(), 1);
    CHECK(scan.findings.size() == 1);
    const ReportedFinding f = only(scan, staged, "staged.txt");
    CHECK(f.git->location == "staged");
    CHECK(f.git->commit.empty());
    CHECK_FALSE(f.git->at_head);
  }
}

TEST_CASE("the same secret in two files and commits is one finding per path, with the other counts", "[git][history]") {
  TempDir dir;
  const GitRepo repo(dir / "repo");
  const std::string pat = fake_github_pat(421);
  repo.write("README.md", "# demo\n");
  repo.commit("initial");
  repo.write("service/a.env", "GITHUB_TOKEN=" + pat + "\n");
  const std::string first = repo.commit("service a");
  repo.write("service/b.env", "# copy\nGITHUB_TOKEN=" + pat + "\n");
  const std::string second = repo.commit("service b");
  const ReportedScan scan = history_json(repo.path(), 1);
  CHECK(scan.findings.size() == 2);
  const ReportedFinding a = only(scan, pat, "service/a.env");
  check_commit(a, first);
  CHECK(a.line == 1);
  CHECK(a.git->other_commits == 1);
  CHECK(a.git->other_paths == 1);
  const ReportedFinding b = only(scan, pat, "service/b.env");
  check_commit(b, second);
  CHECK(b.line == 2);
  CHECK(b.git->other_commits == 1);
  CHECK(b.git->other_paths == 1);
}

TEST_CASE("human output of a history finding names the short commit, the author and the path", "[git][history]") {
  TempDir dir;
  const GitRepo repo(dir / "repo");
  const std::string key_id = fake_aws_key_id(431);
  repo.write("README.md", "# demo\n");
  repo.commit("initial");
  repo.write("docs/setup.md", "# setup\n\nAWS_ACCESS_KEY_ID=" + key_id + "\n");
  const std::string commit = repo.commit("setup docs", "Carol Coder", "carol@example.com");
  repo.remove("docs/setup.md");
  repo.commit("drop setup docs");
  const CliResult result = run_sprawl_bounded({"scan", repo.path()}, dir.path());
  INFO("stdout: " << result.out);
  INFO("stderr: " << result.err);
  CHECK(result.exit_code == 1);
  CHECK(result.out.find(commit.substr(0, 7)) != std::string::npos);
  CHECK(result.out.find("Carol Coder") != std::string::npos);
  CHECK(result.out.find("docs/setup.md") != std::string::npos);
  CHECK(result.out.find("setup docs") != std::string::npos);
  CHECK(result.out.find(key_id) == std::string::npos);  // redacted by default
}

TEST_CASE("history scan reports secrets in every stash entry, not only the latest", "[git][history]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  repo.write("settings.py", "DEBUG = False\n");
  repo.commit("initial");
  const std::string older = fake_github_pat(601), newer = fake_github_pat(602);
  repo.write("settings.py", "DEBUG = False\nGITHUB_TOKEN = \"" + older + "\"\n");
  repo.git({"stash", "-q"});
  const std::string older_stash = repo.rev("refs/stash");
  repo.write("settings.py", "DEBUG = False\nGITHUB_TOKEN = \"" + newer + "\"\n");
  repo.git({"stash", "-q"});
  const std::string newer_stash = repo.rev("refs/stash");
  REQUIRE(older_stash != newer_stash);

  const ReportedScan scan = history_json(repo.path(), 1, {"--no-unreachable"});
  const ReportedFinding old_finding = only(scan, older, "settings.py");
  check_commit(old_finding, older_stash);  // stash@{1}: only the reflog of refs/stash names it
  CHECK(old_finding.git->reachable);
  check_commit(only(scan, newer, "settings.py"), newer_stash);
}

TEST_CASE("scan --since with an unknown revision in a full clone is an error, not a full scan", "[git][history]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  repo.write("settings.py", "GITHUB_TOKEN = \"" + fake_github_pat(611) + "\"\n");
  repo.commit("token");
  const CliResult result = run_sprawl_bounded({"scan", repo.path(), "--since", "origin/mian", "--format", "json"}, dir.path());
  INFO("stderr: " << result.err);
  CHECK(result.exit_code == 2);
  CHECK(result.err.find("origin/mian") != std::string::npos);
  CHECK(parse_report(result.out).findings.empty());
}

TEST_CASE("scan --range does not report a secret that moved to another file, but does report a new one",
          "[git][history]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  const std::string old_secret = fake_github_pat(621), new_secret = fake_aws_key_id(622);
  repo.write("config/app.env", "MODE=prod\nGITHUB_TOKEN=" + old_secret + "\nRETRIES=3\n");
  const std::string base = repo.commit("config");
  // The file is split and reworded: no rename a similarity check would find, same secret.
  repo.remove("config/app.env");
  repo.write("settings/tokens.env", "# tokens moved here\nGITHUB_TOKEN=" + old_secret + "\n");
  repo.write("settings/aws.env", "AWS_ACCESS_KEY_ID=" + new_secret + "\n");
  const std::string moved = repo.commit("split config");

  const ReportedScan scan = history_json(repo.path(), 1, {"--range", base + ".." + moved});
  CHECK(with_secret(scan, old_secret).empty());
  check_commit(only(scan, new_secret, "settings/aws.env"), moved);
}

TEST_CASE("history scan counts what the checks dropped, also in blobs with findings", "[git][history]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  // One real token and one low-entropy token-shaped value in the same file.
  repo.write("a.env", "GITHUB_TOKEN=" + fake_github_pat(631) + "\nOTHER_TOKEN=ghp_" + std::string(36, 'a') + "\n");
  repo.commit("tokens");
  const ReportedScan history = history_json(repo.path(), 1);
  const ReportedScan files = parse_report(run_sprawl_bounded({"scan", repo.path(), "--no-history", "--format", "json"},
                                                             dir.path()).out);
  CHECK(history.findings.size() == 1);
  CHECK(history.dropped_entropy >= 1);
  CHECK(history.dropped_entropy == files.dropped_entropy);
}
