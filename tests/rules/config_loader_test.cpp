// Rule configuration: gitleaks-style TOML parsing, errors, merging with the built-in rules and
// validation.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "src/rules/config_loader.h"
#include "tests/support/temp_dir.h"

using sprawl::Allowlist;
using sprawl::Confidence;
using sprawl::parse_rule_config;
using sprawl::RegexTarget;
using sprawl::Rule;
using sprawl::RuleConfig;
using sprawl::Severity;

namespace {

RuleConfig parse_ok(const std::string& text, const std::string& name = "test.toml") {
  auto config = parse_rule_config(text, name);
  if (!config) FAIL("parse failed: " << config.error().message);
  return std::move(config.value());
}

std::vector<std::string> ids(const std::vector<Rule>& rules) {
  std::vector<std::string> out;
  for (const auto& r : rules) out.push_back(r.id);
  return out;
}

Rule make_rule(const std::string& id, const std::string& description = "") {
  Rule rule;
  rule.id = id;
  rule.description = description.empty() ? id : description;
  rule.regex = id + "_[a-z]{8}";
  rule.source = "builtin.toml";
  return rule;
}

const char* kGitleaksConfig = R"toml(
title = "custom gitleaks config"

[extend]
useDefault = true
disabledRules = ["generic-api-key", "slack-webhook"]

[[rules]]
id = "internal-token"
description = "Internal service token"
regex = '''(?i)\b(itk_[a-z0-9]{32})\b'''
secretGroup = 1
entropy = 3.5
keywords = ["itk_"]
path = '''\.(env|ya?ml)$'''
tags = ["internal"]

  [[rules.allowlists]]
  description = "fixtures"
  regexTarget = "line"
  regexes = ['''#\s*fixture''']
  stopwords = ["sandbox"]
  condition = "AND"

[[rules]]
id = "plain-rule"
regex = '''plain_[0-9]{6}'''

[allowlist]
description = "global"
paths = ['''(^|/)vendor/''', '''\.lock$''']
regexes = ['''^dummy''']

[[allowlists]]
description = "second"
regexTarget = "match"
regexes = ['''test_''']

[[allowlists]]
stopwords = ["example"]
)toml";

}  // namespace

TEST_CASE("parse_rule_config reads a gitleaks-style rule", "[rules]") {
  const auto config = parse_ok(kGitleaksConfig, "custom.toml");
  REQUIRE(config.rules.size() == 2);
  const Rule& rule = config.rules[0];
  CHECK(rule.id == "internal-token");
  CHECK(rule.description == "Internal service token");
  CHECK(rule.regex == R"((?i)\b(itk_[a-z0-9]{32})\b)");
  CHECK(rule.secret_group == 1);
  CHECK(rule.entropy == Approx(3.5));
  CHECK(rule.keywords == std::vector<std::string>{"itk_"});
  CHECK(rule.path_regex == R"(\.(env|ya?ml)$)");
  CHECK(rule.tags == std::vector<std::string>{"internal"});
  CHECK(rule.source == "custom.toml");
}

TEST_CASE("parse_rule_config fills defaults for fields a gitleaks rule leaves out", "[rules]") {
  const auto config = parse_ok(kGitleaksConfig);
  const Rule& rule = config.rules[1];
  CHECK(rule.id == "plain-rule");
  CHECK(rule.description == "plain-rule");
  CHECK(rule.secret_group == -1);
  CHECK(rule.entropy == 0.0);
  CHECK(rule.keywords.empty());
  CHECK(rule.path_regex.empty());
  CHECK(rule.provider == "generic");
  CHECK(rule.nhi_type == "api_key");
  CHECK(rule.severity == Severity::medium);
  CHECK(rule.confidence == Confidence::medium);
  CHECK(rule.allowlists.empty());
}

TEST_CASE("parse_rule_config reads per-rule allowlists", "[rules]") {
  const auto config = parse_ok(kGitleaksConfig);
  REQUIRE(config.rules[0].allowlists.size() == 1);
  const Allowlist& list = config.rules[0].allowlists[0];
  CHECK(list.description == "fixtures");
  CHECK(list.regex_target == RegexTarget::line);
  CHECK(list.regexes == std::vector<std::string>{R"(#\s*fixture)"});
  CHECK(list.stopwords == std::vector<std::string>{"sandbox"});
  CHECK(list.require_all);
}

TEST_CASE("parse_rule_config reads the older single [rules.allowlist] table", "[rules]") {
  const auto config = parse_ok(R"toml(
[[rules]]
id = "old-style"
regex = '''old_[a-z0-9]{16}'''
  [rules.allowlist]
  paths = ['''^test/''']
  regexes = ['''^old_0+$''']
)toml");
  REQUIRE(config.rules.size() == 1);
  REQUIRE(config.rules[0].allowlists.size() == 1);
  CHECK(config.rules[0].allowlists[0].paths == std::vector<std::string>{"^test/"});
  CHECK(config.rules[0].allowlists[0].regexes == std::vector<std::string>{"^old_0+$"});
  CHECK(config.allowlists.empty());  // not mistaken for the global list
}

TEST_CASE("parse_rule_config reads [allowlist] and [[allowlists]] together", "[rules]") {
  const auto config = parse_ok(kGitleaksConfig);
  REQUIRE(config.allowlists.size() == 3);
  CHECK(config.allowlists[0].description == "global");
  CHECK(config.allowlists[0].paths == std::vector<std::string>{R"((^|/)vendor/)", R"(\.lock$)"});
  CHECK(config.allowlists[0].regexes == std::vector<std::string>{"^dummy"});
  CHECK(config.allowlists[0].regex_target == RegexTarget::secret);
  CHECK_FALSE(config.allowlists[0].require_all);
  CHECK(config.allowlists[1].regex_target == RegexTarget::match);
  CHECK(config.allowlists[2].stopwords == std::vector<std::string>{"example"});
}

TEST_CASE("parse_rule_config reads [extend] useDefault and disabledRules", "[rules]") {
  const auto config = parse_ok(kGitleaksConfig);
  CHECK(config.has_extend);
  CHECK(config.extend_use_default);
  CHECK(config.disabled_rules == std::vector<std::string>{"generic-api-key", "slack-webhook"});

  const auto plain = parse_ok("[[rules]]\nid = \"a\"\nregex = 'a_[0-9]{4}'\n");
  CHECK_FALSE(plain.has_extend);
  CHECK_FALSE(plain.extend_use_default);
  CHECK(plain.disabled_rules.empty());
}

TEST_CASE("parse_rule_config reads the sprawl fields", "[rules]") {
  const auto config = parse_ok(R"toml(
[[rules]]
id = "acme-key"
description = "Acme API key"
regex = '''acme_[a-z0-9]{20}'''
provider = "acme"
nhi_type = "service_account"
severity = "critical"
confidence = "low"
examples = ['key = acme_one', "key = acme_two"]
negative_examples = ['key = acme_none']
)toml");
  REQUIRE(config.rules.size() == 1);
  const Rule& rule = config.rules[0];
  CHECK(rule.provider == "acme");
  CHECK(rule.nhi_type == "service_account");
  CHECK(rule.severity == Severity::critical);
  CHECK(rule.confidence == Confidence::low);
  CHECK(rule.examples == std::vector<std::string>{"key = acme_one", "key = acme_two"});
  CHECK(rule.negative_examples == std::vector<std::string>{"key = acme_none"});
}

TEST_CASE("parse_rule_config accepts an integer entropy", "[rules]") {
  const auto config = parse_ok("[[rules]]\nid = \"a\"\nregex = 'a_[0-9]{4}'\nentropy = 3\n");
  REQUIRE(config.rules.size() == 1);
  CHECK(config.rules[0].entropy == Approx(3.0));
}

TEST_CASE("parse_rule_config of an empty file is an empty config", "[rules]") {
  const auto config = parse_ok("");
  CHECK(config.rules.empty());
  CHECK(config.allowlists.empty());
  CHECK_FALSE(config.has_extend);
}

TEST_CASE("malformed TOML is an error naming the file, line and column", "[rules]") {
  const std::string text = "[[rules]]\nid = \"a\"\nregex = 'unterminated\n";
  auto config = parse_rule_config(text, "my-rules.toml");
  REQUIRE_FALSE(config.ok());
  const std::string& message = config.error().message;
  INFO(message);
  CHECK(message.rfind("my-rules.toml:3:", 0) == 0);
  CHECK_THAT(message, Catch::Contains("invalid TOML"));
}

TEST_CASE("malformed TOML error points at the offending line", "[rules]") {
  const std::string text = "[[rules]]\nid = \"a\"\nregex = 'a'\n\n\nthis is = not = toml\n";
  auto config = parse_rule_config(text, "x.toml");
  REQUIRE_FALSE(config.ok());
  INFO(config.error().message);
  CHECK(config.error().message.rfind("x.toml:6:", 0) == 0);
}

TEST_CASE("an unknown severity is an error naming the rule", "[rules]") {
  auto config = parse_rule_config("[[rules]]\nid = \"a\"\nregex = 'a_[0-9]{4}'\nseverity = \"urgent\"\n", "s.toml");
  REQUIRE_FALSE(config.ok());
  const std::string& message = config.error().message;
  CHECK_THAT(message, Catch::Contains("s.toml") && Catch::Contains("'a'") && Catch::Contains("urgent"));
}

TEST_CASE("an unknown confidence or regexTarget is an error", "[rules]") {
  CHECK_FALSE(parse_rule_config("[[rules]]\nid = \"a\"\nregex = 'a'\nconfidence = \"sure\"\n", "c.toml").ok());
  CHECK_FALSE(parse_rule_config("[allowlist]\nregexTarget = \"path\"\nregexes = ['x']\n", "t.toml").ok());
}

TEST_CASE("a rule without id or regex is an error", "[rules]") {
  auto no_id = parse_rule_config("[[rules]]\nregex = 'a_[0-9]{4}'\n", "n.toml");
  REQUIRE_FALSE(no_id.ok());
  CHECK_THAT(no_id.error().message, Catch::Contains("n.toml"));
  auto no_regex = parse_rule_config("[[rules]]\nid = \"only-id\"\n", "n.toml");
  REQUIRE_FALSE(no_regex.ok());
  CHECK_THAT(no_regex.error().message, Catch::Contains("only-id"));
}

TEST_CASE("a negative secretGroup is an error", "[rules]") {
  CHECK_FALSE(parse_rule_config("[[rules]]\nid = \"a\"\nregex = '(a)'\nsecretGroup = -1\n", "g.toml").ok());
}

TEST_CASE("load_rule_config_file reads a file and names it in errors", "[rules]") {
  sprawl::test::TempDir dir;
  const std::string good = dir.write("good.toml", "[[rules]]\nid = \"a\"\nregex = 'a_[0-9]{4}'\n");
  auto config = sprawl::load_rule_config_file(good);
  REQUIRE(config.ok());
  REQUIRE(config->rules.size() == 1);
  CHECK(config->rules[0].source == good);

  const std::string bad = dir.write("bad.toml", "[[rules]\n");
  auto broken = sprawl::load_rule_config_file(bad);
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().message.rfind(bad + ":1:", 0) == 0);

  auto missing = sprawl::load_rule_config_file(dir / "missing.toml");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, Catch::Contains("missing.toml"));
}

TEST_CASE("user rules replace the built-in rules without useDefault", "[rules]") {
  RuleConfig builtin;
  builtin.rules = {make_rule("aws"), make_rule("github")};
  builtin.allowlists.push_back(Allowlist{"builtin-list"});
  RuleConfig user;
  user.rules = {make_rule("mine")};
  user.allowlists.push_back(Allowlist{"user-list"});
  const auto merged = sprawl::merge_with_builtin(builtin, user);
  CHECK(ids(merged.rules) == std::vector<std::string>{"mine"});
  REQUIRE(merged.allowlists.size() == 1);
  CHECK(merged.allowlists[0].description == "user-list");
}

TEST_CASE("user rules are added to the built-in rules with useDefault", "[rules]") {
  RuleConfig builtin;
  builtin.rules = {make_rule("aws"), make_rule("github")};
  builtin.allowlists.push_back(Allowlist{"builtin-list"});
  RuleConfig user;
  user.has_extend = true;
  user.extend_use_default = true;
  user.rules = {make_rule("mine")};
  user.allowlists.push_back(Allowlist{"user-list"});
  const auto merged = sprawl::merge_with_builtin(builtin, user);
  CHECK(ids(merged.rules) == std::vector<std::string>{"aws", "github", "mine"});
  REQUIRE(merged.allowlists.size() == 2);
  CHECK(merged.allowlists[0].description == "builtin-list");
  CHECK(merged.allowlists[1].description == "user-list");
}

TEST_CASE("a user rule with a built-in id amends that rule in place, as gitleaks merges them", "[rules]") {
  RuleConfig builtin;
  builtin.rules = {make_rule("aws", "builtin aws"), make_rule("github")};
  RuleConfig user;
  user.has_extend = true;
  user.extend_use_default = true;
  user.rules = {make_rule("aws", "my aws")};
  const auto merged = sprawl::merge_with_builtin(builtin, user);
  REQUIRE(ids(merged.rules) == std::vector<std::string>{"aws", "github"});
  CHECK(merged.rules[0].description == "my aws");
  CHECK(sprawl::validate_rules(merged.rules).ok());
}

TEST_CASE("disabledRules removes built-in rules", "[rules]") {
  RuleConfig builtin;
  builtin.rules = {make_rule("aws"), make_rule("github"), make_rule("slack")};
  RuleConfig user;
  user.has_extend = true;
  user.extend_use_default = true;
  user.disabled_rules = {"github", "not-a-rule"};
  user.rules = {make_rule("mine")};
  CHECK(ids(sprawl::merge_with_builtin(builtin, user).rules) == std::vector<std::string>{"aws", "slack", "mine"});
}

TEST_CASE("a user config with only allowlists keeps the built-in rules", "[rules]") {
  RuleConfig builtin;
  builtin.rules = {make_rule("aws"), make_rule("github")};
  builtin.allowlists.push_back(Allowlist{"builtin-list"});
  RuleConfig user;
  user.allowlists.push_back(Allowlist{"user-list"});
  user.has_extend = true;
  user.disabled_rules = {"aws"};
  const auto merged = sprawl::merge_with_builtin(builtin, user);
  CHECK(ids(merged.rules) == std::vector<std::string>{"github"});
  CHECK(merged.allowlists.size() == 2);
}

TEST_CASE("merging a parsed gitleaks config end to end", "[rules]") {
  RuleConfig builtin;
  builtin.rules = {make_rule("generic-api-key"), make_rule("slack-webhook"), make_rule("aws")};
  auto user = parse_ok(kGitleaksConfig);
  const auto merged = sprawl::merge_with_builtin(builtin, user);
  CHECK(ids(merged.rules) == std::vector<std::string>{"aws", "internal-token", "plain-rule"});
  CHECK(merged.allowlists.size() == 3);
}

TEST_CASE("validate_rules rejects duplicate ids", "[rules]") {
  std::vector<Rule> rules = {make_rule("a"), make_rule("b"), make_rule("a")};
  rules[2].source = "second.toml";
  const auto status = sprawl::validate_rules(rules);
  REQUIRE_FALSE(status.ok());
  CHECK_THAT(status.error().message,
             Catch::Contains("duplicate") && Catch::Contains("'a'") && Catch::Contains("second.toml"));
  CHECK(sprawl::validate_rules({make_rule("a"), make_rule("b")}).ok());
  CHECK(sprawl::validate_rules({}).ok());
}

TEST_CASE("duplicate ids within one file are rejected when validated", "[rules]") {
  const auto config =
      parse_ok("[[rules]]\nid = \"x\"\nregex = 'x_[0-9]{4}'\n[[rules]]\nid = \"x\"\nregex = 'y_[0-9]{4}'\n");
  CHECK_FALSE(sprawl::validate_rules(config.rules).ok());
}

TEST_CASE("severity and confidence names round-trip", "[rules]") {
  for (auto s : {Severity::info, Severity::low, Severity::medium, Severity::high, Severity::critical}) {
    const auto config =
        parse_ok(std::string("[[rules]]\nid = \"a\"\nregex = 'a'\nseverity = \"") + sprawl::to_string(s) + "\"\n");
    CHECK(config.rules[0].severity == s);
  }
  for (auto c : {Confidence::low, Confidence::medium, Confidence::high}) {
    const auto config =
        parse_ok(std::string("[[rules]]\nid = \"a\"\nregex = 'a'\nconfidence = \"") + sprawl::to_string(c) + "\"\n");
    CHECK(config.rules[0].confidence == c);
  }
}
