// Baselines: sprawl's baseline document and gitleaks JSON reports (with secrets or redacted),
// matched by fingerprint, secret hash or file:line; and the suppressions applied to an outcome.
#include <catch2/catch.hpp>

#include <string>

#include "src/check/baseline.h"
#include "src/check/fingerprint.h"
#include "src/pipeline/suppressions.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/temp_dir.h"

using sprawl::Baseline;
using sprawl::Finding;
using sprawl::Rule;
using namespace sprawl::test;

namespace {

const Rule& rule(const std::string& id) {
  static const Rule github = [] {
    Rule r;
    r.id = "github-pat-classic";
    return r;
  }();
  static const Rule aws = [] {
    Rule r;
    r.id = "aws-access-key-id";
    return r;
  }();
  return id == aws.id ? aws : github;
}

Finding make_finding(const std::string& path, std::uint32_t line, const std::string& secret,
                     const std::string& rule_id = "github-pat-classic") {
  Finding f;
  f.rule = &rule(rule_id);
  f.provenance.relative_path = path;
  f.provenance.path = path;
  f.start.line = line;
  f.start.column = 5;
  f.secret = secret;
  f.fingerprint = sprawl::finding_fingerprint(rule_id, secret);
  return f;
}

Baseline parse(const std::string& text) {
  auto baseline = Baseline::parse(text, "baseline.json");
  INFO((baseline ? std::string() : baseline.error().message));
  REQUIRE(baseline.ok());
  return std::move(*baseline);
}

std::string parse_error(const std::string& text) {
  auto baseline = Baseline::parse(text, "baseline.json");
  REQUIRE_FALSE(baseline.ok());
  CHECK(baseline.error().message.find('\n') == std::string::npos);
  return baseline.error().message;
}

// A report the way `gitleaks git --report-format json` writes one: Go's encoder escapes '&',
// '<' and '>' as \u0026 etc., every field is present, fingerprints are commit:file:rule:line.
std::string gitleaks_finding(const std::string& secret, const std::string& file, int line, const std::string& commit) {
  const std::string fingerprint = (commit.empty() ? "" : commit + ":") + file + ":github-pat:" + std::to_string(line);
  return "  {\n"
         "    \"RuleID\": \"github-pat\",\n"
         "    \"Description\": \"Uncovered a GitHub Personal Access Token, potentially leading to unauthorized "
         "repository access and sensitive content exposure.\",\n"
         "    \"StartLine\": " +
         std::to_string(line) + ",\n    \"EndLine\": " + std::to_string(line) +
         ",\n"
         "    \"StartColumn\": 17,\n    \"EndColumn\": 56,\n"
         "    \"Line\": \"\",\n"
         "    \"Match\": \"token = \\u0026" +
         secret +
         "\",\n"
         "    \"Secret\": \"" +
         secret +
         "\",\n"
         "    \"File\": \"" +
         file +
         "\",\n    \"SymlinkFile\": \"\",\n"
         "    \"Commit\": \"" +
         commit +
         "\",\n"
         "    \"Link\": \"\",\n    \"Entropy\": 4.7,\n"
         "    \"Author\": \"Alice Example\",\n    \"Email\": \"alice@example.com\",\n"
         "    \"Date\": \"2024-01-02T03:04:05Z\",\n    \"Message\": \"add config\",\n"
         "    \"Tags\": [],\n"
         "    \"Fingerprint\": \"" +
         fingerprint +
         "\"\n"
         "  }";
}

}  // namespace

TEST_CASE("a sprawl baseline matches by fingerprint wherever the secret is", "[suppress]") {
  const std::string pat = fake_github_pat(501);
  const Finding old = make_finding("src/app.py", 3, pat);
  const Baseline baseline = parse(
      "{\"sprawl_baseline\": 1, \"tool\": {\"name\": \"sprawl\", \"version\": \"0.1.0\"},\n"
      " \"findings\": [{\"fingerprint\": \"" +
      old.fingerprint + "\", \"rule_id\": \"github-pat-classic\", \"path\": \"src/app.py\", \"line\": 3}]}\n");
  CHECK(baseline.size() == 1);
  CHECK(baseline.matches(old));
  CHECK(baseline.matches(make_finding("moved/elsewhere.py", 90, pat)));
  CHECK_FALSE(baseline.matches(make_finding("src/app.py", 3, fake_github_pat(502))));
  CHECK_FALSE(baseline.matches(make_finding("src/app.py", 3, pat, "aws-access-key-id")));  // another rule
}

TEST_CASE("render_baseline writes every active finding by fingerprint and never the secret", "[suppress]") {
  sprawl::ScanOutcome outcome;
  const std::string pat = fake_github_pat(503), key = fake_aws_key_id(504);
  outcome.findings.push_back(make_finding("a.py", 1, pat));
  outcome.findings.push_back(make_finding("b/c.env", 7, key, "aws-access-key-id"));
  outcome.findings.back().provenance.git.emplace();
  outcome.findings.back().provenance.git->commit = "0123456789abcdef0123456789abcdef01234567";
  outcome.suppressed.push_back(make_finding("z.py", 2, fake_github_pat(505)));
  outcome.suppressed.back().suppressed = "inline sprawl:allow";
  const std::string document = sprawl::render_baseline(outcome);
  CHECK(document.find(pat) == std::string::npos);
  CHECK(document.find(key) == std::string::npos);
  CHECK(document.find("\"sprawl_baseline\": 1") != std::string::npos);
  CHECK(document.find("\"commit\":\"0123456789abcdef0123456789abcdef01234567\"") != std::string::npos);
  CHECK(document.find("z.py") == std::string::npos);  // suppressed findings are not baselined
  const Baseline baseline = parse(document);
  CHECK(baseline.size() == 2);
  CHECK(baseline.matches(outcome.findings[0]));
  CHECK(baseline.matches(outcome.findings[1]));
  CHECK_FALSE(baseline.matches(outcome.suppressed[0]));
}

TEST_CASE("an empty outcome renders a baseline with no findings", "[suppress]") {
  const Baseline baseline = parse(sprawl::render_baseline(sprawl::ScanOutcome{}));
  CHECK(baseline.size() == 0);
}

TEST_CASE("a gitleaks report with secrets matches findings by the secret, whatever the rule id", "[suppress]") {
  const std::string pat = fake_github_pat(510), other = fake_github_pat(511);
  const std::string report = "[\n" +
                             gitleaks_finding(pat, "src/app.py", 3, "0123456789abcdef0123456789abcdef01234567") +
                             ",\n" + gitleaks_finding(other, "lib/x.py", 8, "") + "\n]\n";
  const Baseline baseline = parse(report);
  CHECK(baseline.size() == 2);
  CHECK(baseline.matches(make_finding("src/app.py", 3, pat)));
  CHECK(baseline.matches(make_finding("copied/to.py", 11, pat)));
  CHECK(baseline.matches(make_finding("lib/x.py", 8, other)));
  CHECK_FALSE(baseline.matches(make_finding("src/app.py", 3, fake_github_pat(512))));  // a new secret, same place
}

TEST_CASE("a redacted gitleaks report matches findings by file and start line", "[suppress]") {
  const std::string report = "[\n" + gitleaks_finding("REDACTED", "config/.env", 4, "") + ",\n" +
                             gitleaks_finding("ghp_ab...", "./src/app.py", 12, "abcdef1") + "\n]";
  const Baseline baseline = parse(report);
  CHECK(baseline.matches(make_finding("config/.env", 4, fake_github_pat(513))));
  CHECK(baseline.matches(make_finding("src/app.py", 12, fake_github_pat(514))));
  CHECK_FALSE(baseline.matches(make_finding("config/.env", 5, fake_github_pat(513))));
  CHECK_FALSE(baseline.matches(make_finding("other/.env", 4, fake_github_pat(513))));
}

TEST_CASE("a redacted gitleaks finding without File falls back to its fingerprint", "[suppress]") {
  const Baseline baseline =
      parse("[{\"RuleID\": \"x\", \"Secret\": \"REDACTED\", \"Fingerprint\": \"deadbeef12:a/b.txt:x:9\"}]");
  CHECK(baseline.matches(make_finding("a/b.txt", 9, fake_github_pat(515))));
}

TEST_CASE("an empty gitleaks report is an empty baseline", "[suppress]") {
  CHECK(parse("[]").size() == 0);
  CHECK(parse("\xEF\xBB\xBF[ ]\r\n").size() == 0);
}

TEST_CASE("sprawl's own JSON report is accepted as a baseline", "[suppress]") {
  const std::string pat = fake_github_pat(516);
  const Finding f = make_finding("a.txt", 1, pat);
  const Baseline baseline = parse(
      "{\"schema_version\": 1, \"findings\": [{\"rule_id\": \"github-pat-classic\", "
      "\"fingerprint\": \"" +
      f.fingerprint + "\"}], \"summary\": {}}");
  CHECK(baseline.matches(f));
}

TEST_CASE("JSON string escapes in a gitleaks report are decoded before hashing", "[suppress]") {
  const std::string secret = "p&ss<w>rd\xC3\xA9\xF0\x9F\x94\x91-" + random_chars(kBase62, 20, 517);
  const Baseline baseline = parse("[{\"Secret\": \"p\\u0026ss\\u003cw\\u003erd\\u00e9\\ud83d\\udd11" +
                                  secret.substr(secret.size() - 21) + "\", \"File\": \"a\", \"StartLine\": 1}]");
  CHECK(baseline.matches(make_finding("elsewhere", 50, secret)));
}

TEST_CASE("malformed baselines are one-line errors naming file and line", "[suppress]") {
  CHECK(parse_error("") == "baseline.json:1: empty file (expected a sprawl baseline or a gitleaks JSON report)");
  CHECK(parse_error("{\n  \"sprawl_baseline\": 2,\n \"findings\": []}").rfind("baseline.json:2: unsupported", 0) == 0);
  CHECK(parse_error("{\"sprawl_baseline\": 1,\n\"findings\": [\n{\"fingerprint\": \"abc\"}]}")
            .rfind("baseline.json:3: ", 0) == 0);
  CHECK(parse_error("[\n{\"File\": \"a\"}\n]").rfind("baseline.json:2: gitleaks finding without", 0) == 0);
  CHECK(parse_error("[\n  {\"Secret\": \"x\",\n  \"File\": }]").rfind("baseline.json:3: ", 0) == 0);
  CHECK(parse_error("{\"other\": true}").rfind("baseline.json:1: neither", 0) == 0);
  CHECK(parse_error("[\n{},\n]").rfind("baseline.json:3: invalid JSON value", 0) == 0);  // no trailing commas
  CHECK(parse_error("[] []").rfind("baseline.json:1: unexpected text", 0) == 0);
  CHECK(parse_error("[\"\x01\"]").find("control character") != std::string::npos);
  CHECK(parse_error(std::string(100, '[') + std::string(100, ']')).find("nested too deeply") != std::string::npos);
}

TEST_CASE("baseline errors never repeat a secret from the file", "[suppress]") {
  const std::string pat = fake_github_pat(518);
  const std::string message = parse_error("[{\"Secret\": \"" + pat + "\"}, 7]");
  CHECK(message.find(pat) == std::string::npos);
}

TEST_CASE("apply_suppressions moves matched findings to suppressed with the reason, in order", "[suppress]") {
  TempDir root;
  const std::string a = fake_github_pat(520), b = fake_github_pat(521), c = fake_github_pat(522),
                    d = fake_github_pat(523);
  sprawl::ScanOutcome outcome;
  outcome.findings = {make_finding("a.py", 1, a), make_finding("b.py", 2, b), make_finding("c/d.py", 3, c),
                      make_finding("e.py", 4, d), make_finding("f.py", 5, fake_github_pat(524))};
  outcome.suppressed = {make_finding("d.py", 1, fake_github_pat(525))};
  outcome.suppressed[0].suppressed = "inline sprawl:allow";
  outcome.summary.suppressed = 1;
  root.write(".sprawlignore", "# reviewed\n" + outcome.findings[1].fingerprint + "\nc/\n");
  root.write(".gitleaksignore", "e.py:github-pat:4\n");
  root.write("base.json", "[" + gitleaks_finding(a, "a.py", 1, "") + "]");
  auto suppressions = sprawl::load_suppressions(root / "base.json", root.path());
  REQUIRE(suppressions.ok());
  sprawl::apply_suppressions(*suppressions, outcome);
  REQUIRE(outcome.findings.size() == 1);
  CHECK(outcome.findings[0].provenance.path == "f.py");
  CHECK(outcome.findings[0].suppressed.empty());
  REQUIRE(outcome.suppressed.size() == 5);
  CHECK(outcome.suppressed[0].suppressed == "baseline");
  CHECK(outcome.suppressed[1].suppressed == ".sprawlignore:2 fingerprint");
  CHECK(outcome.suppressed[2].suppressed == ".sprawlignore:3 path glob 'c/'");
  CHECK(outcome.suppressed[3].suppressed == "inline sprawl:allow");
  CHECK(outcome.suppressed[4].suppressed == ".gitleaksignore:1");
  CHECK(outcome.summary.suppressed == 5);
  CHECK(outcome.summary.baselined == 1);
}

TEST_CASE("load_suppressions without ignore files or baseline suppresses nothing", "[suppress]") {
  TempDir root;
  auto suppressions = sprawl::load_suppressions("", root.path());
  REQUIRE(suppressions.ok());
  CHECK(suppressions->empty());
  sprawl::ScanOutcome outcome;
  outcome.findings = {make_finding("a.py", 1, fake_github_pat(530))};
  sprawl::apply_suppressions(*suppressions, outcome);
  CHECK(outcome.findings.size() == 1);
  CHECK(outcome.summary.suppressed == 0);
}

TEST_CASE("load_suppressions names the file for a missing baseline and file:line for a bad ignore entry",
          "[suppress]") {
  TempDir root;
  auto missing = sprawl::load_suppressions(root / "nope.json", "");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("nope.json") != std::string::npos);
  root.write(".gitleaksignore", "ok.txt:rule:1\nnot a fingerprint\n");
  auto bad = sprawl::load_suppressions("", root.path());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == root.path() +
                                   "/.gitleaksignore:2: no ':' (expected a gitleaks fingerprint "
                                   "[commit:]file:rule-id:line)");
}
