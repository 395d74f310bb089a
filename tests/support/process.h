// Runs any program for end-to-end tests (git, pre-commit, sprawl) and captures what it printed.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sprawl::test {

struct CliResult {
  int exit_code = -1;
  std::string out;  ///< standard output
  std::string err;  ///< standard error
};

struct ProcessOptions {
  std::string cwd;    ///< empty: the test's own
  std::string input;  ///< fed on stdin
  std::vector<std::pair<std::string, std::string>> env;  ///< set (or, with an empty value, unset) in the child
};

/// Runs `argv[0]` (looked up on PATH when it has no '/') with `argv`, waits for it.
CliResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

}  // namespace sprawl::test
