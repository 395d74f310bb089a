// End-to-end: sprawl as a git pre-commit hook, through the real pre-commit framework (with this
// project's .pre-commit-hooks.yaml) and through the plain-hook one-liner from README.md.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/fake_tokens.h"
#include "tests/support/git_repo.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

namespace {

constexpr const char* kPreCommit = "/usr/bin/pre-commit";

/// The plain-hook installation command exactly as README.md documents it.
constexpr const char* kPlainHookOneLiner =
    R"(printf '#!/bin/sh\nexec sprawl scan --staged\n' > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit)";

/// pre-commit is part of the toolchain (scripts/bootstrap installs it): its absence is a failure.
void require_pre_commit() {
  if (!std::filesystem::exists(kPreCommit))
    FAIL(kPreCommit << " is missing: pre-commit is part of the toolchain, run scripts/bootstrap");
}

/// The environment of every git and pre-commit run here: the sprawl under test first on PATH,
/// a scratch HOME and PRE_COMMIT_HOME (nothing from the user, nothing from the network), no git
/// configuration, fixed identities, and the warm rule cache.
class HookEnv {
 public:
  HookEnv() {
    const char* path = std::getenv("PATH");
    const std::string sprawl_dir = std::filesystem::path(SPRAWL_BINARY).parent_path().string();
    m_env = {{"PATH", sprawl_dir + ":" + (path && *path ? path : "/usr/local/bin:/usr/bin:/bin")},
             {"HOME", m_home / "home"},
             {"XDG_CACHE_HOME", m_home / "cache"},
             {"PRE_COMMIT_HOME", m_home / "pre-commit"},
             {"PRE_COMMIT_COLOR", "never"},
             {"SKIP", ""},
             {"GIT_CONFIG_GLOBAL", "/dev/null"},
             {"GIT_CONFIG_NOSYSTEM", "1"},
             {"GIT_TERMINAL_PROMPT", "0"},
             {"GIT_AUTHOR_NAME", "Test Author"},
             {"GIT_AUTHOR_EMAIL", "author@example.com"},
             {"GIT_COMMITTER_NAME", "Test Committer"},
             {"GIT_COMMITTER_EMAIL", "committer@example.com"},
             {"GIT_DIR", ""},
             {"GIT_WORK_TREE", ""},
             {"GIT_INDEX_FILE", ""},
             {"SPRAWL_CACHE_DIR", SPRAWL_TEST_CACHE_DIR},
             {"NO_COLOR", "1"}};
    std::filesystem::create_directories(m_home / "home");
  }

  CliResult run(const std::vector<std::string>& argv, const std::string& cwd) const {
    return run_process(argv, {cwd, "", m_env});
  }

  /// `git commit` with hooks enabled; `extra` goes before `-m`.
  CliResult commit(const GitRepo& repo, const std::string& message, const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> argv{"git", "-c", "commit.gpgsign=false", "commit", "-q"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), {"-m", message});
    return run(argv, repo.path());
  }

 private:
  TempDir m_home;
  std::vector<std::pair<std::string, std::string>> m_env;
};

/// HEAD's commit id, or "" while the branch has no commits.
std::string head(const GitRepo& repo) {
  const CliResult result = run_git(repo.path(), {"rev-parse", "-q", "--verify", "HEAD^{commit}"});
  if (result.exit_code != 0) return "";
  std::string id = result.out;
  while (!id.empty() && id.back() == '\n') id.pop_back();
  return id;
}

/// Stages everything and commits without running hooks (to set up history under the hook).
std::string commit_without_hooks(const GitRepo& repo, const std::string& message) {
  repo.git({"add", "-A"});
  repo.git({"commit", "-q", "--no-verify", "-m", message});
  return repo.rev("HEAD");
}

/// A git repository holding a copy of this project's .pre-commit-hooks.yaml; returns its commit.
std::string make_hook_repository(const GitRepo& hooks) {
  const std::string manifest = read_text(std::string(SPRAWL_SOURCE_DIR) + "/.pre-commit-hooks.yaml");
  REQUIRE_FALSE(manifest.empty());
  hooks.write(".pre-commit-hooks.yaml", manifest);
  return hooks.commit("sprawl hook manifest");
}

/// A repository that uses the sprawl hook through pre-commit, with the hook installed and the
/// configuration committed when `with_history` (else staged in a repository with no commits).
struct FrameworkRepo {
  TempDir dir;
  HookEnv env;
  GitRepo hooks{dir / "sprawl-hooks"};
  GitRepo repo{dir / "project"};

  explicit FrameworkRepo(bool with_history) {
    require_pre_commit();
    const std::string rev = make_hook_repository(hooks);
    repo.write(".pre-commit-config.yaml",
               "repos:\n  - repo: " + hooks.path() + "\n    rev: " + rev + "\n    hooks:\n      - id: sprawl\n");
    repo.write("README.md", "# project\n");
    if (with_history) commit_without_hooks(repo, "initial");
    const CliResult installed = env.run({kPreCommit, "install"}, repo.path());
    INFO("pre-commit install: " << installed.out << installed.err);
    REQUIRE(installed.exit_code == 0);
  }
};

/// A repository with README.md's plain pre-commit hook installed.
struct PlainHookRepo {
  TempDir dir;
  HookEnv env;
  GitRepo repo{dir / "project"};

  explicit PlainHookRepo(bool with_history) {
    const std::string readme = read_text(std::string(SPRAWL_SOURCE_DIR) + "/README.md");
    REQUIRE(readme.find(kPlainHookOneLiner) != std::string::npos);  // the documented command is the tested one
    const CliResult installed = env.run({"sh", "-c", kPlainHookOneLiner}, repo.path());
    INFO("hook install: " << installed.out << installed.err);
    REQUIRE(installed.exit_code == 0);
    repo.write("README.md", "# project\n");
    if (with_history) commit_without_hooks(repo, "initial");
  }
};

}  // namespace

TEST_CASE("pre-commit framework hook blocks secrets and passes clean commits", "[git][precommit]") {
  FrameworkRepo project(true);
  const GitRepo& repo = project.repo;
  const std::string before = repo.rev("HEAD");

  SECTION("a commit that adds a secret is blocked and the output names rule and file") {
    repo.write("config/app.env", "DEBUG=0\nGITHUB_TOKEN=" + fake_github_pat(201) + "\n");
    repo.git({"add", "config/app.env"});
    const CliResult result = project.env.commit(repo, "add app config");
    INFO("stdout: " << result.out);
    INFO("stderr: " << result.err);
    CHECK(result.exit_code == 1);
    CHECK(head(repo) == before);
    const std::string output = result.out + result.err;
    CHECK(output.find("github-pat-classic") != std::string::npos);
    CHECK(output.find("config/app.env") != std::string::npos);
  }

  SECTION("a clean commit passes") {
    repo.write("src/main.c", "int main(void) { return 0; }\n");
    repo.git({"add", "src/main.c"});
    const CliResult result = project.env.commit(repo, "add main");
    INFO("stdout: " << result.out);
    INFO("stderr: " << result.err);
    CHECK(result.exit_code == 0);
    CHECK(head(repo) != before);
    CHECK(repo.rev("HEAD~1") == before);
  }

  SECTION("changing another line of a file whose secret is already committed passes") {
    const std::string key_id = fake_aws_key_id(202);
    repo.write("deploy/aws.ini", "[default]\naws_access_key_id = " + key_id + "\nregion = eu-west-1\n");
    const std::string with_secret = commit_without_hooks(repo, "add aws settings (bypassing the hook)");
    repo.write("deploy/aws.ini", "[default]\naws_access_key_id = " + key_id + "\nregion = eu-central-1\n");
    repo.git({"add", "deploy/aws.ini"});
    const CliResult result = project.env.commit(repo, "move region");
    INFO("stdout: " << result.out);
    INFO("stderr: " << result.err);
    CHECK(result.exit_code == 0);
    CHECK(head(repo) != with_secret);
    CHECK(repo.rev("HEAD~1") == with_secret);
  }
}

TEST_CASE("pre-commit framework hook blocks a first commit with a secret", "[git][precommit]") {
  FrameworkRepo project(false);
  project.repo.write("secrets.env", "AWS_ACCESS_KEY_ID=" + fake_aws_key_id(203) + "\n");
  project.repo.git({"add", "-A"});
  const CliResult result = project.env.commit(project.repo, "first commit");
  INFO("stdout: " << result.out);
  INFO("stderr: " << result.err);
  CHECK(result.exit_code == 1);
  CHECK(head(project.repo).empty());
  CHECK((result.out + result.err).find("secrets.env") != std::string::npos);
}

TEST_CASE("plain git hook from README blocks secrets and passes clean commits", "[git][precommit]") {
  PlainHookRepo project(true);
  const GitRepo& repo = project.repo;
  const std::string before = repo.rev("HEAD");

  SECTION("a commit that adds a secret is blocked") {
    repo.write("tokens.txt", "ci token: " + fake_github_pat(204) + "\n");
    repo.git({"add", "tokens.txt"});
    const CliResult result = project.env.commit(repo, "add token");
    INFO("stdout: " << result.out);
    INFO("stderr: " << result.err);
    CHECK(result.exit_code == 1);
    CHECK(head(repo) == before);
    CHECK((result.out + result.err).find("tokens.txt") != std::string::npos);
  }

  SECTION("a clean commit passes") {
    repo.write("docs/notes.md", "nothing secret here\n");
    repo.git({"add", "docs/notes.md"});
    const CliResult result = project.env.commit(repo, "add notes");
    INFO("stdout: " << result.out);
    INFO("stderr: " << result.err);
    CHECK(result.exit_code == 0);
    CHECK(repo.rev("HEAD~1") == before);
  }

  SECTION("git commit -a with a secret in a tracked file is blocked") {
    // git hands the hook a temporary index (GIT_INDEX_FILE); the secret is only there.
    repo.write("README.md", "# project\nslack: " + fake_slack_bot_token(205) + "\n");
    const CliResult result = project.env.commit(repo, "update readme", {"-a"});
    INFO("stdout: " << result.out);
    INFO("stderr: " << result.err);
    CHECK(result.exit_code == 1);
    CHECK(head(repo) == before);
    CHECK((result.out + result.err).find("README.md") != std::string::npos);
  }
}

TEST_CASE("plain git hook from README blocks a first commit with a secret", "[git][precommit]") {
  PlainHookRepo project(false);
  project.repo.write("app/settings.py", "TOKEN = '" + fake_github_pat(206) + "'\n");
  project.repo.git({"add", "-A"});
  const CliResult result = project.env.commit(project.repo, "first commit");
  INFO("stdout: " << result.out);
  INFO("stderr: " << result.err);
  CHECK(result.exit_code == 1);
  CHECK(head(project.repo).empty());
  CHECK((result.out + result.err).find("app/settings.py") != std::string::npos);
}
