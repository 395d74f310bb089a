// gitleaks v8 compatibility of the rule layer: [extend] path chains and rule amendment, path-only
// rules, the keyword gate, and rules Hyperscan cannot compile.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "src/match/keyword_gate.h"
#include "src/match/matcher.h"
#include "src/match/rule_database.h"
#include "src/rules/config_loader.h"
#include "tests/support/temp_dir.h"

using namespace sprawl;
using sprawl::test::TempDir;

namespace {

RuleConfig load_ok(const std::string& path) {
  auto config = load_rule_config_file(path);
  if (!config) FAIL("load failed: " << config.error().message);
  return std::move(config.value());
}

const Rule* find_rule(const RuleConfig& config, const std::string& id) {
  auto it = std::find_if(config.rules.begin(), config.rules.end(), [&](const Rule& r) { return r.id == id; });
  return it == config.rules.end() ? nullptr : &*it;
}

Rule make_rule(const std::string& id, const std::string& regex, std::vector<std::string> keywords = {}) {
  Rule rule;
  rule.id = id;
  rule.regex = regex;
  rule.keywords = std::move(keywords);
  rule.keywords_required = !rule.keywords.empty();
  return rule;
}

std::vector<std::string> matched_rules(const RuleDatabase& db, std::string_view text) {
  auto matcher = Matcher::create(db);
  REQUIRE(matcher.ok());
  std::vector<Match> out;
  matcher->scan(text, false, out);
  db.keyword_gate().filter(text, out);
  std::vector<std::string> ids;
  for (const auto& m : out) ids.push_back(db.rules()[m.rule_index].rule->id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

TEST_CASE("[extend] path loads the base config relative to the extending file", "[gitleaks]") {
  TempDir dir;
  dir.write("shared/base.toml",
            "[[rules]]\nid = \"base-token\"\nregex = '''base_[a-z0-9]{16}'''\nkeywords = [\"base_\"]\n\n"
            "[[rules]]\nid = \"noisy\"\nregex = '''noisy_[a-z]{8}'''\n\n"
            "[[allowlists]]\ndescription = \"base list\"\npaths = ['''^vendor/''']\n");
  dir.write("repo/.gitleaks.toml",
            "[extend]\npath = \"../shared/base.toml\"\ndisabledRules = [\"noisy\"]\n\n"
            "[[rules]]\nid = \"own\"\nregex = '''own_[a-z]{10}'''\n");
  const RuleConfig config = load_ok(dir / "repo/.gitleaks.toml");
  REQUIRE(config.rules.size() == 2);
  CHECK(config.rules[0].id == "base-token");
  CHECK(config.rules[1].id == "own");
  REQUIRE(config.allowlists.size() == 1);
  CHECK(config.allowlists[0].description == "base list");
  CHECK_FALSE(config.extend_use_default);
}

TEST_CASE("a redefined rule amends the rule it extends, as gitleaks merges them", "[gitleaks]") {
  TempDir dir;
  dir.write("base.toml",
            "[[rules]]\nid = \"svc\"\ndescription = \"Service key\"\nregex = '''svc_[a-z]{12}'''\nentropy = 3.0\n"
            "keywords = [\"svc_\"]\ntags = [\"base\"]\n");
  dir.write("top.toml",
            "[extend]\npath = \"base.toml\"\n\n[[rules]]\nid = \"svc\"\nkeywords = [\"service\"]\ntags = [\"team\"]\n"
            "  [[rules.allowlists]]\n  stopwords = [\"svc_testing\"]\n");
  const RuleConfig config = load_ok(dir / "top.toml");
  const Rule* rule = find_rule(config, "svc");
  REQUIRE(rule != nullptr);
  CHECK(rule->description == "Service key");  // unset fields keep the base's
  CHECK(rule->regex == "svc_[a-z]{12}");
  CHECK(rule->entropy == Approx(3.0));
  CHECK(rule->keywords == std::vector<std::string>{"svc_", "service"});
  CHECK(rule->tags == std::vector<std::string>{"base", "team"});
  REQUIRE(rule->allowlists.size() == 1);
  CHECK(rule->allowlists[0].stopwords == std::vector<std::string>{"svc_testing"});
}

TEST_CASE("a rule without regex or path is an error unless it amends an extended rule", "[gitleaks]") {
  CHECK_FALSE(parse_rule_config("[[rules]]\nid = \"empty\"\n", "x.toml"));
  auto lonely = parse_rule_config("[extend]\nuseDefault = true\n[[rules]]\nid = \"nothing-to-amend\"\n", "x.toml");
  REQUIRE(lonely);
  RuleConfig builtin;
  builtin.rules.push_back(make_rule("other", "other_[a-z]{8}"));
  const RuleConfig merged = merge_with_builtin(builtin, lonely.value());
  const auto status = validate_rules(merged.rules);
  REQUIRE_FALSE(status);
  CHECK(status.error().message.find("nothing-to-amend") != std::string::npos);
}

TEST_CASE("[extend] chains deeper than gitleaks allows, or cycles, are refused", "[gitleaks]") {
  TempDir dir;
  dir.write("a.toml", "[extend]\npath = \"b.toml\"\n");
  dir.write("b.toml", "[extend]\npath = \"a.toml\"\n");
  auto config = load_rule_config_file(dir / "a.toml");
  REQUIRE_FALSE(config);
  CHECK(config.error().message.find("more than 2 deep") != std::string::npos);
  CHECK_FALSE(parse_rule_config("[extend]\nuseDefault = true\npath = \"b.toml\"\n", "x.toml"));
}

TEST_CASE("useDefault in an extended config keeps the defaults, minus both configs' disabledRules", "[gitleaks]") {
  TempDir dir;
  dir.write("base.toml", "[extend]\nuseDefault = true\ndisabledRules = [\"builtin-a\"]\n");
  dir.write("top.toml",
            "[extend]\npath = \"base.toml\"\ndisabledRules = [\"builtin-b\"]\n\n"
            "[[rules]]\nid = \"mine\"\nregex = '''mine_[a-z]{8}'''\nkeywords = [\"mine_\"]\n");
  RuleConfig builtin;
  for (const char* id : {"builtin-a", "builtin-b", "builtin-c"}) builtin.rules.push_back(make_rule(id, "x"));
  builtin.rules[2].keywords = {"c_"};
  const RuleConfig merged = merge_with_builtin(builtin, load_ok(dir / "top.toml"));
  REQUIRE(merged.rules.size() == 2);
  CHECK(merged.rules[0].id == "builtin-c");
  CHECK_FALSE(merged.rules[0].keywords_required);  // built-in rules are not keyword-gated
  CHECK(merged.rules[1].id == "mine");
  CHECK(merged.rules[1].keywords_required);
}

TEST_CASE("a path-only rule loads and stays out of the Hyperscan database", "[gitleaks]") {
  auto config = parse_rule_config("[[rules]]\nid = \"pkcs12\"\npath = '''(?i)\\.(p12|pfx)$'''\n", "x.toml");
  REQUIRE(config);
  REQUIRE(config->rules.size() == 1);
  CHECK(config->rules[0].regex.empty());
  std::vector<Rule> rules = config->rules;
  rules.push_back(make_rule("tok", "tok_[a-z]{8}"));
  auto db = RuleDatabase::build(rules, DatabaseOptions{});
  REQUIRE(db);
  CHECK((*db)->rejected().empty());
  CHECK((*db)->path_only_rules() == std::vector<std::uint32_t>{0});
  CHECK(matched_rules(**db, "tok_abcdefgh") == std::vector<std::string>{"tok"});
  auto only = RuleDatabase::build(config->rules, DatabaseOptions{});  // nothing for Hyperscan at all
  REQUIRE(only);
  CHECK((*only)->hyperscan() == nullptr);
  CHECK(matched_rules(**only, "anything").empty());
}

TEST_CASE("caseless literal search finds keywords in any case and nowhere else", "[gitleaks]") {
  const CaselessLiteral literal("Token:");
  CHECK(literal.found_in("api TOKEN: x"));
  CHECK(literal.found_in("token:"));
  CHECK(literal.found_in("xxtoKen:"));
  CHECK_FALSE(literal.found_in("token "));
  CHECK_FALSE(literal.found_in("toke"));
  CHECK_FALSE(literal.found_in(""));
  CHECK(CaselessLiteral("aab").found_in("aaaab"));
}

TEST_CASE("the keyword gate drops matches of gated rules in blobs without their keywords", "[gitleaks]") {
  std::vector<Rule> rules = {make_rule("gated", R"(\b(k[0-9]{8})\b)", {"deploy_key"}),
                             make_rule("ungated", R"(\b(q[0-9]{8})\b)")};
  rules.push_back(make_rule("builtin-like", R"(\b(z[0-9]{8})\b)", {"never-present"}));
  rules.back().keywords_required = false;
  auto db = RuleDatabase::build(rules, DatabaseOptions{});
  REQUIRE(db);
  CHECK(matched_rules(**db, "x = k12345678 q12345678 z12345678") ==
        std::vector<std::string>{"builtin-like", "ungated"});
  auto with_keyword = matched_rules(**db, "DEPLOY_KEY\nx = k12345678\n");
  CHECK(with_keyword == std::vector<std::string>{"gated"});
}

TEST_CASE("a rule Hyperscan rejects even as a prefilter runs on RE2 alone when it has keywords", "[gitleaks]") {
  // Embedded multi-line anchors: valid RE2 (and Go regexp), rejected by Hyperscan in both modes.
  const std::string regex = R"((?m)^token:\s*$\s*^\s+([a-z0-9]{24})$)";
  auto db = RuleDatabase::build({make_rule("yaml-token", regex, {"token:"}), make_rule("no-keywords", regex)},
                                DatabaseOptions{});
  REQUIRE(db);
  REQUIRE((*db)->rejected().size() == 1);
  CHECK((*db)->rejected()[0].rule_id == "no-keywords");
  REQUIRE((*db)->re2_only_rules().size() == 1);
  CHECK(matched_rules(**db, "a: 1\ntoken:\n   q8w7e6r5t4y3u2i1o0p9a8s7\nb: 2\n") ==
        std::vector<std::string>{"yaml-token"});
  CHECK(matched_rules(**db, "token: q8w7e6r5t4y3u2i1o0p9a8s7\n").empty());
}

TEST_CASE("rules RE2 runs alone survive the database cache", "[gitleaks]") {
  TempDir cache;
  const DatabaseOptions options{cache.path()};
  auto rules = std::vector<Rule>{make_rule("yaml-token", R"((?m)^token:\s*$\s*^\s+([a-z0-9]{24})$)", {"token:"}),
                                 make_rule("tok", "tok_[a-z]{8}")};
  auto first = RuleDatabase::build(rules, options);
  REQUIRE(first);
  auto second = RuleDatabase::build(rules, options);
  REQUIRE(second);
  CHECK((*second)->loaded_from_cache());
  CHECK((*second)->re2_only_rules() == std::vector<std::uint32_t>{0});
  CHECK(matched_rules(**second, "token:\n  q8w7e6r5t4y3u2i1o0p9a8s7\ntok_abcdefgh") ==
        std::vector<std::string>{"tok", "yaml-token"});
}
