// Runs the real sprawl binary for end-to-end tests and captures what it printed.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tests/support/process.h"

namespace sprawl::test {

/// Runs `sprawl ARGS...` in `cwd` (empty: the test's own), feeding `input` on stdin.
CliResult run_sprawl(const std::vector<std::string>& args, const std::string& cwd = "", const std::string& input = "");

/// Runs sprawl in `cwd` with the warm rule cache and no git configuration or git variables from
/// the user: what sprawl sees of git is only the repository itself. `ceiling` (when set) stops
/// repository discovery above it (GIT_CEILING_DIRECTORIES).
/// Runs sprawl like run_sprawl, with `env` set (or, with an empty value, unset) on top: endpoint
/// overrides (SPRAWL_ENDPOINT_*), SPRAWL_CA_BUNDLE, a private SPRAWL_CACHE_DIR.
CliResult run_sprawl_env(const std::vector<std::string>& args,
                         const std::vector<std::pair<std::string, std::string>>& env, const std::string& cwd = "");

CliResult run_sprawl_in_git(const std::vector<std::string>& args, const std::string& cwd,
                            const std::string& ceiling = "");

}  // namespace sprawl::test
