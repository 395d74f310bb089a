// walk_inputs: files, directories (through symlinks, with loop detection), diagnostics for what
// cannot or will not be read, and display / relative paths.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "src/source/filesystem_walker.h"
#include "tests/support/temp_dir.h"

using sprawl::InputDiagnostic;
using sprawl::InputFile;
using sprawl::walk_inputs;

namespace {

struct RecordingSink : sprawl::WalkSink {
  std::vector<InputFile> files;
  std::vector<InputDiagnostic> diagnostics;
  void file(InputFile f) override { files.push_back(std::move(f)); }
  void diagnostic(InputDiagnostic d) override { diagnostics.push_back(std::move(d)); }

  std::vector<std::string> displays() const {
    std::vector<std::string> out;
    for (const auto& f : files) out.push_back(f.display_path);
    std::sort(out.begin(), out.end());
    return out;
  }
  const InputFile* find(const std::string& display) const {
    for (const auto& f : files)
      if (f.display_path == display) return &f;
    return nullptr;
  }
  const InputDiagnostic* diagnostic_for(const std::string& path) const {
    for (const auto& d : diagnostics)
      if (d.path == path) return &d;
    return nullptr;
  }
};

// Runs walk_inputs with the working directory set to `cwd`, so "." and relative arguments work.
RecordingSink walk_in(const std::string& cwd, const std::vector<std::string>& inputs) {
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(cwd);
  RecordingSink sink;
  walk_inputs(inputs, sink);
  std::filesystem::current_path(previous);
  return sink;
}

}  // namespace

TEST_CASE("walker lists regular files in nested directories", "[source]") {
  sprawl::test::TempDir dir;
  dir.write("root/a.txt", "a");
  dir.write("root/sub/b.txt", "b");
  dir.write("root/sub/deeper/c.txt", "c");
  dir.write("root/sub/deeper/empty", "");
  RecordingSink sink;
  walk_inputs({dir / "root"}, sink);
  CHECK(sink.diagnostics.empty());
  const std::string root = dir / "root";
  CHECK(sink.displays() == std::vector<std::string>{root + "/a.txt", root + "/sub/b.txt", root + "/sub/deeper/c.txt",
                                                    root + "/sub/deeper/empty"});
  const InputFile* c = sink.find(root + "/sub/deeper/c.txt");
  REQUIRE(c);
  CHECK(c->relative_path == "sub/deeper/c.txt");
  CHECK(c->path == root + "/sub/deeper/c.txt");
  CHECK_FALSE(c->is_stdin);
}

TEST_CASE("walker display paths for '.' have no prefix, for 'dir' start with dir/", "[source]") {
  sprawl::test::TempDir dir;
  dir.write("proj/src/main.c", "x");
  dir.write("proj/README", "x");
  {
    const auto sink = walk_in(dir / "proj", {"."});
    CHECK(sink.displays() == std::vector<std::string>{"README", "src/main.c"});
    const InputFile* main = sink.find("src/main.c");
    REQUIRE(main);
    CHECK(main->relative_path == "src/main.c");
  }
  {
    const auto sink = walk_in(dir.path(), {"proj"});
    CHECK(sink.displays() == std::vector<std::string>{"proj/README", "proj/src/main.c"});
    const InputFile* main = sink.find("proj/src/main.c");
    REQUIRE(main);
    CHECK(main->relative_path == "src/main.c");
    CHECK(main->path == "proj/src/main.c");
  }
  {
    const auto sink = walk_in(dir.path(), {"./proj/"});
    CHECK(sink.displays() == std::vector<std::string>{"proj/README", "proj/src/main.c"});
  }
}

TEST_CASE("walker passes a file argument through with its own name as display path", "[source]") {
  sprawl::test::TempDir dir;
  dir.write("proj/config.yml", "x");
  const auto sink = walk_in(dir.path(), {"proj/config.yml", "./proj/config.yml"});
  REQUIRE(sink.files.size() == 2);
  CHECK(sink.files[0].display_path == "proj/config.yml");
  CHECK(sink.files[1].display_path == "proj/config.yml");
  CHECK(sink.diagnostics.empty());
}

TEST_CASE("walker turns '-' into standard input", "[source]") {
  RecordingSink sink;
  walk_inputs({"-"}, sink);
  REQUIRE(sink.files.size() == 1);
  CHECK(sink.files[0].is_stdin);
  CHECK(sink.files[0].display_path == "-");
}

TEST_CASE("walker reports a missing input as an error", "[source]") {
  sprawl::test::TempDir dir;
  RecordingSink sink;
  walk_inputs({dir / "nope"}, sink);
  CHECK(sink.files.empty());
  REQUIRE(sink.diagnostics.size() == 1);
  CHECK(sink.diagnostics[0].path == dir / "nope");
  CHECK(sink.diagnostics[0].is_error);
}

TEST_CASE("walker reports a broken symlink", "[source]") {
  sprawl::test::TempDir dir;
  dir.write("root/ok.txt", "x");
  REQUIRE(::symlink("does-not-exist", (dir / "root/dangling").c_str()) == 0);
  const auto sink = walk_in(dir.path(), {"root"});
  CHECK(sink.displays() == std::vector<std::string>{"root/ok.txt"});
  const InputDiagnostic* d = sink.diagnostic_for("root/dangling");
  REQUIRE(d);
  CHECK(d->message == "broken symlink");
  CHECK(d->is_error);

  // As a command-line argument too.
  const auto direct = walk_in(dir.path(), {"root/dangling"});
  REQUIRE(direct.diagnostics.size() == 1);
  CHECK(direct.diagnostics[0].message == "broken symlink");
}

TEST_CASE("walker follows a symlink to a file and to a directory", "[source]") {
  sprawl::test::TempDir dir;
  dir.write("target/inner.txt", "x");
  dir.write("root/real.txt", "x");
  REQUIRE(::symlink((dir / "target").c_str(), (dir / "root/linked-dir").c_str()) == 0);
  REQUIRE(::symlink("real.txt", (dir / "root/linked-file").c_str()) == 0);
  const auto sink = walk_in(dir.path(), {"root"});
  CHECK(sink.diagnostics.empty());
  CHECK(sink.displays() == std::vector<std::string>{"root/linked-dir/inner.txt", "root/linked-file", "root/real.txt"});
}

TEST_CASE("walker reports a symlink loop back to a parent directory", "[source]") {
  sprawl::test::TempDir dir;
  dir.write("root/sub/file.txt", "x");
  REQUIRE(::symlink("..", (dir / "root/sub/up").c_str()) == 0);
  const auto sink = walk_in(dir.path(), {"root"});
  CHECK(sink.displays() == std::vector<std::string>{"root/sub/file.txt"});
  const InputDiagnostic* d = sink.diagnostic_for("root/sub/up");
  REQUIRE(d);
  CHECK_THAT(d->message, Catch::Contains("symlink loop"));
}

TEST_CASE("walker reports a symlink that points to itself", "[source]") {
  sprawl::test::TempDir dir;
  dir.write("root/file.txt", "x");
  REQUIRE(::symlink("self", (dir / "root/self").c_str()) == 0);
  const auto sink = walk_in(dir.path(), {"root"});
  CHECK(sink.displays() == std::vector<std::string>{"root/file.txt"});
  const InputDiagnostic* d = sink.diagnostic_for("root/self");
  REQUIRE(d);
  CHECK_THAT(d->message, Catch::Contains("symlink loop"));
}

TEST_CASE("walker notes a FIFO without reading it", "[source]") {
  sprawl::test::TempDir dir;
  dir.write("root/file.txt", "x");
  REQUIRE(::mkfifo((dir / "root/pipe").c_str(), 0600) == 0);
  const auto sink = walk_in(dir.path(), {"root"});  // would hang if the FIFO were opened
  CHECK(sink.displays() == std::vector<std::string>{"root/file.txt"});
  const InputDiagnostic* d = sink.diagnostic_for("root/pipe");
  REQUIRE(d);
  CHECK_THAT(d->message, Catch::Contains("FIFO"));
  CHECK_FALSE(d->is_error);
}

TEST_CASE("walker escapes a non-UTF-8 file name with \\x and notes it", "[source]") {
  sprawl::test::TempDir dir;
  dir.write("root/ok.txt", "x");
  const std::string odd = std::string("caf") + "\xE9" + ".txt";  // Latin-1 é
  dir.write("root/" + odd, "x");
  const auto sink = walk_in(dir.path(), {"root"});
  CHECK(sink.displays() == std::vector<std::string>{"root/caf\\xe9.txt", "root/ok.txt"});
  const InputFile* f = sink.find("root/caf\\xe9.txt");
  REQUIRE(f);
  CHECK(f->path == "root/" + odd);  // still opens the real name
  CHECK(f->relative_path == "caf\\xe9.txt");
  const InputDiagnostic* d = sink.diagnostic_for("root/caf\\xe9.txt");
  REQUIRE(d);
  CHECK_FALSE(d->is_error);
}

TEST_CASE("printable_path leaves valid UTF-8 alone and escapes invalid bytes", "[source]") {
  CHECK(sprawl::printable_path("plain/path.txt") == "plain/path.txt");
  CHECK(sprawl::printable_path("caf\xC3\xA9/\xE2\x82\xAC.txt") == "caf\xC3\xA9/\xE2\x82\xAC.txt");
  CHECK(sprawl::printable_path("a\xFF"
                               "b") == "a\\xffb");
  CHECK(sprawl::printable_path("trunc\xE2\x82") == "trunc\\xe2\\x82");
}

TEST_CASE("printable_path escapes overlong and surrogate encodings", "[source]") {
  // Not valid UTF-8 (RFC 3629): overlong "/" and an encoded UTF-16 surrogate.
  CHECK(sprawl::printable_path("a\xC0\xAF"
                               "b") == "a\\xc0\\xafb");
  CHECK(sprawl::printable_path("a\xED\xA0\x80"
                               "b") == "a\\xed\\xa0\\x80b");
}

TEST_CASE("walker skips .git/objects but walks the rest of .git", "[source]") {
  sprawl::test::TempDir dir;
  dir.write("repo/.git/config", "[core]");
  dir.write("repo/.git/HEAD", "ref: refs/heads/main");
  dir.write("repo/.git/objects/ab/cdef0123", "packed");
  dir.write("repo/.git/objects/pack/pack-1.pack", "packed");
  dir.write("repo/.git/lfs/objects/aa/bb", "lfs");
  dir.write("repo/src/objects/model.py", "x");  // "objects" outside .git is ordinary
  const auto sink = walk_in(dir.path(), {"repo"});
  CHECK(sink.diagnostics.empty());
  CHECK(sink.displays() == std::vector<std::string>{"repo/.git/HEAD", "repo/.git/config", "repo/src/objects/model.py"});
}
