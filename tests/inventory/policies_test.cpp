// OWASP NHI policies: each fires on a case built for it and not on its near miss.
#include <catch2/catch.hpp>

#include <algorithm>

#include "src/inventory/identity_builder.h"
#include "src/inventory/policies.h"
#include "tests/inventory/inventory_test_support.h"

using namespace sprawl;
using namespace sprawl::test;

namespace {

IdentityLocation location(const std::string& path, const std::string& repository = "repo",
                          const std::string& environment = "") {
  IdentityLocation loc;
  loc.path = path;
  loc.repository = repository;
  loc.environment = environment;
  return loc;
}

Identity identity_with(std::vector<IdentityLocation> locations) {
  Identity identity;
  identity.provider = "github";
  identity.first_seen = "2025-01-01T00:00:00Z";
  identity.locations = std::move(locations);
  return identity;
}

PolicyInputs now_at(const std::string& now) { return PolicyInputs{now, 365, {}}; }

bool flagged(const Identity& identity, const PolicyInputs& inputs, const std::string& id) {
  const auto flags = evaluate_policies(identity, inputs);
  return std::any_of(flags.begin(), flags.end(), [&](const PolicyFlag& f) { return f.id == id; });
}

}  // namespace

TEST_CASE("ISO 8601 times read with offsets, and ages count whole days", "[inventory]") {
  CHECK(parse_iso8601("1970-01-02") == 86400);
  CHECK(parse_iso8601("1970-01-01T02:00:00+02:00") == 0);
  CHECK(parse_iso8601("2024-03-01T00:00:00.123Z") == parse_iso8601("2024-03-01"));
  CHECK_FALSE(parse_iso8601("yesterday"));
  CHECK(age_in_days("2024-02-28T00:00:00Z", "2024-03-01T00:00:00Z") == 2);  // leap year
  CHECK_FALSE(age_in_days("", "2024-03-01"));
}

TEST_CASE("NHI2 leaked always fires, with its locations as evidence", "[inventory]") {
  const auto flags = evaluate_policies(identity_with({location("a.env")}), now_at("2025-01-02T00:00:00Z"));
  REQUIRE_FALSE(flags.empty());
  CHECK(flags[0].id == "NHI2");
  CHECK(flags[0].name == "leaked");
  CHECK(flags[0].evidence.find("a.env") != std::string::npos);
}

TEST_CASE("NHI7 long-lived: 366 days fires, 364 does not; a dead credential never", "[inventory]") {
  Identity identity = identity_with({location("a.env")});
  identity.first_seen = "2024-01-01T00:00:00Z";
  // 2024 is a leap year: 2024-01-01 + 366 days = 2025-01-01, + 364 days = 2024-12-30.
  identity.validity = "valid";
  CHECK(flagged(identity, now_at("2025-01-01T00:00:00Z"), "NHI7"));
  CHECK_FALSE(flagged(identity, now_at("2024-12-30T00:00:00Z"), "NHI7"));
  identity.validity = "";  // not checked: may still work
  CHECK(flagged(identity, now_at("2025-01-01T00:00:00Z"), "NHI7"));
  identity.validity = "invalid";
  CHECK_FALSE(flagged(identity, now_at("2025-01-01T00:00:00Z"), "NHI7"));
  const auto flag = check_long_lived(identity_with({}), PolicyInputs{"2030-01-01", 365, {}});
  REQUIRE(flag);
  CHECK(flag->evidence.find("over 365") != std::string::npos);
}

TEST_CASE("NHI9 reused: two repositories, images or services fire; two files of one repository do not", "[inventory]") {
  const PolicyInputs inputs = now_at("2025-01-02");
  CHECK(flagged(identity_with({location("a.env", "repo-a"), location("a.env", "repo-b")}), inputs, "NHI9"));
  CHECK(flagged(identity_with({location("services/api/.env"), location("services/web/.env")}), inputs, "NHI9"));
  IdentityLocation in_image = location("etc/app.env", "");
  in_image.image = "app:1";
  CHECK(flagged(identity_with({location("a.env"), in_image}), inputs, "NHI9"));
  CHECK_FALSE(flagged(identity_with({location("a.env"), location("config/b.env")}), inputs, "NHI9"));
  CHECK_FALSE(flagged(identity_with({location("services/api/.env"), location("services/api/b.env")}), inputs, "NHI9"));
}

TEST_CASE("NHI8 cross-environment: prod and dev fire, dev and dev do not", "[inventory]") {
  const PolicyInputs inputs = now_at("2025-01-02");
  const auto fired = check_cross_environment(
      identity_with({location(".env.production", "repo", "prod"), location(".env.dev", "repo", "dev")}));
  REQUIRE(fired);
  CHECK(fired->evidence == "prod (.env.production) and dev (.env.dev)");
  CHECK_FALSE(flagged(identity_with({location("a/.env.dev", "repo", "dev"), location("b/.env.dev", "repo", "dev")}),
                      inputs, "NHI8"));
  CHECK_FALSE(flagged(identity_with({location(".env.prod", "repo", "prod"), location("x", "repo", "")}), inputs,
                      "NHI8"));  // an unknown environment is not non-prod
}

TEST_CASE("NHI5 over-privileged: admin scopes fire, ordinary scopes do not", "[inventory]") {
  const PolicyInputs inputs = now_at("2025-01-02");
  Identity identity = identity_with({location("a")});
  identity.attributes = {{"scopes", "repo, delete_repo, gist"}};
  CHECK(flagged(identity, inputs, "NHI5"));
  identity.attributes = {{"scopes", "repo, gist"}};
  CHECK_FALSE(flagged(identity, inputs, "NHI5"));
  identity.attributes = {{"scopes", "admin:org"}};
  CHECK(flagged(identity, inputs, "NHI5"));
  identity.provider = "gitlab";
  identity.attributes = {{"scopes", "api"}};
  CHECK(flagged(identity, inputs, "NHI5"));
  identity.attributes = {{"scopes", "read_api"}};
  CHECK_FALSE(flagged(identity, inputs, "NHI5"));
  identity.provider = "aws";
  identity.attributes = {{"arn", "arn:aws:iam::123456789012:root"}};
  CHECK(flagged(identity, inputs, "NHI5"));
  identity.attributes = {{"arn", "arn:aws:iam::123456789012:user/ci"}};
  CHECK_FALSE(flagged(identity, inputs, "NHI5"));
  identity.provider = "huggingface";
  identity.attributes = {{"role", "write"}};
  CHECK(flagged(identity, inputs, "NHI5"));
  identity.attributes = {{"role", "read"}};
  CHECK_FALSE(flagged(identity, inputs, "NHI5"));
}

TEST_CASE("NHI10 human use: shell history and home dotfiles fire, a deploy script does not", "[inventory]") {
  const PolicyInputs inputs = now_at("2025-01-02");
  CHECK(flagged(identity_with({location("home/alice/.bash_history")}), inputs, "NHI10"));
  CHECK(flagged(identity_with({location(".zsh_history")}), inputs, "NHI10"));
  CHECK(flagged(identity_with({location("backup.tar!/home/bob/.aws/credentials")}), inputs, "NHI10"));
  CHECK(flagged(identity_with({location("img.tar@root/.aws/credentials")}), inputs, "NHI10"));
  CHECK(flagged(identity_with({location("Users/carol/.netrc")}), inputs, "NHI10"));
  CHECK(flagged(identity_with({location(".git-credentials")}), inputs, "NHI10"));
  CHECK_FALSE(flagged(identity_with({location("scripts/deploy.sh")}), inputs, "NHI10"));
  CHECK_FALSE(flagged(identity_with({location("infra/.aws/credentials")}), inputs, "NHI10"));  // not a home
  CHECK_FALSE(flagged(identity_with({location("docs/bash_history.md")}), inputs, "NHI10"));
}

TEST_CASE("NHI1 improper offboarding: a valid credential of an offboarded declared owner", "[inventory]") {
  PolicyInputs inputs = now_at("2025-01-02");
  inputs.offboarded = {"bob@example.com"};
  Identity identity = identity_with({location("a")});
  identity.validity = "valid";
  identity.owner = IdentityOwner{"bob@example.com", "declared"};
  CHECK(flagged(identity, inputs, "NHI1"));
  identity.validity = "invalid";
  CHECK_FALSE(flagged(identity, inputs, "NHI1"));  // already dead
  identity.validity = "valid";
  identity.owner = IdentityOwner{"carol@example.com", "declared"};
  CHECK_FALSE(flagged(identity, inputs, "NHI1"));  // owner still here
  identity.owner = IdentityOwner{"bob@example.com", "commit_author"};
  CHECK_FALSE(flagged(identity, inputs, "NHI1"));  // not a declared owner
}

TEST_CASE("policies through build_identities: cross-environment and offboarding from findings", "[inventory]") {
  const std::string token = fake_github_pat(30);
  Finding prod = finding_at("github-pat-classic", token, "config/prod/app.yaml");
  prod.validity.status = "valid";
  const Finding dev = finding_at("github-pat-classic", token, "config/dev/app.yaml");
  InventoryInputs inputs;
  inputs.scan_time = "2025-06-01T00:00:00Z";
  const std::string id = identity_id({prod.fingerprint});
  inputs.declared_owners[id] = "bob@example.com";
  inputs.offboarded = {"bob@example.com"};
  const auto ids = build_identities({prod, dev}, inputs);
  REQUIRE(ids.size() == 1);
  CHECK(ids[0].environments == std::vector<std::string>{"prod", "dev"});
  std::vector<std::string> flags;
  for (const auto& flag : ids[0].policies) flags.push_back(flag.id);
  CHECK(flags == std::vector<std::string>{"NHI1", "NHI2", "NHI8"});
}
