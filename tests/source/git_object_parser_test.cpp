// Commit, tag and tree parsing, and the history analysis built on them: where blobs enter.
#include <catch2/catch.hpp>

#include <string>

#include "src/source/git/git_object_parser.h"
#include "src/source/git/history_index.h"

using namespace sprawl::git;

namespace {

ObjectId id_of(unsigned char n) {
  ObjectId id;
  id.bytes.fill(n);
  return id;
}

std::string tree_object(const std::vector<std::tuple<std::string, std::string, ObjectId>>& entries) {
  std::string out;
  for (const auto& [mode, name, id] : entries) {
    out += mode + " " + name;
    out.push_back('\0');
    out.append(reinterpret_cast<const char*>(id.bytes.data()), 20);
  }
  return out;
}

std::string commit_object(const ObjectId& tree, const std::vector<ObjectId>& parents, const std::string& message) {
  std::string out = "tree " + tree.hex() + "\n";
  for (const auto& p : parents) out += "parent " + p.hex() + "\n";
  out += "author Ann Example <ann@example.com> 1700000000 +0130\ncommitter C <c@e> 1700000000 +0000\n\n" + message;
  return out;
}

}  // namespace

TEST_CASE("commits give their tree, parents, author and first message line", "[git-history]") {
  const auto commit = parse_commit(commit_object(id_of(1), {id_of(2), id_of(3)}, "Add config\n\nbody\n"));
  REQUIRE(commit);
  CHECK(commit->tree == id_of(1));
  REQUIRE(commit->parents.size() == 2);
  CHECK(commit->parents[1] == id_of(3));
  CHECK(commit->author_name == "Ann Example");
  CHECK(commit->author_email == "ann@example.com");
  CHECK(commit->author_time == 1700000000);
  CHECK(commit->author_tz_minutes == 90);
  CHECK(commit->summary == "Add config");
  CHECK(format_git_time(commit->author_time, commit->author_tz_minutes) == "2023-11-14T23:43:20+01:30");
  CHECK(format_git_time(0, -300) == "1969-12-31T19:00:00-05:00");
  CHECK_FALSE(parse_commit("parent " + id_of(2).hex() + "\n\nno tree\n"));
  CHECK_FALSE(parse_commit("tree 12345\n\n"));
}

TEST_CASE("tags give their target; trees their entries; damage is reported", "[git-history]") {
  const auto tag = parse_tag("object " + id_of(7).hex() + "\ntype commit\ntag v1\n\nmsg\n");
  REQUIRE(tag);
  CHECK(tag->target == id_of(7));
  CHECK(tag->target_type == ObjectType::commit);

  const std::string tree = tree_object({{"100644", "a.txt", id_of(4)}, {"40000", "dir", id_of(5)}});
  std::vector<std::string> names;
  CHECK(for_each_tree_entry(tree, [&](const TreeEntry& e) { names.push_back(std::string(e.name) + (e.is_tree() ? "/" : "")); }));
  CHECK(names == std::vector<std::string>{"a.txt", "dir/"});
  CHECK_FALSE(for_each_tree_entry(tree.substr(0, tree.size() - 3), [](const TreeEntry&) {}));
  CHECK_FALSE(for_each_tree_entry(std::string("100644 x"), [](const TreeEntry&) {}));
}

TEST_CASE("history analysis: blobs enter where no parent had them; merges only add resolutions",
          "[git-history]") {
  // root: a.txt=S1            (S1, S2, S3 are the interesting blobs)
  // c2 (child of root): dir/b.txt=S2, a.txt=S1
  // side (child of root): a.txt=S3
  // merge (c2 + side): a.txt=S3 (taken from side), dir/b.txt=S2, c.txt=S1 (new in the merge)
  const ObjectId s1 = id_of(0x11), s2 = id_of(0x12), s3 = id_of(0x13);
  HistoryIndex history;
  history.set_blobs({s1, s2, s3});
  const ObjectId t_root = id_of(0x21), t_c2 = id_of(0x22), t_dir = id_of(0x23), t_side = id_of(0x24),
                 t_merge = id_of(0x25);
  history.add_tree(t_root, tree_object({{"100644", "a.txt", s1}}));
  history.add_tree(t_dir, tree_object({{"100644", "b.txt", s2}}));
  history.add_tree(t_c2, tree_object({{"100644", "a.txt", s1}, {"40000", "dir", t_dir}}));
  history.add_tree(t_side, tree_object({{"100644", "a.txt", s3}}));
  history.add_tree(t_merge, tree_object({{"100644", "a.txt", s3}, {"100644", "c.txt", s1}, {"40000", "dir", t_dir}}));
  const ObjectId root = id_of(0x31), c2 = id_of(0x32), side = id_of(0x33), merge = id_of(0x34);
  history.add_commit(root, commit_object(t_root, {}, "root"));
  history.add_commit(c2, commit_object(t_c2, {root}, "c2"));
  history.add_commit(side, commit_object(t_side, {root}, "side"));
  history.add_commit(merge, commit_object(t_merge, {c2, side}, "merge"));

  AnalysisOptions options;
  options.tips = {merge};
  options.head = merge;
  const HistoryAnalysis analysis = history.analyse(options);
  REQUIRE(analysis.commits.size() == 4);
  auto commit_of = [&](const Introduction& i) { return analysis.commits[i.commit].id; };
  REQUIRE(analysis.introductions.at(s1).size() == 2);
  CHECK(commit_of(analysis.introductions.at(s1)[0]) == root);
  CHECK(analysis.introductions.at(s1)[0].path == "a.txt");
  CHECK(commit_of(analysis.introductions.at(s1)[1]) == merge);  // c.txt: new in the merge
  CHECK(analysis.introductions.at(s1)[1].path == "c.txt");
  REQUIRE(analysis.introductions.at(s2).size() == 1);
  CHECK(commit_of(analysis.introductions.at(s2)[0]) == c2);
  CHECK(analysis.introductions.at(s2)[0].path == "dir/b.txt");
  REQUIRE(analysis.introductions.at(s3).size() == 1);  // the merge took side's a.txt: not new
  CHECK(commit_of(analysis.introductions.at(s3)[0]) == side);
  CHECK(analysis.blobs_at_head.count(s1) == 1);
  CHECK(analysis.blobs_at_head.count(s3) == 1);
  // Parents come before children.
  CHECK(analysis.commits.front().id == root);
  CHECK(analysis.commits.back().id == merge);
}

TEST_CASE("history analysis: missing parents are boundaries; unreachable commits come last", "[git-history]") {
  const ObjectId secret = id_of(0x41), tree = id_of(0x42), shallow_tip = id_of(0x43), dangling = id_of(0x44),
                 dangling_tree = id_of(0x45);
  HistoryIndex history;
  history.set_blobs({secret});
  history.add_tree(tree, tree_object({{"100644", "k.env", secret}}));
  history.add_tree(dangling_tree, tree_object({{"100644", "old.env", secret}}));
  history.add_commit(shallow_tip, commit_object(tree, {id_of(0x99)}, "tip of a shallow clone"));
  history.add_commit(dangling, commit_object(dangling_tree, {}, "reset away"));
  AnalysisOptions options;
  options.tips = {shallow_tip};
  const HistoryAnalysis analysis = history.analyse(options);
  REQUIRE(analysis.introductions.at(secret).size() == 2);
  const auto& first = analysis.commits[analysis.introductions.at(secret)[0].commit];
  CHECK(first.id == shallow_tip);
  CHECK(first.reachable);
  const auto& second = analysis.commits[analysis.introductions.at(secret)[1].commit];
  CHECK(second.id == dangling);
  CHECK_FALSE(second.reachable);
  REQUIRE_FALSE(analysis.problems.empty());
  CHECK(analysis.problems.front().find("shallow") != std::string::npos);

  options.include_unreachable = false;
  CHECK(history.analyse(options).introductions.at(secret).size() == 1);
}
