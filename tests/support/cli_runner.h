// Runs the real sprawl binary for end-to-end tests and captures what it printed.
#pragma once

#include <string>
#include <vector>

#include "tests/support/process.h"

namespace sprawl::test {

/// Runs `sprawl ARGS...` in `cwd` (empty: the test's own), feeding `input` on stdin.
CliResult run_sprawl(const std::vector<std::string>& args, const std::string& cwd = "", const std::string& input = "");

}  // namespace sprawl::test
