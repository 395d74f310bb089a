// The git CLI wrapper for history tests: hermetic environment, errors as exceptions (test-only).
#include "tests/support/git_repo.h"

#include <filesystem>
#include <fstream>

namespace sprawl::test {

CliResult run_git(const std::string& cwd, const std::vector<std::string>& args, const std::string& input) {
  std::vector<std::string> argv{"git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false",
                                "-c", "tag.gpgsign=false", "-c", "core.autocrlf=false", "-c", "gc.auto=0",
                                "-c", "maintenance.auto=false"};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions options{cwd, input,
                         {{"GIT_CONFIG_NOSYSTEM", "1"},
                          {"GIT_CONFIG_GLOBAL", "/dev/null"},
                          {"GIT_AUTHOR_NAME", "Test Author"},
                          {"GIT_AUTHOR_EMAIL", "author@example.com"},
                          {"GIT_COMMITTER_NAME", "Test Committer"},
                          {"GIT_COMMITTER_EMAIL", "committer@example.com"},
                          {"GIT_TERMINAL_PROMPT", "0"},
                          {"GIT_DIR", ""},
                          {"GIT_WORK_TREE", ""},
                          {"GIT_INDEX_FILE", ""}}};
  return run_process(argv, options);
}

GitRepo::GitRepo(std::string dir, bool init) : m_dir(std::move(dir)) {
  std::filesystem::create_directories(m_dir);
  if (init) git({"init", "-q"});
}

std::string GitRepo::git(const std::vector<std::string>& args, const std::string& input) const {
  CliResult result = run_git(m_dir, args, input);
  if (result.exit_code != 0) {
    std::string command = "git";
    for (const auto& a : args) command += " " + a;
    throw GitError(command + " failed (" + std::to_string(result.exit_code) + "): " + result.err);
  }
  return result.out;
}

std::string GitRepo::write(const std::string& relative, const std::string& content) const {
  const std::filesystem::path path = std::filesystem::path(m_dir) / relative;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  return path.string();
}

void GitRepo::remove(const std::string& relative) const { std::filesystem::remove(std::filesystem::path(m_dir) / relative); }

std::string GitRepo::commit(const std::string& message, const std::string& author_name, const std::string& author_email,
                            const std::string& date) const {
  git({"add", "-A"});
  const CliResult result = run_process(
      {"git", "-c", "commit.gpgsign=false", "commit", "-q", "--allow-empty", "-m", message},
      {m_dir, "", {{"GIT_CONFIG_NOSYSTEM", "1"}, {"GIT_CONFIG_GLOBAL", "/dev/null"},
                   {"GIT_AUTHOR_NAME", author_name}, {"GIT_AUTHOR_EMAIL", author_email},
                   {"GIT_AUTHOR_DATE", date}, {"GIT_COMMITTER_NAME", "Test Committer"},
                   {"GIT_COMMITTER_EMAIL", "committer@example.com"}, {"GIT_COMMITTER_DATE", date}}});
  if (result.exit_code != 0) throw GitError("git commit failed: " + result.err);
  return rev("HEAD");
}

std::string GitRepo::rev(const std::string& name) const {
  std::string out = git({"rev-parse", "--verify", name + "^{commit}"});
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace sprawl::test
