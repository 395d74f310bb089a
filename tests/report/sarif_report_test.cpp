// build_sarif: the shape GitHub code scanning needs (rules, results, fingerprints, suppressions,
// notifications), secrets never shown, and the result cap keeping the most severe results.
#include <catch2/catch.hpp>

#include <simdjson.h>

#include <string>

#include "src/check/fingerprint.h"
#include "src/report/sarif_report.h"
#include "tests/support/fake_tokens.h"

using namespace sprawl;
using sprawl::test::fake_aws_key_id;
using sprawl::test::fake_github_pat;

namespace {

using simdjson::dom::element;

Rule make_rule(std::string id, Severity severity, std::string provider, std::vector<std::string> tags = {}) {
  Rule r;
  r.id = std::move(id);
  r.description = "Test credential " + r.id;
  r.provider = std::move(provider);
  r.nhi_type = "api_key";
  r.severity = severity;
  r.tags = std::move(tags);
  return r;
}

// Rules live as long as the test binary: findings point at them.
const Rule& github_rule() {
  static const Rule r = make_rule("github-pat", Severity::critical, "github", {"vcs", "github"});
  return r;
}
const Rule& aws_rule() {
  static const Rule r = make_rule("aws-access-key-id", Severity::high, "aws");
  return r;
}
const Rule& low_rule() {
  static const Rule r = make_rule("generic-low", Severity::low, "generic");
  return r;
}
const Rule& medium_rule() {
  static const Rule r = make_rule("generic-medium", Severity::medium, "generic");
  return r;
}

Finding make_finding(const Rule& rule, std::string path, std::string secret, std::uint32_t line = 3) {
  Finding f;
  f.rule = &rule;
  f.provenance.path = path;
  f.provenance.relative_path = std::move(path);
  f.start = {line, 17};
  f.end = {line, 17 + static_cast<std::uint32_t>(secret.size()) - 1};
  f.fingerprint = finding_fingerprint(rule.id, secret);
  f.secret = std::move(secret);
  f.blob_id = "0123456789abcdef0123456789abcdef01234567";
  return f;
}

ScanOutcome two_findings() {
  ScanOutcome outcome;
  outcome.findings.push_back(make_finding(github_rule(), "src/app config.py", fake_github_pat(1)));
  outcome.findings.push_back(make_finding(aws_rule(), "deploy/.env", fake_aws_key_id(2), 5));
  outcome.summary.files_scanned = 2;
  return outcome;
}

// Parses a SARIF log; the parser must outlive the elements, so each test keeps one.
element parse(simdjson::dom::parser& parser, const std::string& text) { return parser.parse(text); }

std::string str(element e) { return std::string(std::string_view(e)); }

element only_run(element log) {
  simdjson::dom::array runs = log["runs"];
  REQUIRE(runs.size() == 1);
  return runs.at(0);
}

std::vector<std::string> strings(element array) {
  std::vector<std::string> out;
  for (element e : array.get_array()) out.push_back(str(e));
  return out;
}

}  // namespace

TEST_CASE("sarif log names its schema and version and has one run by sprawl", "[report][sarif]") {
  simdjson::dom::parser parser;
  const element log = parse(parser, build_sarif(two_findings(), {}).text);
  CHECK(str(log["version"]) == "2.1.0");
  CHECK(str(log["$schema"]).find("sarif-schema-2.1.0.json") != std::string::npos);
  const element driver = only_run(log)["tool"]["driver"];
  CHECK(str(driver["name"]) == "sprawl");
  CHECK(str(driver["semanticVersion"]) == SPRAWL_VERSION);
  CHECK(str(driver["informationUri"]).rfind("https://", 0) == 0);
  CHECK(str(only_run(log)["columnKind"]) == "unicodeCodePoints");
}

TEST_CASE("sarif rules list each rule the results use once, with GitHub's properties", "[report][sarif]") {
  ScanOutcome outcome = two_findings();
  outcome.findings.push_back(make_finding(github_rule(), "b.txt", fake_github_pat(3)));
  simdjson::dom::parser parser;
  const element run = only_run(parse(parser, build_sarif(outcome, {}).text));
  simdjson::dom::array rules = run["tool"]["driver"]["rules"];
  REQUIRE(rules.size() == 2);
  const element aws = rules.at(0), github = rules.at(1);  // sorted by id
  CHECK(str(aws["id"]) == "aws-access-key-id");
  CHECK(str(aws["name"]) == "AwsAccessKeyId");
  CHECK(str(github["shortDescription"]["text"]) == "Test credential github-pat");
  CHECK(str(github["fullDescription"]["text"]).find("github") != std::string::npos);
  CHECK(str(github["help"]["text"]).find("Rotate or revoke") != std::string::npos);
  CHECK(str(github["help"]["markdown"]).find("git filter-repo") != std::string::npos);
  CHECK(str(github["defaultConfiguration"]["level"]) == "error");
  CHECK(str(github["properties"]["security-severity"]) == "9.5");
  CHECK(str(aws["properties"]["security-severity"]) == "8.0");
  CHECK(strings(github["properties"]["tags"]) ==
        std::vector<std::string>{"security", "secret", "github", "api_key", "vcs"});
  for (element result : run["results"].get_array()) {
    const std::int64_t index = result["ruleIndex"];
    CHECK(str(rules.at(index)["id"]) == str(result["ruleId"]));
  }
}

TEST_CASE("sarif results carry level, a redacted message, a region and fingerprints", "[report][sarif]") {
  const ScanOutcome outcome = two_findings();
  simdjson::dom::parser parser;
  const element run = only_run(parse(parser, build_sarif(outcome, {}).text));
  simdjson::dom::array results = run["results"];
  REQUIRE(results.size() == 2);
  const element github = results.at(0);
  CHECK(str(github["ruleId"]) == "github-pat");
  CHECK(str(github["level"]) == "error");
  CHECK(str(github["message"]["text"]) == "Test credential github-pat: ghp_\xE2\x80\xA6(40).");
  simdjson::dom::array locations = github["locations"];
  REQUIRE(locations.size() == 1);
  const element physical = locations.at(0)["physicalLocation"];
  CHECK(str(physical["artifactLocation"]["uri"]) == "src/app%20config.py");
  CHECK(str(physical["artifactLocation"]["uriBaseId"]) == "%SRCROOT%");
  CHECK(std::int64_t(physical["region"]["startLine"]) == 3);
  CHECK(std::int64_t(physical["region"]["startColumn"]) == 17);
  CHECK(std::int64_t(physical["region"]["endLine"]) == 3);
  CHECK(std::int64_t(physical["region"]["endColumn"]) == 17 + 40);  // one past the last character
  const std::string hash = str(github["partialFingerprints"]["primaryLocationLineHash"]);
  CHECK(hash.size() == 18);
  CHECK(hash.substr(16) == ":1");
  CHECK(str(github["partialFingerprints"]["sprawlSecretFingerprint/v1"]) == outcome.findings[0].fingerprint);
  CHECK(str(github["properties"]["provider"]) == "github");
  CHECK(str(github["properties"]["blob_id"]) == outcome.findings[0].blob_id);
  CHECK(str(results.at(1)["level"]) == "error");  // high
}

TEST_CASE("sarif levels: error for critical and high, warning for medium, note for low", "[report][sarif]") {
  ScanOutcome outcome;
  outcome.findings.push_back(make_finding(medium_rule(), "m.txt", fake_github_pat(4)));
  outcome.findings.push_back(make_finding(low_rule(), "n.txt", fake_github_pat(5)));
  simdjson::dom::parser parser;
  simdjson::dom::array results = only_run(parse(parser, build_sarif(outcome, {}).text))["results"];
  CHECK(str(results.at(0)["level"]) == "warning");
  CHECK(str(results.at(1)["level"]) == "note");
}

TEST_CASE("sarif never contains the raw secret, even with show_secrets", "[report][sarif]") {
  const ScanOutcome outcome = two_findings();
  ReportOptions options;
  options.show_secrets = true;
  const std::string text = build_sarif(outcome, options).text;
  for (const auto& f : outcome.findings) CHECK(text.find(f.secret) == std::string::npos);
}

TEST_CASE("sarif primaryLocationLineHash is stable when the secret moves to another line", "[report][sarif]") {
  ScanOutcome before = two_findings(), after = two_findings();
  after.findings[0].start.line = after.findings[0].end.line = 40;
  simdjson::dom::parser p1, p2;
  const element a = only_run(parse(p1, build_sarif(before, {}).text))["results"].at(0);
  const element b = only_run(parse(p2, build_sarif(after, {}).text))["results"].at(0);
  CHECK(str(a["partialFingerprints"]["primaryLocationLineHash"]) ==
        str(b["partialFingerprints"]["primaryLocationLineHash"]));
}

TEST_CASE("sarif results of git findings carry the commit, author and where in the repository", "[report][sarif]") {
  ScanOutcome outcome = two_findings();
  GitProvenance g;
  g.repository = "repo";
  g.commit = std::string(40, 'c');
  g.author_name = "Alice Example";
  g.author_email = "alice@example.com";
  g.author_date = "2024-01-02T03:04:05+00:00";
  g.summary = "add config";
  g.reachable = false;
  g.at_head = true;
  outcome.findings[0].provenance.git = g;
  simdjson::dom::parser parser;
  const element props = only_run(parse(parser, build_sarif(outcome, {}).text))["results"].at(0)["properties"];
  CHECK(str(props["commit"]) == g.commit);
  CHECK(str(props["author_name"]) == "Alice Example");
  CHECK(str(props["author_email"]) == "alice@example.com");
  CHECK(str(props["author_date"]) == g.author_date);
  CHECK(str(props["summary"]) == "add config");
  CHECK(str(props["location"]) == "commit");
  CHECK(bool(props["at_head"]) == true);
  CHECK(bool(props["reachable"]) == false);
}

TEST_CASE("sarif locates an unreachable blob, which has no path, by its object path", "[report][sarif]") {
  ScanOutcome outcome = two_findings();
  outcome.findings[0].provenance = {};
  outcome.findings[0].provenance.git = GitProvenance{"repo", GitLocation::unreachable};
  simdjson::dom::parser parser;
  const element result = only_run(parse(parser, build_sarif(outcome, {}).text))["results"].at(0);
  CHECK(str(result["locations"].at(0)["physicalLocation"]["artifactLocation"]["uri"]) ==
        ".git/objects/01/23456789abcdef0123456789abcdef01234567");
  CHECK(str(result["properties"]["location"]) == "unreachable");
}

TEST_CASE("sarif artifact URIs percent-encode everything but unreserved characters and slashes", "[report][sarif]") {
  CHECK(sarif_uri_encode("a/b-c_d.e~f") == "a/b-c_d.e~f");
  CHECK(sarif_uri_encode("my dir/a#b?c%d.txt") == "my%20dir/a%23b%3Fc%25d.txt");
  CHECK(sarif_uri_encode("c:x") == "c%3Ax");  // never read as a URI scheme
  CHECK(sarif_uri_encode("caf\xC3\xA9") == "caf%C3%A9");
}

TEST_CASE("sarif rule names are the rule id in CamelCase", "[report][sarif]") {
  CHECK(sarif_rule_name("aws-access-key-id") == "AwsAccessKeyId");
  CHECK(sarif_rule_name("github_pat.v2") == "GithubPatV2");
  CHECK(sarif_rule_name("---") == "Secret");
}

TEST_CASE("suppressed findings appear only on request, with inSource or external suppressions", "[report][sarif]") {
  ScanOutcome outcome = two_findings();
  Finding inline_allowed = make_finding(low_rule(), "x.py", fake_github_pat(6));
  inline_allowed.suppressed = "inline sprawl:allow";
  Finding baselined = make_finding(medium_rule(), "y.py", fake_github_pat(7));
  baselined.suppressed = "baseline";
  outcome.suppressed = {inline_allowed, baselined};

  simdjson::dom::parser p1;
  CHECK(only_run(parse(p1, build_sarif(outcome, {}).text))["results"].get_array().size() == 2);

  ReportOptions options;
  options.show_suppressed = true;
  simdjson::dom::parser p2;
  const element run = only_run(parse(p2, build_sarif(outcome, options).text));
  simdjson::dom::array results = run["results"];
  REQUIRE(results.size() == 4);
  CHECK(results.at(0)["suppressions"].error() == simdjson::NO_SUCH_FIELD);
  const element in_source = results.at(2)["suppressions"].at(0);
  CHECK(str(in_source["kind"]) == "inSource");
  CHECK(str(in_source["justification"]) == "inline sprawl:allow");
  const element external = results.at(3)["suppressions"].at(0);
  CHECK(str(external["kind"]) == "external");
  CHECK(str(external["justification"]) == "baseline");
  CHECK(run["tool"]["driver"]["rules"].get_array().size() == 4);
}

TEST_CASE("unreadable and skipped inputs become invocation notifications", "[report][sarif]") {
  ScanOutcome outcome = two_findings();
  outcome.errors.push_back({"secret dir/a.txt", "permission denied", true});
  outcome.skipped.push_back({"big.bin", "larger than --max-file-size", false});
  simdjson::dom::parser parser;
  const element invocation = only_run(parse(parser, build_sarif(outcome, {}).text))["invocations"].at(0);
  CHECK(bool(invocation["executionSuccessful"]) == false);
  simdjson::dom::array notes = invocation["toolExecutionNotifications"];
  REQUIRE(notes.size() == 2);
  CHECK(str(notes.at(0)["level"]) == "error");
  CHECK(str(notes.at(0)["message"]["text"]) == "secret dir/a.txt: permission denied");
  CHECK(str(notes.at(0)["locations"].at(0)["physicalLocation"]["artifactLocation"]["uri"]) == "secret%20dir/a.txt");
  CHECK(str(notes.at(1)["level"]) == "note");
  CHECK(str(notes.at(1)["message"]["text"]).find("big.bin") != std::string::npos);
}

TEST_CASE("a clean scan is a successful invocation with no results and no rules", "[report][sarif]") {
  simdjson::dom::parser parser;
  const element run = only_run(parse(parser, build_sarif(ScanOutcome{}, {}).text));
  CHECK(run["results"].get_array().size() == 0);
  CHECK(run["tool"]["driver"]["rules"].get_array().size() == 0);
  CHECK(bool(run["invocations"].at(0)["executionSuccessful"]) == true);
}

TEST_CASE("over GitHub's 25000 results a run keeps the most severe and says how many were left out",
          "[report][sarif]") {
  ScanOutcome outcome;
  constexpr std::uint32_t kFindings = 30000, kCritical = 20000;
  for (std::uint32_t i = 0; i < kFindings; ++i) {
    const Rule& rule = i % 3 == 0 && i / 3 < kFindings - kCritical ? low_rule() : github_rule();
    outcome.findings.push_back(make_finding(rule, "f" + std::to_string(i), fake_github_pat(i), 1 + i));
  }
  const SarifDocument doc = build_sarif(outcome, {});
  CHECK(doc.results_total == kFindings);
  CHECK(doc.results_left_out == 5000);
  simdjson::dom::parser parser;
  const element run = only_run(parse(parser, doc.text));
  simdjson::dom::array results = run["results"];
  REQUIRE(results.size() == 25000);
  std::size_t critical = 0;
  for (element r : results) critical += str(r["ruleId"]) == "github-pat";
  CHECK(critical == kCritical);
  const element note = run["invocations"].at(0)["toolExecutionNotifications"].at(0);
  CHECK(str(note["level"]) == "warning");
  CHECK(str(note["message"]["text"]).find("5000 of 30000 results were left out") != std::string::npos);
}

TEST_CASE("the result cap prefers findings over suppressed ones and keeps report order", "[report][sarif]") {
  ScanOutcome outcome;
  outcome.findings.push_back(make_finding(low_rule(), "a.txt", fake_github_pat(10)));
  outcome.findings.push_back(make_finding(github_rule(), "b.txt", fake_github_pat(11)));
  outcome.findings.push_back(make_finding(medium_rule(), "c.txt", fake_github_pat(12)));
  outcome.suppressed.push_back(make_finding(github_rule(), "d.txt", fake_github_pat(13)));
  outcome.suppressed.back().suppressed = "baseline";
  ReportOptions options;
  options.show_suppressed = true;
  const SarifDocument doc = build_sarif(outcome, options, SarifLimits{2, 10'000'000});
  CHECK(doc.results_left_out == 2);
  simdjson::dom::parser parser;
  simdjson::dom::array results = only_run(parse(parser, doc.text))["results"];
  REQUIRE(results.size() == 2);
  CHECK(str(results.at(0)["properties"]["path"]) == "b.txt");
  CHECK(str(results.at(1)["properties"]["path"]) == "c.txt");
}

TEST_CASE("over the compressed-size limit results are left out until the log fits", "[report][sarif]") {
  ScanOutcome outcome;
  for (std::uint32_t i = 0; i < 2000; ++i)
    outcome.findings.push_back(make_finding(github_rule(), "f" + std::to_string(i), fake_github_pat(i)));
  const SarifLimits limits{25000, 40'000};
  const SarifDocument doc = build_sarif(outcome, {}, limits);
  CHECK(doc.results_left_out > 0);
  CHECK(doc.results_left_out < 2000);
  simdjson::dom::parser parser;
  CHECK(only_run(parse(parser, doc.text))["results"].get_array().size() == 2000 - doc.results_left_out);
}

TEST_CASE("the same outcome always renders the same bytes", "[report][sarif]") {
  ScanOutcome outcome = two_findings();
  outcome.summary.seconds = 1.5;
  const std::string first = build_sarif(outcome, {}).text;
  outcome.summary.seconds = 7.25;
  CHECK(build_sarif(outcome, {}).text == first);
}
