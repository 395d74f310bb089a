// End-to-end: `sprawl scan` on generated trees finds exactly the planted secrets, at the right
// line and column, in every text shape, and exits with the documented codes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "src/check/offline/token_checks.h"
#include "tests/support/cli_runner.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/findings_json.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

namespace {

const ReportedFinding* find(const ReportedScan& scan, const std::string& rule_prefix, const std::string& path) {
  for (const auto& f : scan.findings) {
    if (f.rule_id.rfind(rule_prefix, 0) == 0 && f.path == path) return &f;
  }
  return nullptr;
}

ReportedScan scan_json(const std::string& dir, std::vector<std::string> extra = {}, int expected_exit = 1) {
  std::vector<std::string> args{"scan", ".", "--format", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  const CliResult result = run_sprawl(args, dir);
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == expected_exit);
  return parse_report(result.out);
}

std::string utf16le_with_bom(const std::string& ascii) {
  std::string out("\xFF\xFE", 2);
  for (char c : ascii) {
    out.push_back(c);
    out.push_back('\0');
  }
  return out;
}

}  // namespace

TEST_CASE("scan reports planted secrets with rule, path, line and column", "[cli][scan]") {
  TempDir tree;
  const std::string pat = fake_github_pat(1), key_id = fake_aws_key_id(2);
  tree.write("src/config.py", "import os\n\nGITHUB_TOKEN = \"" + pat + "\"\n");
  tree.write("deploy/.env", "# aws\nAWS_ACCESS_KEY_ID=" + key_id + "\n");
  tree.write("README.md", "nothing to see here\n");
  const ReportedScan scan = scan_json(tree.path());
  REQUIRE(scan.schema_version == 1);
  REQUIRE(scan.findings.size() == 2);
  const auto* github = find(scan, "github", "src/config.py");
  REQUIRE(github);
  CHECK(github->line == 3);
  CHECK(github->column == 17);
  CHECK(github->end_line == 3);
  CHECK(github->end_column == 17 + 40 - 1);
  const auto* aws = find(scan, "aws-access-key-id", "deploy/.env");
  REQUIRE(aws);
  CHECK(aws->line == 2);
  CHECK(aws->column == 19);
  CHECK(scan.files_scanned == 3);
}

TEST_CASE("a clean tree exits 0 and says so", "[cli][scan]") {
  TempDir tree;
  tree.write("main.go", "package main\n\nfunc main() { println(\"hello\") }\n");
  const CliResult result = run_sprawl({"scan", "."}, tree.path());
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("0 findings in 1 file") != std::string::npos);
}

TEST_CASE("secrets are redacted unless --show-secrets is given", "[cli][scan]") {
  TempDir tree;
  const std::string pat = fake_github_pat(3);
  tree.write("a.txt", "token: " + pat + "\n");
  const CliResult human = run_sprawl({"scan", "."}, tree.path());
  CHECK(human.exit_code == 1);
  CHECK(human.out.find(pat) == std::string::npos);
  CHECK(human.out.find(pat.substr(0, 4) + "…(40)") != std::string::npos);
  const ReportedScan redacted = scan_json(tree.path());
  REQUIRE(redacted.findings.size() == 1);
  CHECK(redacted.findings[0].redacted);
  CHECK(redacted.findings[0].secret == pat.substr(0, 4) + "…(40)");
  CHECK(redacted.findings[0].fingerprint.find(pat) == std::string::npos);
  const ReportedScan shown = scan_json(tree.path(), {"--show-secrets"});
  REQUIRE(shown.findings.size() == 1);
  CHECK(shown.findings[0].secret == pat);
  CHECK_FALSE(shown.findings[0].redacted);
  CHECK(shown.findings[0].fingerprint == redacted.findings[0].fingerprint);
}

TEST_CASE("line and column are right for CRLF files and files without a final newline", "[cli][scan]") {
  TempDir tree;
  const std::string pat = fake_github_pat(4);
  tree.write("crlf.ini", "[auth]\r\nname = ci\r\ntoken = " + pat + "\r\n");
  tree.write("nonl.txt", "first\nsecond " + pat);
  const ReportedScan scan = scan_json(tree.path());
  const auto* crlf = find(scan, "github", "crlf.ini");
  REQUIRE(crlf);
  CHECK(crlf->line == 3);
  CHECK(crlf->column == 9);
  const auto* nonl = find(scan, "github", "nonl.txt");
  REQUIRE(nonl);
  CHECK(nonl->line == 2);
  CHECK(nonl->column == 8);
  CHECK(nonl->end_column == 8 + 39);
}

TEST_CASE("a secret deep inside a minified line gets its true column", "[cli][scan]") {
  TempDir tree;
  const std::string pat = fake_github_pat(5);
  std::string line;
  while (line.size() < 200000) line += "var a=function(b){return b+1};";
  const std::size_t column = line.size() + std::string("k=\"").size() + 1;
  tree.write("app.min.js", "/* header */\n" + line + "k=\"" + pat + "\";" + line + "\n");
  const ReportedScan scan = scan_json(tree.path());
  const auto* f = find(scan, "github", "app.min.js");
  REQUIRE(f);
  CHECK(f->line == 2);
  CHECK(f->column == static_cast<std::int64_t>(column));
}

TEST_CASE("columns count characters, not bytes, after multi-byte UTF-8", "[cli][scan]") {
  TempDir tree;
  const std::string pat = fake_github_pat(6);
  tree.write("i18n.txt", "clé→ " + pat + "\n");  // c l é → space: 5 characters, 7 bytes
  const ReportedScan scan = scan_json(tree.path());
  const auto* f = find(scan, "github", "i18n.txt");
  REQUIRE(f);
  CHECK(f->column == 6);
}

TEST_CASE("UTF-16 text files are decoded and scanned", "[cli][scan]") {
  TempDir tree;
  const std::string pat = fake_github_pat(7);
  tree.write("settings.reg", utf16le_with_bom("Windows Registry Editor\r\n\"Token\"=\"" + pat + "\"\r\n"));
  const ReportedScan scan = scan_json(tree.path());
  const auto* f = find(scan, "github", "settings.reg");
  REQUIRE(f);
  CHECK(f->encoding == "utf-16le");
  CHECK(f->line == 2);
  CHECK(f->column == 10);
}

TEST_CASE("binary files are scanned but their findings are capped", "[cli][scan]") {
  TempDir tree;
  std::string blob(
      "\x7f"
      "ELF\0\0\0\0",
      8);
  for (int i = 0; i < 40; ++i) blob += std::string("\0\0", 2) + fake_github_pat(100 + i) + std::string("\0", 1);
  tree.write("tool.bin", blob);
  const ReportedScan scan = scan_json(tree.path());
  CHECK(scan.findings.size() == 10);
  CHECK(scan.dropped_binary_cap == 30);
  CHECK(scan.findings[0].encoding == "binary");
}

TEST_CASE("identical content in two files is scanned once and reported at both paths", "[cli][scan]") {
  TempDir tree;
  const std::string content = "TOKEN=" + fake_github_pat(8) + "\n";
  tree.write("a/one.env", content);
  tree.write("b/two.env", content);
  const ReportedScan scan = scan_json(tree.path());
  REQUIRE(scan.findings.size() == 2);
  CHECK(scan.duplicate_blobs == 1);
  CHECK(scan.findings[0].blob_id == scan.findings[1].blob_id);
  CHECK(scan.findings[0].fingerprint == scan.findings[1].fingerprint);
  CHECK(find(scan, "github", "a/one.env"));
  CHECK(find(scan, "github", "b/two.env"));
}

TEST_CASE("output is identical whatever the thread count", "[cli][scan]") {
  TempDir tree;
  for (int i = 0; i < 60; ++i)
    tree.write("d" + std::to_string(i % 7) + "/f" + std::to_string(i) + ".txt",
               i % 3 == 0 ? "k = " + fake_github_pat(200 + i) + "\n" : "plain text " + std::to_string(i) + "\n");
  const CliResult one = run_sprawl({"scan", ".", "--format", "jsonl", "--threads", "1"}, tree.path());
  const CliResult four = run_sprawl({"scan", ".", "--format", "jsonl", "--threads", "4"}, tree.path());
  REQUIRE(one.exit_code == 1);
  REQUIRE(four.exit_code == 1);
  auto strip_summary = [](const std::string& s) { return s.substr(0, s.find("\"type\":\"summary\"")); };
  CHECK(strip_summary(one.out) == strip_summary(four.out));
  CHECK(std::count(one.out.begin(), one.out.end(), '\n') == 20 + 1);
}

TEST_CASE("paths are shown as given: file arguments, directories and stdin", "[cli][scan]") {
  TempDir tree;
  const std::string pat = fake_github_pat(9);
  tree.write("sub/x.txt", "t=" + pat + "\n");
  const CliResult by_dir = run_sprawl({"scan", "sub", "--format", "json"}, tree.path());
  CHECK(parse_report(by_dir.out).findings.at(0).path == "sub/x.txt");
  const CliResult by_file = run_sprawl({"scan", tree / "sub/x.txt", "--format", "json"});
  CHECK(parse_report(by_file.out).findings.at(0).path == tree / "sub/x.txt");
  const CliResult from_stdin = run_sprawl({"scan", "-", "--format", "json"}, "", "t=" + pat + "\n");
  CHECK(from_stdin.exit_code == 1);
  CHECK(parse_report(from_stdin.out).findings.at(0).path == "-");
}

TEST_CASE("scan --exit-code replaces the findings exit code", "[cli][scan]") {
  TempDir tree;
  tree.write("a.txt", "t=" + fake_github_pat(10) + "\n");
  CHECK(run_sprawl({"scan", ".", "--exit-code", "42"}, tree.path()).exit_code == 42);
  CHECK(run_sprawl({"scan", ".", "--exit-code", "0"}, tree.path()).exit_code == 0);
}

TEST_CASE("scan --output writes the report to a file and keeps stdout quiet", "[cli][scan]") {
  TempDir tree;
  tree.write("a.txt", "t=" + fake_github_pat(11) + "\n");
  const std::string report = tree / "out/report.jsonl";
  tree.write("out/.keep", "");
  const CliResult result = run_sprawl({"scan", "a.txt", "--format", "jsonl", "--output", report}, tree.path());
  CHECK(result.exit_code == 1);
  CHECK(result.out.empty());
  const std::string written = read_text(report);
  CHECK(written.find("\"type\":\"finding\"") != std::string::npos);
  CHECK(written.find("\"type\":\"summary\"") != std::string::npos);
  CHECK(result.err.find("1 finding") != std::string::npos);
}

TEST_CASE("human output has one block per finding and a summary line", "[cli][scan]") {
  TempDir tree;
  tree.write("a.txt", "t=" + fake_github_pat(12) + "\nid=" + fake_aws_key_id(13) + "\n");
  const CliResult result = run_sprawl({"scan", "."}, tree.path());
  CHECK(result.exit_code == 1);
  CHECK(result.out.find("a.txt:1:3") != std::string::npos);
  CHECK(result.out.find("a.txt:2:4") != std::string::npos);
  CHECK(result.out.find("Provider: aws") != std::string::npos);
  CHECK(result.out.find("NHI type:") != std::string::npos);
  CHECK(result.out.find("\033[") == std::string::npos);  // no colour in a pipe
  CHECK(result.out.find("sprawl: 2 findings in 1 file") != std::string::npos);
  const CliResult colored = run_sprawl({"scan", ".", "--color", "always"}, tree.path());
  CHECK(colored.out.find("\033[") != std::string::npos);
}

TEST_CASE("progress is written to stderr when asked for", "[cli][scan]") {
  TempDir tree;
  tree.write("a.txt", "plain\n");
  const CliResult result = run_sprawl({"scan", ".", "--progress", "always", "--progress-after-ms", "0"}, tree.path());
  CHECK(result.exit_code == 0);
  CHECK(result.err.find("sprawl: scanning") != std::string::npos);
  const CliResult quiet = run_sprawl({"scan", "."}, tree.path());
  CHECK(quiet.err.find("scanning") == std::string::npos);
}

TEST_CASE("placeholders and documented example keys are not reported", "[cli][scan]") {
  TempDir tree;
  tree.write("docs.md",
             "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7"
             "EXAMPLE\n"
             "GITHUB_TOKEN=ghp_" +
                 std::string(36, 'x') +
                 "\n"
                 "password: ${DB_PASSWORD}\n"
                 "api_key = \"<YOUR_API_KEY>\"\n");
  const CliResult result = run_sprawl({"scan", "."}, tree.path());
  CHECK(result.exit_code == 0);
}

TEST_CASE("a secret claimed by a provider rule and a generic rule is reported once, by the provider rule",
          "[cli][scan]") {
  TempDir tree;
  tree.write("settings.py", "GITHUB_API_TOKEN = \"" + fake_github_pat(50) + "\"\n");
  const ReportedScan scan = scan_json(tree.path());
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].rule_id.rfind("github", 0) == 0);
}

TEST_CASE("a directory scan reads .git/config but leaves the object store to the git source", "[cli][scan]") {
  TempDir tree;
  const std::string pat = fake_github_pat(60);
  tree.write(".git/config", "[remote \"origin\"]\n\turl = https://ci-bot:" + pat + "@github.com/acme/app.git\n");
  tree.write(".git/objects/ab/cdef", "t=" + fake_github_pat(61) + "\n");
  const ReportedScan scan = scan_json(tree.path());
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].path == ".git/config");
  CHECK(scan.findings[0].line == 2);
}

TEST_CASE("two rules of equal rank reporting the same secret give one finding", "[cli][scan]") {
  TempDir tree;
  const std::string body = random_chars(kBase62, 30, 62);  // with its checksum: a wrong one is dropped
  tree.write(".npmrc", "//registry.npmjs.org/:_authToken=npm_" + body + sprawl::offline::crc32_base62(body) + "\n");
  const ReportedScan scan = scan_json(tree.path());
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].rule_id.rfind("npm", 0) == 0);
}
