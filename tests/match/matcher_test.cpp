// Matcher + RuleDatabase: Hyperscan finds candidate ends, RE2 confirms and extracts the secret.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "src/match/matcher.h"
#include "src/match/rule_database.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/temp_dir.h"

using sprawl::Confidence;
using sprawl::DatabaseOptions;
using sprawl::Match;
using sprawl::Matcher;
using sprawl::Rule;
using sprawl::RuleDatabase;

namespace {

Rule make_rule(const std::string& id, const std::string& regex, int secret_group = -1,
               Confidence confidence = Confidence::medium) {
  Rule rule;
  rule.id = id;
  rule.regex = regex;
  rule.secret_group = secret_group;
  rule.confidence = confidence;
  return rule;
}

std::unique_ptr<RuleDatabase> build(std::vector<Rule> rules, const DatabaseOptions& options = DatabaseOptions{}) {
  auto db = RuleDatabase::build(std::move(rules), options);
  if (!db) FAIL("RuleDatabase::build failed: " << db.error().message);
  return std::move(db.value());
}

std::vector<Match> scan(const RuleDatabase& db, std::string_view text, bool binary = false) {
  auto matcher = Matcher::create(db);
  REQUIRE(matcher.ok());
  std::vector<Match> out;
  matcher->scan(text, binary, out);
  return out;
}

const std::string& rule_id(const RuleDatabase& db, const Match& m) { return db.rules().at(m.rule_index).rule->id; }

// A lowercase-alphanumeric value of `n` characters for seed `seed` (no runs, no sequences).
std::string value(std::size_t n, std::uint32_t seed) {
  return sprawl::test::random_chars("abcdefghijklmnopqrstuvwxyz0123456789", n, seed);
}

// A rule Hyperscan rejects as "Pattern is too large" but accepts with HS_FLAG_PREFILTER.
const char* kPrefilterOnlyRegex = R"(key((?:[a-z0-9]{1,20}\b[^a-z]){1,45}))";

}  // namespace

TEST_CASE("matcher extracts an explicit secret group with its span", "[match]") {
  auto db = build({make_rule("kv", R"((api)=([a-z0-9]{12}))", 2)});
  const std::string secret = value(12, 1);
  const std::string text = "x; api=" + secret + " ;y";
  const auto matches = scan(*db, text);
  REQUIRE(matches.size() == 1);
  const Match& m = matches[0];
  CHECK(rule_id(*db, m) == "kv");
  CHECK(m.secret == secret);
  CHECK(m.match_start == 3);
  CHECK(m.match_end == 3 + 4 + 12);
  CHECK(m.secret_start == 7);
  CHECK(m.secret_end == 7 + 12);
  CHECK(text.substr(m.secret_start, m.secret_end - m.secret_start) == m.secret);
}

TEST_CASE("matcher uses the first group when no secretGroup is given", "[match]") {
  auto db = build({make_rule("tok", R"(tok_([a-z0-9]{10}))")});
  const std::string secret = value(10, 2);
  const auto matches = scan(*db, "a tok_" + secret + " b");
  REQUIRE(matches.size() == 1);
  CHECK(matches[0].secret == secret);
  CHECK(matches[0].secret_start == 6);
  CHECK(matches[0].match_start == 2);
}

TEST_CASE("matcher uses the first participating group of an alternation", "[match]") {
  auto db = build({make_rule("alt", R"((?:one_([a-z0-9]{8})|two_([a-z0-9]{8})))")});
  const std::string secret = value(8, 3);
  const auto matches = scan(*db, "= two_" + secret);
  REQUIRE(matches.size() == 1);
  CHECK(matches[0].secret == secret);
  CHECK(matches[0].secret_start == 6);
}

TEST_CASE("matcher reports the whole match when the regex has no group", "[match]") {
  auto db = build({make_rule("whole", R"(tok_[a-z0-9]{10})")});
  const std::string token = "tok_" + value(10, 4);
  const auto matches = scan(*db, "x=" + token + ";");
  REQUIRE(matches.size() == 1);
  CHECK(matches[0].secret == token);
  CHECK(matches[0].secret_start == 2);
  CHECK(matches[0].secret_start == matches[0].match_start);
  CHECK(matches[0].secret_end == matches[0].match_end);
}

TEST_CASE("matcher reports the whole match for secretGroup 0", "[match]") {
  auto db = build({make_rule("zero", R"((tok)_([a-z0-9]{10}))", 0)});
  const std::string token = "tok_" + value(10, 5);
  const auto matches = scan(*db, token);
  REQUIRE(matches.size() == 1);
  CHECK(matches[0].secret == token);
}

TEST_CASE("matcher finds every match in one text, in offset order", "[match]") {
  auto db = build({make_rule("tok", R"(\btok_([a-z0-9]{10})\b)")});
  std::vector<std::string> secrets;
  std::string text;
  for (std::uint32_t i = 0; i < 5; ++i) {
    secrets.push_back(value(10, 10 + i));
    text += "line " + std::to_string(i) + ": tok_" + secrets.back() + "\n";
  }
  const auto matches = scan(*db, text);
  REQUIRE(matches.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(matches[i].secret == secrets[i]);
    CHECK(text.substr(matches[i].secret_start, 10) == secrets[i]);
    if (i > 0) CHECK(matches[i].secret_start > matches[i - 1].secret_start);
  }
}

TEST_CASE("matcher finds adjacent matches with nothing between them", "[match]") {
  auto db = build({make_rule("tok", R"(tok_[a-z0-9]{10})")});
  const std::string a = "tok_" + value(10, 20), b = "tok_" + value(10, 21), c = "tok_" + value(10, 22);
  const auto matches = scan(*db, a + b + c);
  REQUIRE(matches.size() == 3);
  CHECK(matches[0].secret == a);
  CHECK(matches[1].secret == b);
  CHECK(matches[2].secret == c);
  CHECK(matches[1].match_start == matches[0].match_end);
  CHECK(matches[2].match_start == 28);
}

TEST_CASE("matcher finds matches at the very start and very end of the buffer", "[match]") {
  auto db = build({make_rule("tok", R"(\btok_([a-z0-9]{10})\b)")});
  const std::string first = value(10, 30), last = value(10, 31);
  const std::string text = "tok_" + first + " middle text tok_" + last;
  const auto matches = scan(*db, text);
  REQUIRE(matches.size() == 2);
  CHECK(matches[0].match_start == 0);
  CHECK(matches[0].secret == first);
  CHECK(matches[1].match_end == text.size());
  CHECK(matches[1].secret == last);

  // The whole buffer is exactly one match.
  const auto only = scan(*db, "tok_" + first);
  REQUIRE(only.size() == 1);
  CHECK(only[0].match_start == 0);
  CHECK(only[0].match_end == 14);
}

TEST_CASE("matcher respects word boundaries at the edge of the confirm window", "[match]") {
  auto db = build({make_rule("tok", R"(\btok_([a-z0-9]{10})\b)")});
  // Glued to word characters on either side: not a match.
  CHECK(scan(*db, "xtok_" + value(10, 32)).empty());
  CHECK(scan(*db, "tok_" + value(10, 33) + "z").empty());
  CHECK(scan(*db, std::string(5000, 'a') + "tok_" + value(10, 34) + std::string(5000, 'b')).empty());
}

TEST_CASE("matcher finds matches inside a 1 MB single line", "[match]") {
  auto db = build({make_rule("tok", R"(\btok_([a-z0-9]{10})\b)")});
  std::string text(1 << 20, 'x');
  for (std::size_t i = 1; i < text.size(); i += 7) text[i] = ' ';
  const std::string s1 = value(10, 40), s2 = value(10, 41), s3 = value(10, 42);
  const std::size_t p1 = 100, p2 = (1 << 19) + 3, p3 = text.size() - 15;
  text.replace(p1, 16, " tok_" + s1 + " ");
  text.replace(p2, 16, " tok_" + s2 + " ");
  text.replace(p3, 15, " tok_" + s3);
  REQUIRE(text.size() == (1u << 20));
  const auto matches = scan(*db, text);
  REQUIRE(matches.size() == 3);
  CHECK(matches[0].secret == s1);
  CHECK(matches[0].secret_start == p1 + 5);
  CHECK(matches[1].secret == s2);
  CHECK(matches[1].secret_start == p2 + 5);
  CHECK(matches[2].secret == s3);
  CHECK(matches[2].secret_end == text.size());
}

TEST_CASE("matcher orders matches by rule, then offset", "[match]") {
  auto db = build({make_rule("aaa", R"(aaa_([a-z0-9]{8}))"), make_rule("bbb", R"(bbb_([a-z0-9]{8}))")});
  const std::string text = "bbb_" + value(8, 50) + " aaa_" + value(8, 51) + " bbb_" + value(8, 52);
  const auto matches = scan(*db, text);
  REQUIRE(matches.size() == 3);
  CHECK(rule_id(*db, matches[0]) == "aaa");
  CHECK(rule_id(*db, matches[1]) == "bbb");
  CHECK(rule_id(*db, matches[2]) == "bbb");
  CHECK(matches[1].secret_start < matches[2].secret_start);
}

TEST_CASE("matcher reports each rule's match when two rules cover the same text", "[match]") {
  auto db = build({make_rule("specific", R"(tok_([a-z0-9]{10}))", -1, Confidence::high),
                   make_rule("generic", R"(=\s?([a-z0-9_]{14}))", -1, Confidence::low)});
  const std::string token = "tok_" + value(10, 53);
  const auto matches = scan(*db, "k=" + token);
  REQUIRE(matches.size() == 2);
  CHECK(rule_id(*db, matches[0]) == "specific");
  CHECK(rule_id(*db, matches[1]) == "generic");
  CHECK(matches[1].secret == token);
}

TEST_CASE("matcher skips low-confidence rules on binary content", "[match]") {
  auto db = build({make_rule("generic", R"(gen_([a-z0-9]{10}))", -1, Confidence::low),
                   make_rule("medium", R"(med_([a-z0-9]{10}))", -1, Confidence::medium),
                   make_rule("specific", R"(spc_([a-z0-9]{10}))", -1, Confidence::high)});
  std::string text = "gen_" + value(10, 60) + " med_" + value(10, 61) + " spc_" + value(10, 62);
  text.insert(text.begin() + 15, '\0');

  const auto as_text = scan(*db, text, false);
  CHECK(as_text.size() == 3);

  const auto as_binary = scan(*db, text, true);
  REQUIRE(as_binary.size() == 2);
  CHECK(rule_id(*db, as_binary[0]) == "medium");
  CHECK(rule_id(*db, as_binary[1]) == "specific");
}

TEST_CASE("matcher finds nothing in empty text or text without candidates", "[match]") {
  auto db = build({make_rule("tok", R"(tok_([a-z0-9]{10}))")});
  CHECK(scan(*db, "").empty());
  CHECK(scan(*db, "nothing to see here, tok_ but too short").empty());
}

TEST_CASE("matcher can be reused across scans", "[match]") {
  auto db = build({make_rule("tok", R"(tok_([a-z0-9]{10}))")});
  auto matcher = Matcher::create(*db);
  REQUIRE(matcher.ok());
  std::vector<Match> out;
  matcher->scan("tok_" + value(10, 70), false, out);
  matcher->scan("none", false, out);
  matcher->scan("xx tok_" + value(10, 71), false, out);
  REQUIRE(out.size() == 2);
  CHECK(out[1].secret_start == 7);
  Matcher moved(std::move(matcher.value()));
  out.clear();
  moved.scan("tok_" + value(10, 72), false, out);
  CHECK(out.size() == 1);
}

TEST_CASE("rule database rejects a regex with a back-reference and keeps the others", "[match]") {
  auto db = build({make_rule("good", R"(tok_([a-z0-9]{10}))"), make_rule("backref", R"((abc)_\1_[a-z]{4})"),
                   make_rule("good2", R"(pat_([a-z0-9]{10}))")});
  REQUIRE(db->rejected().size() == 1);
  CHECK(db->rejected()[0].rule_id == "backref");
  CHECK_FALSE(db->rejected()[0].reason.empty());
  REQUIRE(db->rules().size() == 2);
  CHECK(db->rules()[0].rule->id == "good");
  CHECK(db->rules()[1].rule->id == "good2");
  // Rule indices in matches refer to the compiled rules, not the input order.
  const std::string secret = value(10, 80);
  const auto matches = scan(*db, "pat_" + secret);
  REQUIRE(matches.size() == 1);
  CHECK(rule_id(*db, matches[0]) == "good2");
  CHECK(matches[0].secret == secret);
}

TEST_CASE("rule database rejects a secretGroup beyond the regex's groups", "[match]") {
  auto db = build({make_rule("good", R"(tok_([a-z0-9]{10}))"), make_rule("bad-group", R"(pat_([a-z0-9]{10}))", 3)});
  REQUIRE(db->rejected().size() == 1);
  CHECK(db->rejected()[0].rule_id == "bad-group");
  CHECK(db->rules().size() == 1);
}

TEST_CASE("rule database fails when no rule is usable", "[match]") {
  CHECK_FALSE(RuleDatabase::build({}, DatabaseOptions{}).ok());
  CHECK_FALSE(RuleDatabase::build({make_rule("backref", R"((abc)_\1)")}, DatabaseOptions{}).ok());
}

TEST_CASE("a rule Hyperscan cannot compile exactly falls back to prefilter mode", "[match]") {
  auto db = build({make_rule("plain", R"(tok_([a-z0-9]{10}))"), make_rule("prefiltered", kPrefilterOnlyRegex)});
  CHECK(db->rejected().empty());
  REQUIRE(db->rules().size() == 2);
  CHECK_FALSE(db->rules()[0].hs_prefilter_mode);
  CHECK(db->rules()[1].hs_prefilter_mode);

  const auto matches = scan(*db, "id: key12 ab3 ;");
  REQUIRE(matches.size() == 1);
  CHECK(rule_id(*db, matches[0]) == "prefiltered");
  CHECK(matches[0].secret == "12 ab3 ");
  CHECK(matches[0].match_start == 4);
  CHECK(matches[0].secret_start == 7);
  // RE2 decides: the prefilter's approximate hits must not become matches.
  CHECK(scan(*db, "id: key;;;").empty());
  CHECK(scan(*db, "id: keyAB ;").empty());
}

TEST_CASE("rule database cache round-trips the compiled database", "[match]") {
  sprawl::test::TempDir dir;
  const std::string cache = dir / "cache";
  std::vector<Rule> rules = {make_rule("tok", R"(\btok_([a-z0-9]{10})\b)"),
                             make_rule("kv", R"((api)=([a-z0-9]{12}))", 2, Confidence::low),
                             make_rule("prefiltered", kPrefilterOnlyRegex)};
  const std::string text =
      "tok_" + value(10, 90) + "\napi=" + value(12, 91) + "\nid: key12 ab3 ;\ntok_" + value(10, 92);

  auto first = build(rules, DatabaseOptions{cache});
  CHECK_FALSE(first->loaded_from_cache());
  REQUIRE(std::filesystem::exists(cache + "/db-" + first->digest() + ".bin"));

  auto second = build(rules, DatabaseOptions{cache});
  CHECK(second->loaded_from_cache());
  CHECK(second->digest() == first->digest());
  REQUIRE(second->rules().size() == first->rules().size());
  for (std::size_t i = 0; i < first->rules().size(); ++i) {
    INFO("rule " << i);
    CHECK(second->rules()[i].rule->id == first->rules()[i].rule->id);
    CHECK(second->rules()[i].hs_prefilter_mode == first->rules()[i].hs_prefilter_mode);
    CHECK(second->rules()[i].max_width == first->rules()[i].max_width);
    CHECK(second->rules()[i].secret_group == first->rules()[i].secret_group);
  }

  for (bool binary : {false, true}) {
    const auto a = scan(*first, text, binary);
    const auto b = scan(*second, text, binary);
    CHECK(a.size() == (binary ? 3 : 4));
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].rule_index == b[i].rule_index);
      CHECK(a[i].match_start == b[i].match_start);
      CHECK(a[i].match_end == b[i].match_end);
      CHECK(a[i].secret_start == b[i].secret_start);
      CHECK(a[i].secret == b[i].secret);
    }
  }
}

TEST_CASE("rule database cache is keyed by the rule set", "[match]") {
  sprawl::test::TempDir dir;
  const std::string cache = dir / "cache";
  auto a = build({make_rule("tok", R"(tok_([a-z0-9]{10}))")}, DatabaseOptions{cache});
  auto b = build({make_rule("tok", R"(tok_([a-z0-9]{11}))")}, DatabaseOptions{cache});
  CHECK(a->digest() != b->digest());
  CHECK_FALSE(b->loaded_from_cache());
  // A different secret group changes what the cache must hold too.
  auto c = build({make_rule("tok", R"(tok_([a-z0-9]{10}))", 0)}, DatabaseOptions{cache});
  CHECK(c->digest() != a->digest());
  CHECK_FALSE(c->loaded_from_cache());
}

TEST_CASE("rule database recompiles when the cache entry is corrupt", "[match]") {
  sprawl::test::TempDir dir;
  const std::string cache = dir / "cache";
  const std::vector<Rule> rules = {make_rule("tok", R"(tok_([a-z0-9]{10}))")};
  auto first = build(rules, DatabaseOptions{cache});
  const std::string path = cache + "/db-" + first->digest() + ".bin";
  REQUIRE(std::filesystem::exists(path));
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << "sprawl-hsdb-2\n1\n10 0\nnot a database"; }

  auto second = build(rules, DatabaseOptions{cache});
  CHECK_FALSE(second->loaded_from_cache());
  const std::string secret = value(10, 93);
  const auto matches = scan(*second, "tok_" + secret);
  REQUIRE(matches.size() == 1);
  CHECK(matches[0].secret == secret);
  // The entry was rewritten and is usable again.
  auto third = build(rules, DatabaseOptions{cache});
  CHECK(third->loaded_from_cache());
}

TEST_CASE("rule database does not cache a rule set with rejected rules", "[match]") {
  sprawl::test::TempDir dir;
  const std::string cache = dir / "cache";
  const std::vector<Rule> rules = {make_rule("tok", R"(tok_([a-z0-9]{10}))"), make_rule("backref", R"((abc)_\1)")};
  auto first = build(rules, DatabaseOptions{cache});
  CHECK(first->rejected().size() == 1);
  auto second = build(rules, DatabaseOptions{cache});
  CHECK_FALSE(second->loaded_from_cache());
  CHECK(second->rejected().size() == 1);
}

TEST_CASE("matcher confirms an unbounded rule's match", "[match]") {
  auto db = build({make_rule("open", R"(tok_([a-z0-9]+))")});
  const std::string secret = value(300, 94);
  const auto matches = scan(*db, "x = tok_" + secret + ";");
  REQUIRE(matches.size() == 1);
  CHECK(matches[0].secret == secret);
}

TEST_CASE("matcher confirms a bounded match longer than 16 KiB", "[match]") {
  // docs/rules-format.md: "the longest possible match decides the window RE2 confirms in".
  // This rule is bounded (at most 18008 bytes), so its full-length matches must be found.
  std::string regex = "BEGIN";
  for (int i = 0; i < 9; ++i) regex += "[a-z]{0,1000}[0-9]{0,1000}";
  regex += "END";
  auto db = build({make_rule("long-block", regex)});
  REQUIRE(db->rules().size() == 1);
  INFO("confirm window " << db->rules()[0].max_width << " bytes");
  std::string body;
  for (int i = 0; i < 9; ++i) body += std::string(1000, 'q') + std::string(1000, '7');
  const std::string text = "head\nBEGIN" + body + "END\ntail";
  REQUIRE(text.size() - 10 > sprawl::kUnboundedConfirmWindow);
  const auto matches = scan(*db, text);
  REQUIRE(matches.size() == 1);
  CHECK(matches[0].match_start == 5);
  CHECK(matches[0].match_end == text.size() - 5);
}

TEST_CASE("a rule's prefilter is what Hyperscan runs; RE2 still confirms with the regex", "[match]") {
  const std::string secret = value(16, 71);
  const std::string text = "export  MY_APP_SECRET=" + secret + "\nother_secret=short\n";
  Rule anchored = make_rule("anchored", R"((?m)^[ \t]*(?:export[ \t]+)?[A-Z_]*SECRET=([a-z0-9]{16})$)");
  anchored.prefilter = R"(SECRET=[a-z0-9]{16})";
  auto db = build({anchored});
  CHECK_FALSE(db->rules()[0].hs_prefilter_mode);  // a hand-written prefilter keeps the exact cover check
  const auto matches = scan(*db, text);
  REQUIRE(matches.size() == 1);
  CHECK(matches[0].secret == secret);
  CHECK(text.substr(matches[0].match_start, 6) == "export");

  Rule never = anchored;
  never.prefilter = "NEVER_PRESENT_LITERAL";
  auto silent = build({never});
  CHECK(scan(*silent, text).empty());
}
