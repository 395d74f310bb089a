// tree_diff: what a commit adds or changes against its parent, in agreement with git's own
// `git diff-tree`, through file/directory swaps, deletions, mode changes and deep nesting.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>

#include "src/source/git/git_object_parser.h"
#include "src/source/git/object_store.h"
#include "src/source/git/tree_diff.h"
#include "tests/support/git_repo.h"
#include "tests/support/temp_dir.h"

using namespace sprawl;
using namespace sprawl::test;

namespace {

git::ObjectId tree_of(const git::ObjectStore& store, const std::string& commit_hex) {
  std::string content;
  auto type = store.read(*git::parse_object_id(commit_hex), content);
  REQUIRE(type);
  auto commit = git::parse_commit(content);
  REQUIRE(commit);
  return commit->tree;
}

std::set<std::string> lines(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.insert(line);
  return out;
}

}  // namespace

TEST_CASE("tree_diff agrees with git diff-tree on added and changed blobs", "[git-history]") {
  TempDir dir;
  GitRepo repo(dir / "repo");
  repo.write("a.txt", "a\n");
  repo.write("dir/b.txt", "b\n");
  repo.write("dir/sub/c.txt", "c\n");
  repo.write("swap", "file that becomes a directory\n");
  repo.write("gone/d.txt", "d\n");
  repo.write("dir-then-file/e.txt", "e\n");
  repo.write("deep/1/2/3/4/f.txt", "f\n");
  repo.write("mode.sh", "echo hi\n");
  repo.write("dir.x", "sorts between dir and dir/ in git order\n");
  const std::string first = repo.commit("first");

  repo.write("a.txt", "a changed\n");
  repo.write("dir/sub/new.txt", "new\n");
  repo.remove("swap");
  repo.write("swap/inner.txt", "now a directory\n");
  repo.remove("gone/d.txt");
  std::filesystem::remove_all(repo.path() + "/dir-then-file");
  repo.write("dir-then-file", "now a file\n");
  repo.write("deep/1/2/3/4/f.txt", "f changed\n");
  repo.git({"update-index", "--chmod=+x", "mode.sh"});
  repo.write("dir-", "sorts before dir/\n");
  const std::string second = repo.commit("second");

  auto store = git::ObjectStore::open(repo.path() + "/.git/objects");
  REQUIRE(store);
  git::TreeDiff diff;
  REQUIRE(git::diff_trees(**store, tree_of(**store, first), tree_of(**store, second), diff));
  std::set<std::string> ours;
  for (const auto& change : diff.changed) ours.insert(change.path);
  const std::set<std::string> gits =
      lines(repo.git({"diff-tree", "-r", "--no-renames", "--name-only", "--diff-filter=AMT", first, second}));
  CHECK(ours == gits);  // the mode-only change of mode.sh is in neither: its content is not new

  auto changed = [&](const std::string& path) {
    auto it = std::find_if(diff.changed.begin(), diff.changed.end(), [&](const auto& c) { return c.path == path; });
    REQUIRE(it != diff.changed.end());
    return *it;
  };
  CHECK(changed("a.txt").old_id.has_value());
  CHECK_FALSE(changed("dir/sub/new.txt").old_id.has_value());
  CHECK_FALSE(changed("dir-then-file").old_id.has_value());
  CHECK(diff.removed.size() >= 3);  // gone/d.txt, dir-then-file/e.txt, swap, and the old versions

  git::TreeDiff everything;
  REQUIRE(git::diff_trees(**store, std::nullopt, tree_of(**store, first), everything));
  CHECK(everything.changed.size() == lines(repo.git({"ls-tree", "-r", "--name-only", first})).size());
}
