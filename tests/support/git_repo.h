// GitRepo: a real git repository driven through the `git` CLI, for tests that scan history.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace sprawl::test {

/// Thrown when a git command a test relies on fails; the message carries git's stderr.
struct GitError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Runs git with no system or global configuration, fixed identities and no signing.
CliResult run_git(const std::string& cwd, const std::vector<std::string>& args, const std::string& input = "");

class GitRepo {
 public:
  /// Uses the directory `dir` (created if needed); `init` runs `git init -b main` there.
  explicit GitRepo(std::string dir, bool init = true);

  const std::string& path() const { return m_dir; }

  /// Runs git in the repository; throws GitError if it fails. Returns stdout.
  std::string git(const std::vector<std::string>& args, const std::string& input = "") const;

  /// Writes a work-tree file (parents created) and returns its absolute path.
  std::string write(const std::string& relative, const std::string& content) const;
  void remove(const std::string& relative) const;

  /// `git add -A` and commits everything; returns the new commit id. `date` is an ISO 8601
  /// author and committer date.
  std::string commit(const std::string& message, const std::string& author_name = "Alice Example",
                     const std::string& author_email = "alice@example.com",
                     const std::string& date = "2024-01-02T03:04:05+00:00") const;

  /// The full commit id `rev` names.
  std::string rev(const std::string& rev) const;

 private:
  std::string m_dir;
};

}  // namespace sprawl::test
