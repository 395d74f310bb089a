// AllowlistSet: global and per-rule gitleaks allow-lists (paths, regexes with a target,
// stopwords, OR / AND conditions).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "src/check/allowlist.h"
#include "tests/support/fake_tokens.h"

using sprawl::AllowHit;
using sprawl::Allowlist;
using sprawl::AllowlistSet;
using sprawl::RegexTarget;
using sprawl::Rule;

namespace {

Rule make_rule(const std::string& id, std::vector<Allowlist> lists = {}) {
  Rule rule;
  rule.id = id;
  rule.regex = id + "_[a-z]{4}";
  rule.allowlists = std::move(lists);
  return rule;
}

AllowlistSet build(const std::vector<Allowlist>& global, const std::vector<const Rule*>& rules) {
  auto set = AllowlistSet::build(global, rules);
  REQUIRE(set.ok());
  return std::move(set.value());
}

// Evaluates content and path together, the way the blob scanner does.
bool allowed(const AllowlistSet& set, std::uint32_t rule, const std::string& path, const std::string& secret,
             const std::string& match = "", const std::string& line = "") {
  std::vector<AllowHit> hits;
  set.evaluate_content(rule, secret, match.empty() ? secret : match, line.empty() ? secret : line, hits);
  return set.allowed(rule, path, hits);
}

}  // namespace

TEST_CASE("allowlist set with no lists is empty and allows nothing", "[check]") {
  const Rule rule = make_rule("r");
  const auto set = build({}, {&rule});
  CHECK(set.empty());
  CHECK_FALSE(allowed(set, 0, "a/b.txt", "secret-value"));
}

TEST_CASE("allowlist path regexes allow matches in matching paths only", "[check]") {
  Allowlist list;
  list.paths = {R"(^vendor/)", R"(\.lock$)"};
  const Rule rule = make_rule("r");
  const auto set = build({list}, {&rule});
  CHECK_FALSE(set.empty());
  const std::string secret = sprawl::test::fake_github_pat(1);
  CHECK(allowed(set, 0, "vendor/lib/a.go", secret));
  CHECK(allowed(set, 0, "Cargo.lock", secret));
  CHECK_FALSE(allowed(set, 0, "src/vendor.go", secret));
  CHECK_FALSE(allowed(set, 0, "Cargo.lock.bak", secret));
}

TEST_CASE("allowlist path regexes search anywhere in the path", "[check]") {
  Allowlist list;
  list.paths = {R"(testdata)"};
  const Rule rule = make_rule("r");
  const auto set = build({list}, {&rule});
  CHECK(allowed(set, 0, "pkg/testdata/x.json", "abc"));
}

TEST_CASE("allowlist secret regexes match the secret by default", "[check]") {
  Allowlist list;
  list.regexes = {R"(^tok_0+$)"};
  const Rule rule = make_rule("r");
  const auto set = build({list}, {&rule});
  CHECK(allowed(set, 0, "a.txt", "tok_0000"));
  CHECK_FALSE(allowed(set, 0, "a.txt", "tok_0001"));
  // A secret regex does not look at the rest of the match or line.
  CHECK_FALSE(allowed(set, 0, "a.txt", "zzzz", "tok_0000 zzzz", "x = tok_0000 zzzz"));
}

TEST_CASE("allowlist regexTarget match tests the whole match", "[check]") {
  Allowlist list;
  list.regexes = {R"(^test_key=)"};
  list.regex_target = RegexTarget::match;
  const Rule rule = make_rule("r");
  const auto set = build({list}, {&rule});
  const std::string secret = sprawl::test::random_chars(sprawl::test::kBase62, 20, 2);
  CHECK(allowed(set, 0, "a.txt", secret, "test_key=" + secret, "export test_key=" + secret));
  CHECK_FALSE(allowed(set, 0, "a.txt", secret, "prod_key=" + secret, "export test_key=1; prod_key=" + secret));
}

TEST_CASE("allowlist regexTarget line tests the whole line", "[check]") {
  Allowlist list;
  list.regexes = {R"(#\s*nosprawl)"};
  list.regex_target = RegexTarget::line;
  const Rule rule = make_rule("r");
  const auto set = build({list}, {&rule});
  const std::string secret = sprawl::test::random_chars(sprawl::test::kBase62, 20, 3);
  CHECK(allowed(set, 0, "a.py", secret, "key='" + secret + "'", "key='" + secret + "'  # nosprawl"));
  CHECK_FALSE(allowed(set, 0, "a.py", secret, "key='" + secret + "'", "key='" + secret + "'"));
}

TEST_CASE("allowlist stopwords match the secret case-insensitively", "[check]") {
  Allowlist list;
  list.stopwords = {"TestOnly"};
  const Rule rule = make_rule("r");
  const auto set = build({list}, {&rule});
  CHECK(allowed(set, 0, "a.txt", "abcTESTONLYxyz"));
  CHECK(allowed(set, 0, "a.txt", "abctestonlyxyz"));
  CHECK_FALSE(allowed(set, 0, "a.txt", "abctest-onlyxyz"));
  // Stopwords are judged on the secret, not on the surrounding line.
  CHECK_FALSE(allowed(set, 0, "a.txt", "abcdef", "testonly=abcdef", "testonly=abcdef"));
}

TEST_CASE("allowlist without a condition allows when any one condition holds", "[check]") {
  Allowlist list;
  list.paths = {R"(^docs/)"};
  list.regexes = {R"(^fixture_)"};
  const Rule rule = make_rule("r");
  const auto set = build({list}, {&rule});
  CHECK(allowed(set, 0, "docs/a.md", "real_value_1"));
  CHECK(allowed(set, 0, "src/a.cc", "fixture_value"));
  CHECK_FALSE(allowed(set, 0, "src/a.cc", "real_value_1"));
}

TEST_CASE("allowlist AND condition requires every listed condition", "[check]") {
  Allowlist list;
  list.paths = {R"(^docs/)"};
  list.regexes = {R"(^fixture_)"};
  list.require_all = true;
  const Rule rule = make_rule("r");
  const auto set = build({list}, {&rule});
  CHECK(allowed(set, 0, "docs/a.md", "fixture_value"));
  CHECK_FALSE(allowed(set, 0, "docs/a.md", "real_value_1"));
  CHECK_FALSE(allowed(set, 0, "src/a.cc", "fixture_value"));
}

TEST_CASE("allowlist AND condition with regex and stopword needs both", "[check]") {
  Allowlist list;
  list.regexes = {R"(^fixture_)"};
  list.stopwords = {"local"};
  list.require_all = true;
  const Rule rule = make_rule("r");
  const auto set = build({list}, {&rule});
  CHECK(allowed(set, 0, "a", "fixture_LOCAL_1"));
  CHECK_FALSE(allowed(set, 0, "a", "fixture_remote_1"));
  CHECK_FALSE(allowed(set, 0, "a", "prod_local_1"));
}

TEST_CASE("allowlist AND condition with no conditions allows nothing", "[check]") {
  Allowlist list;
  list.require_all = true;
  const Rule rule = make_rule("r");
  const auto set = build({list}, {&rule});
  CHECK_FALSE(allowed(set, 0, "a", "anything"));
}

TEST_CASE("per-rule allowlists only apply to their own rule", "[check]") {
  Allowlist own;
  own.regexes = {R"(^fixture_)"};
  own.paths = {R"(^testdata/)"};
  const Rule with = make_rule("with", {own});
  const Rule without = make_rule("without");
  const auto set = build({}, {&with, &without});
  CHECK(allowed(set, 0, "src/a", "fixture_1"));
  CHECK(allowed(set, 0, "testdata/a", "real_1"));
  CHECK_FALSE(allowed(set, 1, "src/a", "fixture_1"));
  CHECK_FALSE(allowed(set, 1, "testdata/a", "real_1"));
}

TEST_CASE("global allowlists apply to every rule", "[check]") {
  Allowlist global;
  global.stopwords = {"sandbox"};
  Allowlist own;
  own.paths = {R"(^testdata/)"};
  const Rule a = make_rule("a", {own});
  const Rule b = make_rule("b");
  const auto set = build({global}, {&a, &b});
  CHECK(allowed(set, 0, "src/x", "key_SANDBOX_1"));
  CHECK(allowed(set, 1, "src/x", "key_SANDBOX_1"));
  CHECK(allowed(set, 0, "testdata/x", "key_live_1"));
  CHECK_FALSE(allowed(set, 1, "testdata/x", "key_live_1"));
}

TEST_CASE("allowlist content hits record which list and condition held", "[check]") {
  Allowlist by_regex;
  by_regex.regexes = {R"(^fixture_)"};
  Allowlist by_word;
  by_word.stopwords = {"local"};
  const Rule rule = make_rule("r");
  const auto set = build({by_regex, by_word}, {&rule});
  std::vector<AllowHit> hits;
  set.evaluate_content(0, "fixture_local", "fixture_local", "fixture_local", hits);
  REQUIRE(hits.size() == 2);
  CHECK(hits[0].list != hits[1].list);
  CHECK(((hits[0].regex && !hits[0].stopword && !hits[1].regex && hits[1].stopword) ||
         (hits[1].regex && !hits[1].stopword && !hits[0].regex && hits[0].stopword)));
  hits.clear();
  set.evaluate_content(0, "nothing", "nothing", "nothing", hits);
  CHECK(hits.empty());
}

TEST_CASE("allowlist set rejects an invalid regex and names its owner", "[check]") {
  Allowlist bad;
  bad.regexes = {"(unclosed"};
  const Rule rule = make_rule("my-rule", {bad});
  auto set = AllowlistSet::build({}, {&rule});
  REQUIRE_FALSE(set.ok());
  CHECK_THAT(set.error().message, Catch::Contains("my-rule") && Catch::Contains("(unclosed"));

  Allowlist bad_path;
  bad_path.paths = {"[z-a]"};
  auto global = AllowlistSet::build({bad_path}, {&rule});
  REQUIRE_FALSE(global.ok());
  CHECK_THAT(global.error().message, Catch::Contains("global"));
}
