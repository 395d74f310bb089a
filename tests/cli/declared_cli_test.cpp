// End-to-end: `scan --declared nhi.yaml` through the CLI — the declared owner attached to the
// identity it names (known), an undeclared token reported as shadow, the classes kept in the
// datastore, and a malformed file reported by line without losing the scan's findings.
#include <catch2/catch.hpp>

#include <simdjson.h>

#include <string>

#include "tests/support/cli_runner.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

namespace {

struct Row {
  std::string id, provider, owner, owner_source, declared_status, declared_name;
};

std::vector<Row> rows_of(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json);
  std::vector<Row> out;
  for (simdjson::dom::element i : root["identities"].get_array()) {
    Row r;
    r.id = std::string(std::string_view(i["id"]));
    r.provider = std::string(std::string_view(i["provider"]));
    simdjson::dom::element owner;
    if (i["owner"].get(owner) == simdjson::SUCCESS) {
      r.owner = std::string(std::string_view(owner["name"]));
      r.owner_source = std::string(std::string_view(owner["source"]));
    }
    std::string_view value;
    if (i["attributes"]["declared_status"].get(value) == simdjson::SUCCESS) r.declared_status = value;
    if (i["attributes"]["declared_name"].get(value) == simdjson::SUCCESS) r.declared_name = value;
    out.push_back(r);
  }
  return out;
}

const Row* by_provider(const std::vector<Row>& rows, const std::string& provider) {
  for (const auto& r : rows)
    if (r.provider == provider) return &r;
  return nullptr;
}

std::size_t findings_in(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json);
  return simdjson::dom::array(root["findings"]).size();
}

}  // namespace

TEST_CASE("scan --declared: the declared AWS key is known with its owner, an undeclared token is shadow",
          "[cli][inventory][declared]") {
  TempDir dir;
  const std::string key_id = fake_aws_key_id(901);
  const std::string secret = random_chars(kBase62, 40, 902);
  dir.write("repo/config/aws.ini",
            "[default]\naws_access_key_id = " + key_id + "\naws_secret_access_key = " + secret + "\n");
  dir.write("repo/deploy/ci.env", "GITHUB_TOKEN=" + fake_github_pat(903) + "\n");
  const std::string nhi =
      dir.write("nhi.yaml",
                "version: 1\nnhis:\n"
                "  - name: billing-deploy\n    provider: aws\n    identifiers: [" +
                    key_id +
                    "]\n"
                    "    owner: billing-team@example.com\n    purpose: deploys billing\n"
                    "  - name: retired-sync\n    identifiers: [sync-bot]\n    owner: bob@example.com\n"
                    "offboarded: [bob@example.com]\n");
  const std::string store = dir.path() + "/inventory.db";

  const auto scan = run_sprawl(
      {"scan", dir.path() + "/repo", "--declared", nhi, "--inventory", "--format", "json", "--datastore", store});
  INFO(scan.err);
  CHECK(scan.exit_code == 1);
  CHECK(findings_in(scan.out) == 3);  // the report on stdout is untouched
  // The reconciliation summary follows the identity table (on stderr, the JSON report has stdout).
  CHECK(scan.err.find("2 identities") != std::string::npos);
  CHECK(scan.err.find("Declared inventory " + nhi + ": 2 NHIs declared, 2 identities found") != std::string::npos);
  CHECK(scan.err.find("known 1, shadow 1, orphaned 1, declared-and-leaked 1, expired-but-still-valid 0, "
                      "declared but not found 1") != std::string::npos);
  CHECK(scan.err.find("orphaned: retired-sync (line 8): owner bob@example.com is offboarded; not found") !=
        std::string::npos);
  CHECK(scan.err.find("owner billing-team@example.com (declared)") != std::string::npos);
  CHECK(scan.err.find(secret) == std::string::npos);

  const auto listed = run_sprawl({"inventory", "--datastore", store, "-f", "json"});
  REQUIRE(listed.exit_code == 0);
  const auto rows = rows_of(listed.out);
  REQUIRE(rows.size() == 2);
  const Row* aws = by_provider(rows, "aws");
  const Row* github = by_provider(rows, "github");
  REQUIRE(aws);
  REQUIRE(github);
  CHECK(aws->owner == "billing-team@example.com");
  CHECK(aws->owner_source == "declared");
  CHECK(aws->declared_status == "known");
  CHECK(aws->declared_name == "billing-deploy");
  CHECK(github->declared_status == "shadow");
  CHECK(github->owner_source != "declared");
  CHECK(scan.err.find("declared-and-leaked: billing-deploy -> " + aws->id + " aws known") != std::string::npos);
  CHECK(scan.err.find("shadow: " + github->id + " github") != std::string::npos);
}

TEST_CASE("scan --declared alone builds the inventory and prints the reconciliation", "[cli][inventory][declared]") {
  TempDir dir;
  dir.write("repo/deploy/ci.env", "GITHUB_TOKEN=" + fake_github_pat(911) + "\n");
  const std::string nhi = dir.write("nhi.yaml", "version: 1\nnhis: []\n");
  const auto scan = run_sprawl({"scan", dir.path() + "/repo", "--declared", nhi});
  CHECK(scan.exit_code == 1);
  CHECK(scan.out.find("known 0, shadow 1,") != std::string::npos);  // the human report is on stdout
  CHECK(scan.out.find("IDENTIFIER") == std::string::npos);          // no table without --inventory
}

TEST_CASE("scan --declared with a malformed file: FILE:LINE on stderr, exit 2, the findings still reported",
          "[cli][inventory][declared]") {
  TempDir dir;
  dir.write("repo/deploy/ci.env", "GITHUB_TOKEN=" + fake_github_pat(921) + "\n");
  const std::string nhi = dir.write("nhi.yaml", "version: 1\nnhis:\n  - name: ci\n    ownr: alice@example.com\n");
  const std::string error_line = "sprawl: error: " + nhi + ":4:5: nhis[0]: unknown key 'ownr'";

  // The token is high, below --fail-on critical: the unusable declared file alone decides the exit code.
  const auto gated = run_sprawl(
      {"scan", dir.path() + "/repo", "--declared", nhi, "--inventory", "--format", "json", "--fail-on", "critical"});
  CHECK(gated.exit_code == 2);
  CHECK(gated.err.find(error_line) != std::string::npos);
  CHECK(findings_in(gated.out) == 1);
  CHECK(gated.err.find("1 identity") != std::string::npos);  // the inventory is still built, without the file

  // With findings failing the gate, exit 1 wins as for every other error (docs/ci.md), the error still printed.
  const auto failing = run_sprawl({"scan", dir.path() + "/repo", "--declared", nhi, "--format", "json"});
  CHECK(failing.exit_code == 1);
  CHECK(failing.err.find(error_line) != std::string::npos);
  CHECK(findings_in(failing.out) == 1);

  const auto missing =
      run_sprawl({"scan", dir.path() + "/repo", "--declared", dir.path() + "/none.yaml", "--fail-on", "critical"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("none.yaml: cannot read the declared inventory") != std::string::npos);
}
