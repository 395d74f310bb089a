// The built-in rule catalog (rules/*.toml embedded in the binary): size and metadata quality.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <set>
#include <string>

#include "src/rules/builtin_rules.h"

namespace {

// The nhi_type values listed in docs/rules-format.md.
constexpr std::array<std::string_view, 12> kNhiTypes = {
    "api_key",  "oauth_token",       "service_account", "ssh_key",           "private_key",  "certificate",
    "password", "connection_string", "webhook",         "workload_identity", "ai_agent_key", "session_token"};

bool valid_id(const std::string& id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

}  // namespace

TEST_CASE("built-in rules load and validate", "[rules]") {
  REQUIRE_FALSE(sprawl::embedded_rule_files().empty());
  auto config = sprawl::load_builtin_rules();
  if (!config) FAIL(config.error().message);
  CHECK_FALSE(config->rules.empty());
  CHECK(sprawl::validate_rules(config->rules).ok());
}

TEST_CASE("built-in rules number at least 120", "[rules]") {
  auto config = sprawl::load_builtin_rules();
  REQUIRE(config.ok());
  CHECK(config->rules.size() >= 120);
}

TEST_CASE("every built-in rule has complete metadata and examples", "[rules]") {
  auto config = sprawl::load_builtin_rules();
  REQUIRE(config.ok());
  for (const auto& rule : config->rules) {
    INFO("rule '" << rule.id << "' from " << rule.source);
    CHECK(valid_id(rule.id));
    CHECK_FALSE(rule.regex.empty());
    CHECK_FALSE(rule.description.empty());
    CHECK(rule.description != rule.id);  // not the id-as-description fallback
    CHECK_FALSE(rule.provider.empty());
    CHECK(std::find(kNhiTypes.begin(), kNhiTypes.end(), rule.nhi_type) != kNhiTypes.end());
    CHECK_FALSE(rule.examples.empty());
    CHECK_FALSE(rule.negative_examples.empty());
  }
}
