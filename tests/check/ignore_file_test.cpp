// Ignore files: .sprawlignore fingerprints and gitignore-like globs, .gitleaksignore gitleaks
// fingerprints, and the one-line errors for malformed entries.
#include <catch2/catch.hpp>

#include <string>

#include "src/check/fingerprint.h"
#include "src/check/ignore_file.h"
#include "tests/support/fake_tokens.h"

using sprawl::Finding;
using sprawl::GitleaksIgnoreEntry;
using sprawl::PathGlob;
using sprawl::Rule;
using sprawl::SprawlIgnoreEntry;

namespace {

const Rule& github_rule() {
  static const Rule rule = [] {
    Rule r;
    r.id = "github-pat-classic";
    return r;
  }();
  return rule;
}

Finding finding_at(const std::string& relative_path, std::uint32_t line, const std::string& secret = "") {
  Finding f;
  f.rule = &github_rule();
  f.provenance.relative_path = relative_path;
  f.provenance.path = relative_path;
  f.start.line = line;
  f.secret = secret.empty() ? sprawl::test::fake_github_pat(line) : secret;
  f.fingerprint = sprawl::finding_fingerprint(f.rule->id, f.secret);
  return f;
}

bool glob_matches(const std::string& pattern, const std::string& path) {
  auto glob = PathGlob::parse(pattern);
  REQUIRE(glob.ok());
  return glob->matches(path);
}

std::vector<SprawlIgnoreEntry> sprawlignore(const std::string& text) {
  auto entries = sprawl::parse_sprawlignore(text, ".sprawlignore");
  INFO((entries ? std::string() : entries.error().message));
  REQUIRE(entries.ok());
  return std::move(*entries);
}

std::vector<GitleaksIgnoreEntry> gitleaksignore(const std::string& text) {
  auto entries = sprawl::parse_gitleaksignore(text, ".gitleaksignore");
  INFO((entries ? std::string() : entries.error().message));
  REQUIRE(entries.ok());
  return std::move(*entries);
}

}  // namespace

TEST_CASE("a glob without a slash matches a file or directory name at any depth", "[suppress]") {
  CHECK(glob_matches("*.env", ".env"));
  CHECK(glob_matches("*.env", "deploy/prod.env"));
  CHECK(glob_matches("fixtures", "tests/fixtures/tokens.txt"));
  CHECK(glob_matches("fixtures", "fixtures"));
  CHECK_FALSE(glob_matches("*.env", "deploy/prod.env.example"));
  CHECK_FALSE(glob_matches("fixtures", "tests/fixtures2/tokens.txt"));
}

TEST_CASE("a star stays within one path segment, a double star crosses segments", "[suppress]") {
  CHECK(glob_matches("src/*.py", "src/config.py"));
  CHECK_FALSE(glob_matches("src/*.py", "src/app/config.py"));
  CHECK(glob_matches("src/**/*.py", "src/config.py"));
  CHECK(glob_matches("src/**/*.py", "src/app/deep/config.py"));
  CHECK(glob_matches("**/testdata/*.json", "a/b/testdata/x.json"));
  CHECK(glob_matches("docs/**", "docs/guide/setup.md"));
  CHECK_FALSE(glob_matches("docs/**", "docs"));
  CHECK(glob_matches("te?t/[a-c]*.txt", "test/beta.txt"));
  CHECK_FALSE(glob_matches("te?t/[!a-c]*.txt", "test/beta.txt"));
}

TEST_CASE("a slash at the start or in the middle anchors the glob at the scan root", "[suppress]") {
  CHECK(glob_matches("/config.py", "config.py"));
  CHECK_FALSE(glob_matches("/config.py", "src/config.py"));
  CHECK(glob_matches("src/config.py", "src/config.py"));
  CHECK_FALSE(glob_matches("src/config.py", "lib/src/config.py"));
  CHECK(glob_matches("/vendor", "vendor/lib/key.pem"));
}

TEST_CASE("a trailing slash matches directories only, and everything under them", "[suppress]") {
  CHECK(glob_matches("vendor/", "vendor/a.txt"));
  CHECK(glob_matches("vendor/", "third_party/vendor/deep/a.txt"));
  CHECK_FALSE(glob_matches("vendor/", "vendor"));
  CHECK_FALSE(glob_matches("vendor/", "src/vendor.txt"));
}

TEST_CASE("globs compare paths without a leading ./", "[suppress]") {
  CHECK(glob_matches("/src/*.py", "./src/a.py"));
  CHECK(glob_matches("./src/*.py", "src/a.py"));
}

TEST_CASE(".sprawlignore holds fingerprints and globs and skips comments and blank lines", "[suppress]") {
  const Finding f = finding_at("src/app.py", 3);
  std::string upper = f.fingerprint;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto entries = sprawlignore("# reviewed 2024-05-01\n\n" + upper + "\n  tests/fixtures/  \r\n");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].line == 3);
  CHECK(entries[0].fingerprint == f.fingerprint);
  CHECK(entries[0].describe() == "fingerprint");
  CHECK(entries[0].matches(f));
  CHECK_FALSE(entries[0].matches(finding_at("src/app.py", 4)));
  CHECK(entries[1].line == 4);
  CHECK(entries[1].describe() == "path glob 'tests/fixtures/'");
  CHECK(entries[1].matches(finding_at("tests/fixtures/a.txt", 1)));
  CHECK_FALSE(entries[1].matches(f));
}

TEST_CASE("malformed .sprawlignore lines are one-line errors naming file and line", "[suppress]") {
  for (const std::string bad : {"!keep.txt", "src/[abc.txt", "/", "a\\"}) {
    auto entries = sprawl::parse_sprawlignore("# ok\n*.env\n" + bad + "\n", "root/.sprawlignore");
    if (bad == "a\\") {  // a trailing backslash matches a literal backslash, like gitignore
      CHECK(entries.ok());
      continue;
    }
    INFO(bad);
    REQUIRE_FALSE(entries.ok());
    CHECK(entries.error().message.rfind("root/.sprawlignore:3: ", 0) == 0);
    CHECK(entries.error().message.find('\n') == std::string::npos);
  }
}

TEST_CASE(".gitleaksignore entries match file and start line, not the rule id", "[suppress]") {
  const auto entries = gitleaksignore(
      "# gitleaks fingerprints\nconfig/.env:generic-api-key:4\n"
      "0123456789abcdef0123456789abcdef01234567:src/app.py:github-pat:12\n");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].line == 2);
  CHECK(entries[0].file == "config/.env");
  CHECK(entries[0].rule_id == "generic-api-key");
  CHECK(entries[0].start_line == 4);
  CHECK(entries[0].commit.empty());
  CHECK(entries[0].matches(finding_at("config/.env", 4)));
  CHECK_FALSE(entries[0].matches(finding_at("config/.env", 5)));
  CHECK_FALSE(entries[0].matches(finding_at("other/.env", 4)));
  CHECK(entries[1].commit == "0123456789abcdef0123456789abcdef01234567");
  CHECK(entries[1].file == "src/app.py");
  CHECK(entries[1].start_line == 12);
}

TEST_CASE("a .gitleaksignore commit must be the finding's commit when the finding has one", "[suppress]") {
  const auto entries = gitleaksignore("abcdef1:src/app.py:github-pat:12\n");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].commit == "abcdef1");  // abbreviated, as gitleaks 8.26+ writes it
  Finding plain = finding_at("src/app.py", 12);
  CHECK(entries[0].matches(plain));  // no commit: a work-tree finding
  Finding in_history = plain;
  in_history.provenance.git.emplace();
  in_history.provenance.git->commit = "abcdef1234567890abcdef1234567890abcdef12";
  CHECK(entries[0].matches(in_history));
  in_history.provenance.git->commit = "1234567890abcdef1234567890abcdef12345678";
  CHECK_FALSE(entries[0].matches(in_history));
}

TEST_CASE("a .gitleaksignore file name may contain colons", "[suppress]") {
  const auto entries = gitleaksignore("C:dir/a.txt:rule:3\n");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].file == "C:dir/a.txt");
  CHECK(entries[0].commit.empty());
}

TEST_CASE("malformed .gitleaksignore lines are one-line errors naming file and line", "[suppress]") {
  for (const std::string bad : {"just-a-word", "file:rule:", "file:rule:x1", "file:rule:0", ":4", "rule:4",
                                "0123abcd:file::4", "abcdef1::rule:4"}) {
    auto entries = sprawl::parse_gitleaksignore("\n# c\n" + bad + "\n", "repo/.gitleaksignore");
    INFO(bad);
    REQUIRE_FALSE(entries.ok());
    CHECK(entries.error().message.rfind("repo/.gitleaksignore:3: ", 0) == 0);
    CHECK(entries.error().message.find('\n') == std::string::npos);
  }
}

TEST_CASE("empty ignore files and files of comments have no entries", "[suppress]") {
  CHECK(sprawlignore("").empty());
  CHECK(sprawlignore("# nothing\n\n   \n").empty());
  CHECK(gitleaksignore("# nothing\r\n").empty());
}
