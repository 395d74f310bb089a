// parse_index_file / read_index_file: real indexes written by the git CLI (v2, v3, v4, long
// paths, conflicts, gitlinks, cache trees, split and sparse indexes) and crafted broken ones.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "src/source/git/index_file.h"
#include "tests/support/git_repo.h"
#include "tests/support/temp_dir.h"

using sprawl::git::IndexFile;
using sprawl::git::parse_index_file;
using sprawl::git::read_index_file;
using sprawl::test::GitRepo;
using sprawl::test::read_text;
using sprawl::test::run_git;
using sprawl::test::TempDir;

namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

IndexFile read_index(const GitRepo& repo) {
  auto index = read_index_file(repo.path() + "/.git/index");
  if (!index) FAIL(index.error().message);
  return std::move(*index);
}

/// `git ls-files -s` lines ("mode id stage\tpath"), exactly as git prints them with -z.
std::vector<std::string> ls_files(const GitRepo& repo) {
  const std::string out = repo.git({"ls-files", "-s", "-z"});
  std::vector<std::string> lines;
  for (std::size_t start = 0, nul; (nul = out.find('\0', start)) != std::string::npos; start = nul + 1)
    lines.push_back(out.substr(start, nul - start));
  return lines;
}

std::vector<std::string> entry_lines(const IndexFile& index) {
  std::vector<std::string> lines;
  for (const auto& e : index.entries)
    lines.push_back(fmt::format("{:06o} {} {}\t{}", e.mode, e.id.hex(), e.stage, e.path));
  return lines;
}

const sprawl::git::CacheTreeNode* find_node(const IndexFile& index, const std::string& path) {
  for (const auto& node : index.cache_tree)
    if (node.path == path) return &node;
  return nullptr;
}

/// Every valid cache-tree node names the tree HEAD has at its path and covers as many entries.
void check_cache_tree_matches_head(const GitRepo& repo, const IndexFile& index) {
  const std::vector<std::string> lines = ls_files(repo);
  for (const auto& node : index.cache_tree) {
    if (node.entry_count < 0) continue;
    INFO("cache-tree node '" << node.path << "'");
    REQUIRE(node.id);
    CHECK(node.id->hex() == trimmed(repo.git({"rev-parse", "HEAD:" + node.path})));
    const std::string prefix = node.path.empty() ? "" : node.path + "/";
    std::int32_t covered = 0;
    for (const auto& line : lines) covered += line.substr(line.find('\t') + 1).rfind(prefix, 0) == 0;
    CHECK(node.entry_count == covered);
  }
}

void make_small_tree(const GitRepo& repo) {
  repo.write("README.md", "hello\n");
  repo.write("src/main.c", "int main(void) { return 0; }\n");
  repo.write("src/util/strings.c", "/* strings */\n");
  repo.write("src/util/strings.h", "/* header */\n");
  repo.write("docs/guide.md", "# guide\n");
  repo.write("run.sh", "#!/bin/sh\necho hi\n");
  repo.git({"update-index", "--add", "--chmod=+x", "run.sh"});
}

// ---- crafted indexes ------------------------------------------------------------------------

struct RawEntry {
  std::string path;
  std::uint16_t stage = 0;
  std::uint32_t mode = 0100644;
  std::uint16_t extended = 0;  // v3 extended flags; written (with the flag bit) when non-zero
  std::size_t strip = 0;       // v4: bytes taken off the previous path; `path` is then the suffix
};

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}
std::string be16(std::uint16_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v)}; }

std::string extension(const std::string& signature, const std::string& data) {
  return signature + be32(static_cast<std::uint32_t>(data.size())) + data;
}

std::string varint(std::size_t value) {
  std::string out(1, static_cast<char>(value & 0x7f));
  while (value >>= 7) out.insert(out.begin(), static_cast<char>(0x80 | (--value & 0x7f)));
  return out;
}

std::string craft_index(std::uint32_t version, const std::vector<RawEntry>& entries, const std::string& extensions = "",
                        std::uint32_t count = UINT32_MAX) {
  std::string out = "DIRC" + be32(version) + be32(count == UINT32_MAX ? entries.size() : count);
  std::string full_path;  // v4: the flags carry the length of the whole path, not of the suffix
  for (const auto& e : entries) {
    full_path =
        version == 4 ? full_path.substr(0, full_path.size() - std::min(e.strip, full_path.size())) + e.path : e.path;
    const std::size_t start = out.size();
    out += std::string(24, '\0') + be32(e.mode) + std::string(12, '\0') + std::string(20, '\xab');
    const std::uint16_t length = static_cast<std::uint16_t>(std::min<std::size_t>(full_path.size(), 0xFFF));
    out += be16(static_cast<std::uint16_t>((e.extended ? 0x4000 : 0) | (e.stage << 12) | length));
    if (e.extended) out += be16(e.extended);
    if (version == 4) {
      out += varint(e.strip) + e.path + '\0';
    } else {
      out += e.path;
      do out += '\0';
      while ((out.size() - start) % 8 != 0);
    }
  }
  return out + extensions + std::string(20, '\0');
}

std::string error_of(const std::string& bytes) {
  auto index = parse_index_file(bytes, "crafted/index");
  if (index) return "(parsed)";
  return index.error().message;
}

}  // namespace

TEST_CASE("a default (v2) index matches git ls-files", "[git-index]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  make_small_tree(repo);
  repo.git({"add", "-A"});
  const IndexFile index = read_index(repo);
  CHECK(index.version == 2);
  CHECK(entry_lines(index) == ls_files(repo));
  CHECK(index.cache_tree.empty());  // nothing has written trees yet
  CHECK_FALSE(index.split_index);
  CHECK_FALSE(index.sparse);
}

TEST_CASE("symlinks and gitlinks keep their modes", "[git-index]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  repo.write("a.txt", "a\n");
  repo.git({"add", "a.txt"});
  const std::string blob = trimmed(repo.git({"hash-object", "-w", "--stdin"}, "target"));
  repo.git({"update-index", "--add", "--cacheinfo", "120000," + blob + ",lnk"});
  repo.git({"update-index", "--add", "--cacheinfo", "160000,0123456789abcdef0123456789abcdef01234567,sub"});
  const IndexFile index = read_index(repo);
  CHECK(entry_lines(index) == ls_files(repo));
  REQUIRE(index.entries.size() == 3);
  CHECK(index.entries[1].mode == 0120000);
  CHECK(index.entries[2].mode == 0160000);
  CHECK(index.entries[2].id.hex() == "0123456789abcdef0123456789abcdef01234567");
}

TEST_CASE("a v3 index carries skip-worktree and intent-to-add flags", "[git-index]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  make_small_tree(repo);
  repo.commit("first");
  repo.write("new.txt", "not yet added\n");
  repo.git({"add", "-N", "new.txt"});
  repo.git({"update-index", "--skip-worktree", "docs/guide.md"});
  repo.git({"update-index", "--index-version", "3"});
  const IndexFile index = read_index(repo);
  CHECK(index.version == 3);
  CHECK(entry_lines(index) == ls_files(repo));
  for (const auto& e : index.entries) {
    INFO(e.path);
    CHECK(e.skip_worktree == (e.path == "docs/guide.md"));
    CHECK(e.intent_to_add == (e.path == "new.txt"));
  }
}

TEST_CASE("a v4 index decompresses its paths", "[git-index]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  make_small_tree(repo);
  for (int i = 0; i < 30; ++i) repo.write(fmt::format("src/util/generated/file_{:02}.c", i), fmt::format("{}\n", i));
  repo.commit("first");
  repo.git({"update-index", "--skip-worktree", "src/main.c"});
  repo.git({"update-index", "--index-version", "4"});
  const IndexFile index = read_index(repo);
  CHECK(index.version == 4);
  CHECK(entry_lines(index) == ls_files(repo));
  check_cache_tree_matches_head(repo, index);
}

TEST_CASE("paths longer than 0xFFF bytes are read up to their NUL", "[git-index]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  const std::string blob = trimmed(repo.git({"hash-object", "-w", "--stdin"}, "deep"));
  std::string long_path;
  while (long_path.size() < 5000) long_path += "directory_name_of_some_length/";
  const std::string exact = std::string(0xFFF, 'x');  // exactly the escape value
  for (const std::string& path : {long_path + "a.txt", long_path + "b.txt", exact, std::string(300, 'p') + ".txt"})
    repo.git({"update-index", "--add", "--cacheinfo", "100644," + blob + "," + path});
  for (const char* version : {"2", "4"}) {
    repo.git({"update-index", "--index-version", version});
    const IndexFile index = read_index(repo);
    INFO("version " << version);
    CHECK(entry_lines(index) == ls_files(repo));
    REQUIRE(index.entries.size() == 4);
    CHECK(index.entries[0].path.size() == long_path.size() + 5);
  }
}

TEST_CASE("a merge conflict gives stages 1 to 3 in order", "[git-index]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  repo.write("conflict.txt", "base\n");
  repo.write("other.txt", "other\n");
  repo.commit("base");
  repo.git({"checkout", "-q", "-b", "side"});
  repo.write("conflict.txt", "side\n");
  repo.commit("side");
  repo.git({"checkout", "-q", "main"});
  repo.write("conflict.txt", "main\n");
  repo.commit("main");
  CHECK(run_git(repo.path(), {"merge", "-q", "side"}).exit_code != 0);
  const IndexFile index = read_index(repo);
  CHECK(entry_lines(index) == ls_files(repo));
  REQUIRE(index.entries.size() == 4);
  for (std::uint16_t stage = 1; stage <= 3; ++stage) {
    CHECK(index.entries[stage - 1].path == "conflict.txt");
    CHECK(index.entries[stage - 1].stage == stage);
  }
  CHECK(index.entries[3].stage == 0);
}

TEST_CASE("the cache tree after a commit names HEAD's trees", "[git-index]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  make_small_tree(repo);
  repo.commit("first");
  const IndexFile index = read_index(repo);
  REQUIRE(index.cache_tree.size() == 4);  // root, docs, src, src/util
  CHECK(index.cache_tree[0].path.empty());
  CHECK(index.cache_tree[0].entry_count == 6);
  CHECK(index.cache_tree[0].subtrees == 2);
  // Git orders subtrees by name length first: src, then docs.
  CHECK(index.cache_tree[1].path == "src");
  CHECK(index.cache_tree[2].path == "src/util");
  CHECK(index.cache_tree[3].path == "docs");
  for (const auto& node : index.cache_tree) CHECK(node.id);
  check_cache_tree_matches_head(repo, index);
}

TEST_CASE("git write-tree fills the cache tree too", "[git-index]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  make_small_tree(repo);
  repo.git({"add", "-A"});
  const std::string tree = trimmed(repo.git({"write-tree"}));
  const IndexFile index = read_index(repo);
  REQUIRE_FALSE(index.cache_tree.empty());
  REQUIRE(index.cache_tree[0].id);
  CHECK(index.cache_tree[0].id->hex() == tree);
}

TEST_CASE("adding a changed file invalidates its ancestors only", "[git-index]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  make_small_tree(repo);
  repo.commit("first");
  repo.write("src/util/strings.c", "/* changed */\n");
  repo.git({"add", "src/util/strings.c"});
  const IndexFile index = read_index(repo);
  for (const char* path : {"", "src", "src/util"}) {
    const auto* node = find_node(index, path);
    REQUIRE(node);
    CHECK(node->entry_count == -1);
    CHECK_FALSE(node->id);
  }
  const auto* docs = find_node(index, "docs");
  REQUIRE(docs);
  CHECK(docs->entry_count == 1);
  check_cache_tree_matches_head(repo, index);  // docs is still HEAD:docs
}

TEST_CASE("a split index is flagged", "[git-index]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  make_small_tree(repo);
  repo.commit("first");
  repo.git({"update-index", "--split-index"});
  repo.write("src/main.c", "int main(void) { return 1; }\n");
  repo.git({"add", "src/main.c"});
  const IndexFile index = read_index(repo);
  CHECK(index.split_index);
  CHECK_FALSE(index.cache_tree.empty());
}

TEST_CASE("a sparse index is flagged and keeps its directory entries", "[git-index]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  make_small_tree(repo);
  repo.commit("first");
  repo.git({"sparse-checkout", "init", "--cone", "--sparse-index"});
  repo.git({"sparse-checkout", "set", "docs"});
  const IndexFile index = read_index(repo);
  CHECK(index.sparse);
  bool has_directory = false;
  for (const auto& e : index.entries)
    if (e.mode == 040000) {
      has_directory = true;
      CHECK(e.path == "src/");
      CHECK(e.skip_worktree);
      CHECK(e.id.hex() == trimmed(repo.git({"rev-parse", "HEAD:src"})));
    }
  CHECK(has_directory);
}

TEST_CASE("every truncation of a real index is an error or a parse of its entries, never a crash", "[git-index]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  make_small_tree(repo);
  repo.commit("first");
  repo.write("src/main.c", "changed\n");
  repo.git({"add", "src/main.c"});
  for (const char* version : {"2", "3", "4"}) {
    repo.git({"update-index", "--index-version", version});
    const std::string bytes = read_text(repo.path() + "/.git/index");
    auto full = parse_index_file(bytes, "idx");
    REQUIRE(full);
    REQUIRE_FALSE(full->cache_tree.empty());
    INFO("version " << version);
    std::size_t parsed = 0;
    for (std::size_t length = 0; length < bytes.size(); ++length) {
      auto index = parse_index_file(std::string_view(bytes).substr(0, length), "idx");
      INFO("length " << length);
      if (index) {
        // Only possible where the cut leaves whole extensions and 20 bytes to stand for the checksum.
        ++parsed;
        CHECK(entry_lines(*index) == entry_lines(full.value()));
      } else {
        CHECK(index.error().message.rfind("idx: ", 0) == 0);
      }
    }
    CHECK(parsed <= 1);
  }
}

TEST_CASE("wrong signatures, versions and entry counts are errors", "[git-index]") {
  const std::string good = craft_index(2, {{"a"}, {"b"}});
  REQUIRE(error_of(good) == "(parsed)");
  std::string bad = good;
  bad[0] = 'X';
  CHECK(error_of(bad) == "crafted/index: not a git index file (no DIRC signature)");
  CHECK(error_of(craft_index(5, {{"a"}})) == "crafted/index: unsupported index version 5");
  CHECK(error_of(craft_index(1, {{"a"}})) == "crafted/index: unsupported index version 1");
  CHECK(error_of(craft_index(2, {{"a"}}, "", 1000000)) ==
        "crafted/index: the header claims 1000000 entries, more than the file can hold");
  CHECK(error_of(craft_index(2, {{"a"}, {"b"}}, "", 1)) ==
        "crafted/index: unknown required extension '\\x00\\x00\\x00\\x00'");
  CHECK(error_of(craft_index(2, {{"a"}}, "xyz")) == "crafted/index: 3 stray bytes before the checksum");
  CHECK(error_of("DIRC") == "crafted/index: 4 bytes is too short for an index file");
}

TEST_CASE("required extensions must be known, optional ones are skipped", "[git-index]") {
  const std::vector<RawEntry> entries{{"a"}, {"b/c"}};
  CHECK(error_of(craft_index(2, entries, extension("abcd", "xyz"))) ==
        "crafted/index: unknown required extension 'abcd'");
  CHECK(error_of(craft_index(2, entries, extension("\x01xyz", ""))) ==
        "crafted/index: unknown required extension '\\x01xyz'");
  const std::string optional = extension("ZZZZ", "whatever") + extension("REUC", "");
  CHECK(error_of(craft_index(2, entries, optional)) == "(parsed)");
  CHECK(error_of(craft_index(2, entries, "TREE" + be32(1000))) ==
        "crafted/index: extension 'TREE' (1000 bytes) runs past the end of the file");
  auto sparse = parse_index_file(craft_index(3, entries, extension("sdir", "")), "x");
  REQUIRE(sparse);
  CHECK(sparse->sparse);
}

TEST_CASE("entries must be in git's order unless the index is split", "[git-index]") {
  CHECK(error_of(craft_index(2, {{"b"}, {"a"}})) == "crafted/index: entry 1 ('a', stage 0) is out of order");
  CHECK(error_of(craft_index(2, {{"a"}, {"a"}})) == "crafted/index: entry 1 ('a', stage 0) is out of order");
  CHECK(error_of(craft_index(2, {{"a", 2}, {"a", 1}})) == "crafted/index: entry 1 ('a', stage 1) is out of order");
  CHECK(error_of(craft_index(2, {{"a", 1}, {"a", 2}, {"a", 3}})) == "(parsed)");
  CHECK(error_of(craft_index(2, {{"b"}, {"a\nb"}})) == "crafted/index: entry 1 ('a\\x0ab', stage 0) is out of order");
  CHECK(error_of(craft_index(2, {{""}})) == "crafted/index: entry 0 has an empty path");
  auto split = parse_index_file(craft_index(2, {{"b"}, {""}, {"a"}}, extension("link", std::string(20, '\0'))), "x");
  REQUIRE(split);
  CHECK(split->split_index);
}

TEST_CASE("malformed entries are errors that name the entry", "[git-index]") {
  CHECK(error_of(craft_index(2, {{"a", 0, 0100664}})) == "crafted/index: entry 0 has an invalid mode 100664");
  CHECK(error_of(craft_index(2, {{"a", 0, 0100644, 0x4000}})) ==
        "crafted/index: entry 0 has extended flags in a version 2 index");
  CHECK(error_of(craft_index(3, {{"a", 0, 0100644, 0x0001}})) ==
        "crafted/index: entry 0 has unknown extended flags 0x0001");
  std::string padding = craft_index(2, {{"a"}});
  padding[12 + 62 + 1] = 'z';
  CHECK(error_of(padding) == "crafted/index: entry 0 has padding that is not NUL bytes");
  std::string inner_nul = craft_index(2, {{"ab"}});
  inner_nul[12 + 62] = '\0';
  CHECK(error_of(inner_nul) == "crafted/index: entry 0 has a NUL byte inside its path");
  CHECK(error_of(craft_index(4, {{"abc"}, {"d", 0, 0100644, 0, 4}})) ==
        "crafted/index: entry 1 strips 4 bytes from a 3-byte previous path");
  auto v4 = parse_index_file(craft_index(4, {{"dir/abc"}, {"de", 0, 0100644, 0, 3}, {"x/y", 0, 0100644, 0, 1}}), "x");
  REQUIRE(v4);
  REQUIRE(v4->entries.size() == 3);
  CHECK(v4->entries[1].path == "dir/de");
  CHECK(v4->entries[2].path == "dir/dx/y");
  std::string overlong = craft_index(4, {{"a"}});
  overlong.replace(12 + 62, 1, std::string(12, '\xff') + '\x00');
  CHECK(error_of(overlong) == "crafted/index: entry 0 has an overlong prefix length");
}

TEST_CASE("cache trees must be well formed; deep nesting is fine", "[git-index]") {
  const std::vector<RawEntry> entries{{"a/b"}};
  const std::string id(20, '\x11');
  const auto tree = [&](const std::string& data) { return craft_index(2, entries, extension("TREE", data)); };
  CHECK(error_of(tree(std::string("\0", 1) + "1 0\n" + id + "junk")) ==
        "crafted/index: TREE extension: 4 bytes after the last subtree");
  CHECK(error_of(tree(std::string("\0", 1) + "2 0\n" + id)) ==
        "crafted/index: TREE extension: node 0 covers more entries than the index has");
  CHECK(error_of(tree(std::string("\0", 1) + "1 1\n" + id)) ==
        "crafted/index: TREE extension: node 1 has no NUL after its name");
  CHECK(error_of(tree(std::string("x\0", 2) + "1 0\n" + id)) ==
        "crafted/index: TREE extension: node 0 has a bad name 'x'");
  CHECK(error_of(tree(std::string("\0", 1) + "1 x\n" + id)) ==
        "crafted/index: TREE extension: node 0 has a malformed subtree count");
  CHECK(error_of(tree(std::string("\0", 1) + "99999999999 0\n" + id)) ==
        "crafted/index: TREE extension: node 0 has a malformed entry count");

  const auto chain = [&](int depth) {
    std::string data(1, '\0');
    data += "-1 1\n";
    for (int level = 1; level < depth; ++level) data += std::string("d\0", 2) + "-1 1\n";
    return data + std::string("d\0", 2) + "1 0\n" + id;
  };
  auto index = parse_index_file(tree(chain(2000)), "x");
  REQUIRE(index);
  REQUIRE(index->cache_tree.size() == 2001);
  CHECK(index->cache_tree.back().path.size() == 2 * 2000 - 1);
  CHECK(index->cache_tree.back().entry_count == 1);
  CHECK(index->cache_tree[0].entry_count == -1);
  // A million levels would need terabytes of paths: refused once they pass a linear budget.
  CHECK(error_of(tree(chain(1000000))) == "crafted/index: TREE extension: paths are implausibly long");
}

TEST_CASE("a missing index file is an error naming it", "[git-index]") {
  TempDir dir;
  auto index = read_index_file(dir / "nope");
  REQUIRE_FALSE(index);
  CHECK(index.error().message.find(dir / "nope") == 0);
}
