// Runs the sprawl binary under test with the test suite's warm rule-database cache.
#include "tests/support/cli_runner.h"

namespace sprawl::test {

CliResult run_sprawl(const std::vector<std::string>& args, const std::string& cwd, const std::string& input) {
  std::vector<std::string> argv{SPRAWL_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, {cwd, input, {{"SPRAWL_CACHE_DIR", SPRAWL_TEST_CACHE_DIR}, {"NO_COLOR", ""}}});
}

}  // namespace sprawl::test
