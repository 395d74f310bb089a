// End-to-end: bad inputs get one clear line naming the input, the scan goes on with the rest,
// nothing already found is lost, and the exit code says what happened.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>
#include <string>

#include "tests/support/cli_runner.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/findings_json.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

namespace {

bool has_line(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("a missing input is an error with exit code 2", "[cli][bad-input]") {
  TempDir tree;
  const CliResult result = run_sprawl({"scan", "does-not-exist"}, tree.path());
  CHECK(result.exit_code == 2);
  CHECK(has_line(result.err, "sprawl: error: does-not-exist: No such file or directory"));
}

TEST_CASE("an unreadable input is reported and findings elsewhere are kept", "[cli][bad-input]") {
  TempDir tree;
  tree.write("good.txt", "t=" + fake_github_pat(20) + "\n");
  // /proc/self/mem is a regular file whose read fails (EIO) even for root.
  const CliResult result = run_sprawl({"scan", "good.txt", "/proc/self/mem", "--format", "json"}, tree.path());
  CHECK(result.exit_code == 1);
  CHECK(has_line(result.err, "sprawl: error: /proc/self/mem: cannot read"));
  const ReportedScan scan = parse_report(result.out);
  CHECK(scan.findings.size() == 1);
  REQUIRE(scan.error_paths.size() == 1);
  CHECK(scan.error_paths[0] == "/proc/self/mem");
  const CliResult alone = run_sprawl({"scan", "/proc/self/mem"}, tree.path());
  CHECK(alone.exit_code == 2);
}

TEST_CASE("permission denied on a file is reported by name", "[cli][bad-input]") {
  if (::geteuid() == 0) {
    SUCCEED("running as root: permissions are not enforced; covered by the /proc/self/mem case");
    return;
  }
  TempDir tree;
  const std::string path = tree.write("secret.txt", "x\n");
  ::chmod(path.c_str(), 0);
  const CliResult result = run_sprawl({"scan", "."}, tree.path());
  CHECK(result.exit_code == 2);
  CHECK(has_line(result.err, "secret.txt: cannot read: Permission denied"));
}

TEST_CASE("broken symlinks and symlink loops are errors; the rest is scanned", "[cli][bad-input]") {
  TempDir tree;
  tree.write("ok/key.txt", "t=" + fake_github_pat(21) + "\n");
  REQUIRE(::symlink("nowhere.txt", (tree / "ok/dangling").c_str()) == 0);
  REQUIRE(::symlink("self", (tree / "ok/self").c_str()) == 0);
  REQUIRE(::symlink("..", (tree / "ok/up").c_str()) == 0);
  const CliResult result = run_sprawl({"scan", ".", "--format", "json"}, tree.path());
  CHECK(result.exit_code == 1);
  CHECK(has_line(result.err, "sprawl: error: ok/dangling: broken symlink"));
  CHECK(has_line(result.err, "sprawl: error: ok/self: symlink loop"));
  CHECK(has_line(result.err, "sprawl: error: ok/up: symlink loop"));
  const ReportedScan scan = parse_report(result.out);
  CHECK(scan.findings.size() == 1);
  CHECK(scan.error_paths.size() == 3);
}

TEST_CASE("FIFOs are skipped with a note and never block the scan", "[cli][bad-input]") {
  TempDir tree;
  tree.write("a.txt", "plain\n");
  REQUIRE(::mkfifo((tree / "pipe").c_str(), 0600) == 0);
  const CliResult walked = run_sprawl({"scan", "."}, tree.path());
  CHECK(walked.exit_code == 0);
  CHECK(has_line(walked.err, "sprawl: note: pipe: a FIFO, not scanned"));
  const CliResult named = run_sprawl({"scan", "pipe"}, tree.path());
  CHECK(named.exit_code == 2);
  CHECK(has_line(named.err, "sprawl: error: pipe: a FIFO, not scanned"));
}

TEST_CASE("a file name that is not UTF-8 is scanned and shown escaped", "[cli][bad-input]") {
  TempDir tree;
  tree.write(std::string("bad\xff"
                         "name.txt"),
             "t=" + fake_github_pat(22) + "\n");
  const CliResult result = run_sprawl({"scan", ".", "--format", "json"}, tree.path());
  CHECK(result.exit_code == 1);
  CHECK(has_line(result.err, "bad\\xffname.txt: file name is not valid UTF-8"));
  const ReportedScan scan = parse_report(result.out);
  REQUIRE(scan.findings.size() == 1);
  CHECK(scan.findings[0].path == "bad\\xffname.txt");
}

TEST_CASE("empty files are counted, and empty stdin is an error", "[cli][bad-input]") {
  TempDir tree;
  tree.write("empty.txt", "");
  tree.write("__init__.py", "");
  const CliResult files = run_sprawl({"scan", ".", "--format", "json"}, tree.path());
  CHECK(files.exit_code == 0);
  CHECK(parse_report(files.out).empty_files == 2);
  const CliResult stdin_scan = run_sprawl({"scan", "-"}, tree.path(), "");
  CHECK(stdin_scan.exit_code == 2);
  CHECK(has_line(stdin_scan.err, "sprawl: error: -: standard input is empty"));
}

TEST_CASE("files over --max-file-size are skipped and named", "[cli][bad-input]") {
  TempDir tree;
  tree.write("big.log", std::string(5000, 'a') + " t=" + fake_github_pat(23) + "\n");
  tree.write("small.txt", "t=" + fake_github_pat(24) + "\n");
  const CliResult result = run_sprawl({"scan", ".", "--max-file-size", "1000", "--format", "json"}, tree.path());
  CHECK(result.exit_code == 1);
  CHECK(has_line(result.err, "sprawl: note: big.log: larger than --max-file-size"));
  const ReportedScan scan = parse_report(result.out);
  CHECK(scan.findings.size() == 1);
  REQUIRE(scan.skipped_paths.size() == 1);
  CHECK(scan.skipped_paths[0] == "big.log");
}

TEST_CASE("a malformed config is a usage error naming the file and line", "[cli][bad-input]") {
  TempDir tree;
  tree.write("a.txt", "plain\n");
  tree.write("broken.toml", "[[allowlists]]\npaths = [\"unterminated\n");
  const CliResult result = run_sprawl({"scan", ".", "--config", "broken.toml"}, tree.path());
  CHECK(result.exit_code == 2);
  CHECK(has_line(result.err, "sprawl: error: broken.toml:2:"));
  const CliResult missing = run_sprawl({"scan", ".", "--config", "nope.toml"}, tree.path());
  CHECK(missing.exit_code == 2);
  CHECK(has_line(missing.err, "nope.toml: cannot open config file"));
}

TEST_CASE("unknown flags and bad values are usage errors with exit code 2", "[cli][bad-input]") {
  CHECK(run_sprawl({"scan", "--no-such-flag"}).exit_code == 2);
  CHECK(run_sprawl({"scan", "--format", "xml"}).exit_code == 2);
  CHECK(run_sprawl({"scan", "--threads", "0"}).exit_code == 2);
  CHECK(run_sprawl({}).exit_code == 2);
}

TEST_CASE("an unwritable --output is an error before scanning", "[cli][bad-input]") {
  TempDir tree;
  tree.write("a.txt", "plain\n");
  const CliResult result = run_sprawl({"scan", ".", "--output", tree / "no/such/dir/out.json"}, tree.path());
  CHECK(result.exit_code == 2);
  CHECK(has_line(result.err, "cannot write output"));
}
