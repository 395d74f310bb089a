// Risk: 0–100, monotonic in validity, every point explained.
#include <catch2/catch.hpp>

#include <numeric>
#include <regex>

#include "src/inventory/policies.h"
#include "src/inventory/risk.h"

using namespace sprawl;

namespace {

Identity sample(const std::string& validity) {
  Identity identity;
  identity.validity = validity;
  identity.first_seen = "2025-01-01T00:00:00Z";
  identity.present = true;
  IdentityLocation loc;
  loc.path = "a.env";
  identity.locations = {loc};
  return identity;
}

const RiskInputs k_now{"2025-01-02T00:00:00Z", 365};

/// The points a reason claims: "… (+N)".
int points_of(const std::string& reason) {
  std::smatch m;
  REQUIRE(std::regex_search(reason, m, std::regex(R"(\(\+(\d+)\)$)")));
  return std::stoi(m[1]);
}

}  // namespace

TEST_CASE("risk is monotonic in validity: valid > unknown > invalid", "[inventory]") {
  const auto valid = score_risk(sample("valid"), Severity::high, k_now);
  const auto unknown = score_risk(sample("unknown"), Severity::high, k_now);
  const auto unchecked = score_risk(sample(""), Severity::high, k_now);
  const auto invalid = score_risk(sample("invalid"), Severity::high, k_now);
  CHECK(valid.score > unknown.score);
  CHECK(unknown.score > invalid.score);
  CHECK(unchecked.score == unknown.score);
  CHECK(valid.reasons.front().starts_with("valid"));
}

TEST_CASE("every risk point has a reason, and the score stays within 0-100", "[inventory]") {
  Identity identity = sample("valid");
  identity.first_seen = "2020-01-01T00:00:00Z";
  identity.environments = {"prod", "dev"};
  identity.locations[0].image = "app:1";
  identity.policies = {{"NHI5", "over-privileged", ""}, {"NHI9", "reused", ""}, {"NHI1", "", ""}, {"NHI10", "", ""}};
  const auto high = score_risk(identity, Severity::critical, k_now);
  CHECK(high.score == 100);  // capped
  const auto low = score_risk(sample("invalid"), Severity::low, k_now);
  const int sum = std::accumulate(low.reasons.begin(), low.reasons.end(), 0,
                                  [](int total, const std::string& r) { return total + points_of(r); });
  CHECK(sum == low.score);
  CHECK(low.score > 0);
  CHECK(low.score < 50);
}

TEST_CASE("risk rises with exposure, age, prod, reuse and over-privilege", "[inventory]") {
  const int base = score_risk(sample("unknown"), Severity::medium, k_now).score;
  Identity history_only = sample("unknown");
  history_only.present = false;
  CHECK(score_risk(history_only, Severity::medium, k_now).score < base);
  Identity old = sample("unknown");
  old.first_seen = "2023-01-01T00:00:00Z";
  CHECK(score_risk(old, Severity::medium, k_now).score > base);
  Identity prod = sample("unknown");
  prod.environments = {"prod"};
  CHECK(score_risk(prod, Severity::medium, k_now).score > base);
  Identity reused = sample("unknown");
  reused.policies = {{"NHI9", "reused", ""}};
  CHECK(score_risk(reused, Severity::medium, k_now).score > base);
  CHECK(score_risk(sample("unknown"), Severity::critical, k_now).score > base);
}
