// End-to-end: `sprawl rules list|check` and `--version`, and the repository's own checkout
// scanning clean.
#include <catch2/catch.hpp>

#include <set>
#include <string>

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
  CHECK(rules.size() >= 200);
  std::set<std::string> live_providers;
  for (simdjson::dom::element rule : rules) {
    const std::string_view tier = rule["validation"];
    CHECK((tier == "none" || tier == "offline" || tier == "live"));
    if (tier == "live") live_providers.insert(std::string(std::string_view(rule["provider"])));
    CHECK_FALSE(std::string_view(rule["id"]).empty());
    CHECK_FALSE(std::string_view(rule["provider"]).empty());
    CHECK_FALSE(std::string_view(rule["nhi_type"]).empty());
    CHECK(int64_t(rule["examples"]) >= 1);
    CHECK(int64_t(rule["negative_examples"]) >= 1);
  }
  CHECK(live_providers.size() >= 25);
  CHECK(table.out.find("VALIDITY") != std::string::npos);
}

namespace {
// A one-rule config for the "acme" provider (no validator exists for it) declaring `tier`.
std::string acme_rule(const std::string& tier) {
  return "[[rules]]\nid = \"acme-key\"\ndescription = \"ACME key\"\n"
         "regex = '''\\b(acme_[a-z0-9]{20})\\b'''\nentropy = 2.0\nprovider = \"acme\"\n"
         "validation = \"" + tier + "\"\nexamples = ['k = acme_q8zt3mvx7wkr2pln5hcy']\n"
         "negative_examples = ['k = acme_short']\n";
}
}  // namespace

TEST_CASE("rules check fails when a rule declares a validity tier the code does not give it", "[cli][rules]") {
  sprawl::test::TempDir dir;
  dir.write("tiers.toml", acme_rule("live"));
  const CliResult wrong = run_sprawl({"rules", "check", "--config", "tiers.toml"}, dir.path());
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.out.find("FAIL acme-key: declares validation 'live' but supports 'none'") != std::string::npos);
  dir.write("tiers.toml", acme_rule("none"));
  CHECK(run_sprawl({"rules", "check", "--config", "tiers.toml"}, dir.path()).exit_code == 0);
  dir.write("tiers.toml", acme_rule("sometimes"));
  const CliResult bad = run_sprawl({"rules", "check", "--config", "tiers.toml"}, dir.path());
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("validation must be none, offline or live") != std::string::npos);
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
