// End-to-end: `sprawl rules list|check` and `--version`, and the repository's own checkout
// scanning clean.
#include <catch2/catch.hpp>

#include <simdjson.h>

#include "tests/support/cli_runner.h"
#include "tests/support/findings_json.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

TEST_CASE("rules check passes for every built-in rule", "[cli][rules]") {
  const CliResult result = run_sprawl({"rules", "check"});
  INFO(result.out);
  CHECK(result.exit_code == 0);
  CHECK(result.out.rfind("ok: ", 0) != std::string::npos);
}

TEST_CASE("rules list prints a table, and an array of rule objects with --format json", "[cli][rules]") {
  const CliResult table = run_sprawl({"rules", "list"});
  CHECK(table.exit_code == 0);
  CHECK(table.out.rfind("ID", 0) == 0);
  CHECK(table.out.find("aws-access-key-id") != std::string::npos);
  const CliResult json = run_sprawl({"rules", "list", "--format", "json"});
  REQUIRE(json.exit_code == 0);
  simdjson::dom::parser parser;
  simdjson::dom::array rules = parser.parse(json.out).get_array();
  CHECK(rules.size() >= 120);
  for (simdjson::dom::element rule : rules) {
    CHECK_FALSE(std::string_view(rule["id"]).empty());
    CHECK_FALSE(std::string_view(rule["provider"]).empty());
    CHECK_FALSE(std::string_view(rule["nhi_type"]).empty());
    CHECK(int64_t(rule["examples"]) >= 1);
    CHECK(int64_t(rule["negative_examples"]) >= 1);
  }
}

TEST_CASE("sprawl --version names the program and its version", "[cli][rules]") {
  const CliResult result = run_sprawl({"--version"});
  CHECK(result.exit_code == 0);
  CHECK(result.out.rfind("sprawl 0.", 0) == 0);
}

TEST_CASE("sprawl's own checkout scans clean", "[cli][self]") {
  const CliResult result = run_sprawl({"scan", SPRAWL_SOURCE_DIR, "--format", "json"});
  INFO(result.out.substr(0, 4000));
  INFO(result.err.substr(0, 2000));
  CHECK(result.exit_code == 0);
  CHECK(parse_report(result.out).findings.empty());
}

TEST_CASE("rules check fails when a rule misses its example or reports a negative one", "[cli][rules]") {
  sprawl::test::TempDir dir;
  dir.write("bad.toml",
            "[[rules]]\nid = \"acme-key\"\ndescription = \"ACME key\"\nregex = '''\\b(acme_[a-z0-9]{20})\\b'''\n"
            "entropy = 2.0\nprovider = \"acme\"\n"
            "examples = ['k = acme_tooshort']\n"
            "negative_examples = ['k = acme_q8zt3mvx7wkr2pln5hcy']\n");
  const CliResult result = run_sprawl({"rules", "check", "--config", "bad.toml"}, dir.path());
  CHECK(result.exit_code == 1);
  CHECK(result.out.find("FAIL acme-key: example not found") != std::string::npos);
  CHECK(result.out.find("FAIL acme-key: negative example reported") != std::string::npos);
}
