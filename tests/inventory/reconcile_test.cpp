// Reconciliation of built identities with a declared inventory: each class on a case built for
// it and on its near miss, the declared owner attached (also through an attribute), and NHI1.
#include <catch2/catch.hpp>

#include <string>

#include "src/inventory/reconcile.h"
#include "tests/inventory/inventory_test_support.h"

using namespace sprawl;
using namespace sprawl::test;

namespace {

constexpr const char* kNow = "2025-06-01T00:00:00Z";

DeclaredInventory declared(const std::string& yaml) {
  auto parsed = parse_declared_inventory(yaml, "nhi.yaml");
  if (!parsed.ok()) FAIL(parsed.error().message);
  return parsed.value();
}

InventoryInputs inputs_now() {
  InventoryInputs inputs;
  inputs.scan_time = kNow;
  return inputs;
}

/// A GitHub token finding whose live check named its owner.
Finding github_token(std::uint32_t seed, const std::string& login, const std::string& status = "valid") {
  Finding f = finding_at("github-pat-classic", fake_github_pat(seed), "deploy/ci.env");
  f.validity.status = status;
  f.validity.method = "live";
  f.validity.checked_at = "2025-05-31T00:00:00Z";
  if (!login.empty()) f.validity.identity = {{"login", login}};
  return f;
}

std::string attribute(const Identity& identity, const std::string& name) {
  for (const auto& [key, value] : identity.attributes)
    if (key == name) return value;
  return "";
}

bool has_policy(const Identity& identity, const std::string& id) {
  for (const auto& flag : identity.policies)
    if (flag.id == id) return true;
  return false;
}

/// Builds, reconciles and returns the one identity of `finding`.
Identity reconciled_one(const Finding& finding, const DeclaredInventory& inventory, ReconcileSummary& summary) {
  auto identities = build_reconciled_identities({finding}, inputs_now(), inventory, summary);
  REQUIRE(identities.size() == 1);
  return identities[0];
}

}  // namespace

TEST_CASE("known: a found identity matched by its identifier gets the declared owner", "[inventory][reconcile]") {
  const auto inventory = declared(
      "version: 1\nnhis:\n  - name: ci-bot\n    provider: github\n    identifiers: [octo-ci-bot]\n"
      "    owner: '@org/platform'\n    purpose: CI releases\n");
  ReconcileSummary summary;
  const Identity identity = reconciled_one(github_token(1, "octo-ci-bot"), inventory, summary);
  CHECK(attribute(identity, "declared_status") == "known");
  CHECK(attribute(identity, "declared_name") == "ci-bot");
  CHECK(attribute(identity, "declared_purpose") == "CI releases");
  REQUIRE(identity.owner);
  CHECK(identity.owner->name == "@org/platform");
  CHECK(identity.owner->source == "declared");
  CHECK(summary.known == 1);
  CHECK(summary.shadow == 0);
  CHECK(summary.declared_and_leaked == 1);
  CHECK(summary.not_found == 0);

  // Near miss: the same login declared for another provider does not match.
  const auto other_provider = declared(
      "version: 1\nnhis:\n  - name: ci-bot\n    provider: gitlab\n    identifiers: [octo-ci-bot]\n    owner: x\n");
  const Identity unmatched = reconciled_one(github_token(1, "octo-ci-bot"), other_provider, summary);
  CHECK(attribute(unmatched, "declared_status") == "shadow");
  CHECK((!unmatched.owner || unmatched.owner->source != "declared"));
  CHECK(summary.known == 0);
  CHECK(summary.not_found == 1);
}

TEST_CASE("known through an attribute: an AWS account id attaches the owner, ignoring case", "[inventory][reconcile]") {
  const std::string key_id = fake_aws_key_id(7);
  Finding key = finding_at("aws-access-key-id", key_id, "config/app.ini");
  key.validity.status = "format_valid";
  key.validity.identity = {{"account_id", "012345678901"}};
  const auto by_account = declared(
      "version: 1\nnhis:\n  - name: billing\n    provider: aws\n    identifiers: ['012345678901']\n"
      "    owner: billing@example.com\n");
  ReconcileSummary summary;
  const Identity identity = reconciled_one(key, by_account, summary);
  CHECK(identity.identifier == key_id);
  CHECK(attribute(identity, "declared_status") == "known");
  REQUIRE(identity.owner);
  CHECK(identity.owner->name == "billing@example.com");
  CHECK(identity.owner->source == "declared");

  std::string lower_id = key_id;
  for (char& c : lower_id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto by_lower_key =
      declared("version: 1\nnhis:\n  - name: billing\n    identifiers: [" + lower_id + "]\n    owner: b@example.com\n");
  const Identity lower = reconciled_one(key, by_lower_key, summary);
  REQUIRE(lower.owner);
  CHECK(lower.owner->name == "b@example.com");
  CHECK(lower.owner->source == "declared");
}

TEST_CASE("shadow: a found identity nobody declared", "[inventory][reconcile]") {
  const auto inventory =
      declared("version: 1\nnhis:\n  - name: ci-bot\n    identifiers: [octo-ci-bot]\n    owner: a@example.com\n");
  ReconcileSummary summary;
  auto identities = build_reconciled_identities({github_token(1, "octo-ci-bot"), github_token(2, "someone-else")},
                                                inputs_now(), inventory, summary);
  REQUIRE(identities.size() == 2);
  CHECK(summary.known == 1);
  CHECK(summary.shadow == 1);
  REQUIRE(summary.shadows.size() == 1);
  CHECK(summary.shadows[0].identifier == "someone-else");
  const std::string text = render_reconcile_summary(summary);
  CHECK(text.find("known 1, shadow 1,") != std::string::npos);
  CHECK(text.find("shadow: " + summary.shadows[0].id + " github someone-else") != std::string::npos);
  // Long lists stop at max_listed lines and count the rest.
  const std::string cut = render_reconcile_summary(summary, 0);
  CHECK(cut.find("shadow: ") == std::string::npos);
  CHECK(cut.find("  ... and 1 more shadow\n") != std::string::npos);
  CHECK(cut.find("  ... and 1 more declared-and-leaked\n") != std::string::npos);
}

TEST_CASE("orphaned: declared without an owner, or with an offboarded one, found or not", "[inventory][reconcile]") {
  const auto inventory = declared(
      "version: 1\nnhis:\n"
      "  - name: no-owner\n    identifiers: [octo-a]\n"
      "  - name: gone-owner\n    identifiers: [octo-b]\n    owner: bob@example.com\n"
      "  - name: gone-not-found\n    identifiers: [octo-c]\n    owner: bob@example.com\n"
      "  - name: fine\n    identifiers: [octo-d]\n    owner: alice@example.com\n"
      "offboarded: [bob@example.com]\n");
  ReconcileSummary summary;
  auto identities =
      build_reconciled_identities({github_token(1, "octo-a"), github_token(2, "octo-b"), github_token(4, "octo-d")},
                                  inputs_now(), inventory, summary);
  REQUIRE(identities.size() == 3);
  CHECK(summary.orphaned == 3);  // declarations: no-owner, gone-owner (found) and gone-not-found
  CHECK(summary.orphaned_identities == 2);
  CHECK(summary.known == 1);  // the near miss: an owner who has not left
  CHECK(summary.not_found == 1);
  CHECK(summary.entries[0].orphan_reason == "no owner declared");
  CHECK(summary.entries[1].orphan_reason == "owner bob@example.com is offboarded");
  CHECK(summary.entries[3].orphan_reason.empty());
  for (const auto& identity : identities) {
    const std::string name = attribute(identity, "declared_name");
    CHECK(attribute(identity, "declared_status") == (name == "fine" ? "known" : "orphaned"));
  }
  const std::string text = render_reconcile_summary(summary);
  CHECK(text.find("orphaned: gone-not-found (line 8): owner bob@example.com is offboarded; not found") !=
        std::string::npos);
  CHECK(text.find("not found: gone-not-found (line 8)") != std::string::npos);
}

TEST_CASE("declared-and-leaked: a declaration found in the scan; the near miss is not found",
          "[inventory][reconcile]") {
  const auto inventory = declared(
      "version: 1\nnhis:\n  - name: leaked\n    identifiers: [octo-leaked]\n    owner: a@example.com\n"
      "  - name: safe\n    identifiers: [octo-safe]\n    owner: a@example.com\n");
  ReconcileSummary summary;
  auto identities = build_reconciled_identities({github_token(1, "octo-leaked")}, inputs_now(), inventory, summary);
  CHECK(summary.declared_and_leaked == 1);
  CHECK(summary.not_found == 1);
  CHECK(summary.entries[0].identity_ids == std::vector<std::string>{identities[0].id});
  CHECK(summary.entries[1].identity_ids.empty());
  const std::string text = render_reconcile_summary(summary);
  CHECK(text.find("declared-and-leaked: leaked -> " + identities[0].id +
                  " github known, owner a@example.com (declared)") != std::string::npos);
  CHECK(text.find("not found: safe") != std::string::npos);
}

TEST_CASE("expired-but-still-valid: declared expiry past and the provider still accepts it", "[inventory][reconcile]") {
  const auto inventory = declared(
      "version: 1\nnhis:\n  - name: old\n    identifiers: [octo-old]\n    owner: a@example.com\n"
      "    expires: 2025-01-31\n  - name: current\n    identifiers: [octo-new]\n    owner: a@example.com\n"
      "    expires: 2026-01-31\n");
  ReconcileSummary summary;
  const Identity expired = reconciled_one(github_token(1, "octo-old"), inventory, summary);
  CHECK(attribute(expired, "declared_status") == "expired-but-still-valid");
  CHECK(attribute(expired, "declared_expires") == "2025-01-31");
  CHECK(summary.expired_but_valid == 1);
  CHECK(summary.known == 0);

  // Near misses: expired but no longer valid; valid but not yet expired.
  const Identity dead = reconciled_one(github_token(1, "octo-old", "invalid"), inventory, summary);
  CHECK(attribute(dead, "declared_status") == "known");
  CHECK(summary.expired_but_valid == 0);
  const Identity current = reconciled_one(github_token(2, "octo-new"), inventory, summary);
  CHECK(attribute(current, "declared_status") == "known");
}

TEST_CASE("NHI1 fires for a valid identity whose declared owner is offboarded", "[inventory][reconcile]") {
  const auto inventory = declared(
      "version: 1\nnhis:\n  - name: sync\n    identifiers: [octo-sync]\n    owner: bob@example.com\n"
      "offboarded: [bob@example.com]\n");
  ReconcileSummary summary;
  const Identity valid = reconciled_one(github_token(1, "octo-sync"), inventory, summary);
  CHECK(has_policy(valid, "NHI1"));
  REQUIRE(valid.owner);
  CHECK(valid.owner->source == "declared");

  // Near misses: the same owner not offboarded, and an offboarded owner's credential that is dead.
  const auto active =
      declared("version: 1\nnhis:\n  - name: sync\n    identifiers: [octo-sync]\n    owner: bob@example.com\n");
  CHECK_FALSE(has_policy(reconciled_one(github_token(1, "octo-sync"), active, summary), "NHI1"));
  CHECK_FALSE(has_policy(reconciled_one(github_token(1, "octo-sync", "invalid"), inventory, summary), "NHI1"));
}

TEST_CASE("reconcile is idempotent: declared attributes are replaced, not repeated", "[inventory][reconcile]") {
  const auto inventory =
      declared("version: 1\nnhis:\n  - name: ci-bot\n    identifiers: [octo-ci-bot]\n    owner: a@example.com\n");
  ReconcileSummary summary;
  auto identities = build_reconciled_identities({github_token(1, "octo-ci-bot")}, inputs_now(), inventory, summary);
  const std::size_t attributes = identities[0].attributes.size();
  summary = reconcile(identities, inventory, kNow);
  CHECK(identities[0].attributes.size() == attributes);
  CHECK(match_declaration(identities[0], inventory) == std::optional<std::size_t>{0});
}
