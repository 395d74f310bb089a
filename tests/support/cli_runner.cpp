// Runs the sprawl binary under test with the test suite's warm rule-database cache.
#include "tests/support/cli_runner.h"

namespace sprawl::test {

CliResult run_sprawl(const std::vector<std::string>& args, const std::string& cwd, const std::string& input) {
  std::vector<std::string> argv{SPRAWL_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, {cwd, input, {{"SPRAWL_CACHE_DIR", SPRAWL_TEST_CACHE_DIR}, {"NO_COLOR", ""}}});
}

CliResult run_sprawl_env(const std::vector<std::string>& args,
                         const std::vector<std::pair<std::string, std::string>>& env, const std::string& cwd) {
  std::vector<std::string> argv{SPRAWL_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::pair<std::string, std::string>> all{{"SPRAWL_CACHE_DIR", SPRAWL_TEST_CACHE_DIR}, {"NO_COLOR", ""}};
  all.insert(all.end(), env.begin(), env.end());  // later entries win
  return run_process(argv, {cwd, "", std::move(all)});
}

CliResult run_sprawl_in_git(const std::vector<std::string>& args, const std::string& cwd, const std::string& ceiling) {
  std::vector<std::string> argv{SPRAWL_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, {cwd,
                            "",
                            {{"SPRAWL_CACHE_DIR", SPRAWL_TEST_CACHE_DIR},
                             {"NO_COLOR", ""},
                             {"GIT_CONFIG_GLOBAL", "/dev/null"},
                             {"GIT_CONFIG_NOSYSTEM", "1"},
                             {"GIT_CEILING_DIRECTORIES", ceiling},
                             {"GIT_DIR", ""},
                             {"GIT_WORK_TREE", ""},
                             {"GIT_INDEX_FILE", ""}}});
}

}  // namespace sprawl::test
