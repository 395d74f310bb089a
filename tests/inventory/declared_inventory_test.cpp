// The declared-inventory parser: a valid file read in full, and each malformed case refused with
// its line, column and reason.
#include <catch2/catch.hpp>

#include <string>

#include "src/inventory/declared_inventory.h"
#include "tests/support/temp_dir.h"

using namespace sprawl;
using sprawl::test::TempDir;

namespace {

const char* const kValid = R"(# The organization's machine identities.
version: 1
nhis:
  - name: billing-deploy
    provider: AWS
    identifiers:
      - billing-key-id
      - "012345678901"
    owner: alice@example.com
    purpose: deploys the billing service
    expires: 2026-01-31
  - name: ci-bot
    provider: github
    identifiers: [octo-ci-bot]
    owner: '@org/platform'
  - name: legacy-sync
    identifiers: []
    owner: bob@example.com
    purpose:
offboarded:
  - bob@example.com
)";

/// The error of parsing `text`, which must fail.
std::string error_of(const std::string& text) {
  const auto parsed = parse_declared_inventory(text, "nhi.yaml");
  REQUIRE_FALSE(parsed.ok());
  return parsed.error().message;
}

}  // namespace

TEST_CASE("declared inventory: a valid file is read in full", "[inventory][declared]") {
  const auto parsed = parse_declared_inventory(kValid, "nhi.yaml");
  REQUIRE(parsed.ok());
  const DeclaredInventory& inv = parsed.value();
  CHECK(inv.version == 1);
  CHECK(inv.path == "nhi.yaml");
  REQUIRE(inv.nhis.size() == 3);
  CHECK(inv.nhis[0].name == "billing-deploy");
  CHECK(inv.nhis[0].provider == "aws");  // providers are compared lower-cased
  CHECK(inv.nhis[0].identifiers == std::vector<std::string>{"billing-key-id", "012345678901"});
  CHECK(inv.nhis[0].owner == "alice@example.com");
  CHECK(inv.nhis[0].purpose == "deploys the billing service");
  CHECK(inv.nhis[0].expires == "2026-01-31");
  CHECK(inv.nhis[0].line == 4);
  CHECK(inv.nhis[1].owner == "@org/platform");
  CHECK(inv.nhis[1].identifiers == std::vector<std::string>{"octo-ci-bot"});
  CHECK(inv.nhis[2].identifiers.empty());
  CHECK(inv.nhis[2].purpose.empty());  // `purpose:` with nothing reads as absent
  CHECK(inv.nhis[2].line == 16);
  CHECK(inv.offboarded == std::set<std::string>{"bob@example.com"});
  CHECK(is_offboarded(inv, "bob@example.com"));
  CHECK_FALSE(is_offboarded(inv, "alice@example.com"));
  CHECK_FALSE(is_offboarded(inv, ""));
}

TEST_CASE("declared inventory: an empty nhis list is a valid file", "[inventory][declared]") {
  const auto parsed = parse_declared_inventory("version: 1\nnhis: []\n", "nhi.yaml");
  REQUIRE(parsed.ok());
  CHECK(parsed.value().nhis.empty());
}

TEST_CASE("declared inventory: YAML syntax errors give FILE:LINE:COL", "[inventory][declared]") {
  CHECK(error_of("version: 1\nnhis:\n  - name: a\n    identifiers: [x, y\n") ==
        "nhi.yaml:5:1: end of sequence flow not found");
  CHECK(error_of("version: 1\nnhis:\n  - name: a\n   owner: b\n") == "nhi.yaml:4:4: end of sequence not found");
  CHECK(error_of("version: 1\nnhis:\n  - name: a\n\towner: b\n") ==
        "nhi.yaml:4:1: illegal tab when looking for indentation");
}

TEST_CASE("declared inventory: each structural mistake names its line and reason", "[inventory][declared]") {
  CHECK(error_of("") == "nhi.yaml:1:1: empty file (expected 'version: 1' and 'nhis:')");
  CHECK(error_of("- a\n- b\n") == "nhi.yaml:1:1: expected a mapping with 'version: 1' and 'nhis:', found a list");
  CHECK(error_of("nhis: []\n") == "nhi.yaml:1:1: 'version: 1' is required");
  CHECK(error_of("version: 1\n") == "nhi.yaml:1:1: 'nhis:' is required (a list, which may be empty)");
  CHECK(error_of("version: 2\nnhis: []\n") == "nhi.yaml:1:10: unsupported version 2 (this sprawl reads version 1)");
  CHECK(error_of("version: one\nnhis: []\n") == "nhi.yaml:1:10: version: expected a whole number, found 'one'");
  CHECK(error_of("version: 1\nnhis: []\nowners: []\n") ==
        "nhi.yaml:3:1: top level: unknown key 'owners' (expected version, nhis, offboarded)");
  CHECK(error_of("version: 1\nnhis:\n  - name: a\n    ownr: x\n") ==
        "nhi.yaml:4:5: nhis[0]: unknown key 'ownr' (expected name, provider, identifiers, owner, purpose, expires)");
  CHECK(error_of("version: 1\nnhis:\n  - provider: aws\n") == "nhi.yaml:3:5: nhis[0]: 'name' is required");
  CHECK(error_of("version: 1\nnhis:\n  - name: a\n    name: b\n") == "nhi.yaml:4:5: nhis[0]: key 'name' appears twice");
  CHECK(error_of("version: 1\nnhis:\n  - just-a-name\n") ==
        "nhi.yaml:3:5: nhis[0]: expected a mapping with name, provider, identifiers, …, found 'just-a-name'");
  CHECK(error_of("version: 1\nnhis: {a: 1}\n") == "nhi.yaml:2:7: nhis: expected a list of entries, found a mapping");
  CHECK(error_of("version: 1\nnhis: []\n---\nversion: 1\n").rfind("nhi.yaml:", 0) == 0);
}

TEST_CASE("declared inventory: values of the wrong type are refused", "[inventory][declared]") {
  CHECK(error_of("version: 1\nnhis:\n  - name: a\n    identifiers: AKIA1\n") ==
        "nhi.yaml:4:18: nhis[0].identifiers: expected a list of strings, found 'AKIA1'");
  CHECK(error_of("version: 1\nnhis:\n  - name: a\n    identifiers: [x, [y]]\n") ==
        "nhi.yaml:4:22: nhis[0].identifiers: expected a non-empty string, found a list");
  CHECK(error_of("version: 1\nnhis:\n  - name: a\n    owner: {team: x}\n") ==
        "nhi.yaml:4:12: nhis[0].owner: expected a string, found a mapping");
  CHECK(error_of("version: 1\nnhis:\n  - name: [a]\n") ==
        "nhi.yaml:3:11: nhis[0].name: expected a string, found a list");
  CHECK(error_of("version: 1\nnhis:\n  - name: ''\n") == "nhi.yaml:3:11: nhis[0].name: must not be empty");
  CHECK(error_of("version: 1\nnhis:\n  - name: a\n    expires: next year\n") ==
        "nhi.yaml:4:14: nhis[0].expires: expected a date (YYYY-MM-DD), found 'next year'");
  CHECK(error_of("version: 1\nnhis:\n  - name: a\n    expires: 2025-13-01\n") ==
        "nhi.yaml:4:14: nhis[0].expires: expected a date (YYYY-MM-DD), found '2025-13-01'");
  CHECK(error_of("version: 1\nnhis: []\noffboarded: bob\n") ==
        "nhi.yaml:3:13: offboarded: expected a list of strings, found 'bob'");
}

TEST_CASE("declared inventory: duplicate names and identifiers claimed twice are refused", "[inventory][declared]") {
  CHECK(error_of("version: 1\nnhis:\n  - name: deploy\n  - name: other\n  - name: deploy\n") ==
        "nhi.yaml:5:11: duplicate name 'deploy' (first declared on line 3)");
  CHECK(error_of(
            "version: 1\nnhis:\n  - name: a\n    identifiers: [AKIAX]\n  - name: b\n    identifiers: [x, akiax]\n") ==
        "nhi.yaml:6:22: identifier 'akiax' is already declared by 'a' (line 3)");
}

TEST_CASE("declared inventory: a stray flow token ends with an error, not a parser that never returns",
          "[inventory][declared]") {
  // yaml-cpp 0.7's LoadAll loops forever on these (fuzz_declared_inventory found the first;
  // tests/fuzz/crashes/yaml_stray_comma_loadall_loop.yaml).
  CHECK(error_of(", \"project_id\": \"p\"}") == "nhi.yaml:1:1: unexpected text where a YAML mapping should start");
  CHECK(error_of(",") == "nhi.yaml:1:1: unexpected text where a YAML mapping should start");
  CHECK(error_of("\n\n  ,\nversion: 1\n") == "nhi.yaml:3:3: unexpected text where a YAML mapping should start");
  // A plain scalar spanning lines is quoted on one line (fuzz_declared_inventory).
  CHECK(error_of("Just-Some-Words:--\n  \nb3-") ==
        "nhi.yaml:1:1: expected a mapping with 'version: 1' and 'nhis:', found 'Just-Some-Words:--\\nb3-'");
  CHECK(error_of("version: 1\nnhis: []\n\"a\\tb\\x01\": 1\n") ==
        "nhi.yaml:3:1: top level: unknown key 'a\\tb\\x01' (expected version, nhis, offboarded)");
  // yaml-cpp's own messages too: it names an unknown escape by the raw character.
  CHECK(error_of("\"a\\\x01\": 1\n") == "nhi.yaml:1:5: unknown escape character: \\x01");
  // A second document is still refused as one.
  CHECK(error_of("version: 1\nnhis: []\n---\nversion: 1\n") == "nhi.yaml:3:1: more than one YAML document");
}

TEST_CASE("declared inventory: a missing or oversized file is one clear line", "[inventory][declared]") {
  TempDir dir;
  const auto missing = load_declared_inventory(dir.path() + "/none.yaml");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == dir.path() + "/none.yaml: cannot read the declared inventory");
  const std::string big = dir.write("big.yaml", std::string(9u << 20, '#'));
  const auto oversized = load_declared_inventory(big);
  REQUIRE_FALSE(oversized.ok());
  CHECK(oversized.error().message.find("larger than 8 MiB") != std::string::npos);
  const std::string good = dir.write("nhi.yaml", kValid);
  const auto loaded = load_declared_inventory(good);
  REQUIRE(loaded.ok());
  CHECK(loaded.value().path == good);
  CHECK(loaded.value().nhis.size() == 3);
}
