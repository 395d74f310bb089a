// ObjectStore on real repositories built with the git CLI: walk() and read() agree with
// `git cat-file`, every object is visited once, bases before deltas, delta copies are right.
#include <catch2/catch.hpp>

#include <set>
#include <sstream>
#include <string>

#include "src/source/git/object_store.h"
#include "src/source/git/pack_file.h"
#include "src/source/git/pack_index.h"
#include "tests/source/git_objects_support.h"
#include "tests/source/git_objects_visitor.h"

using sprawl::git::ObjectStore;
using sprawl::git::ObjectType;
using sprawl::git::WalkOptions;
using sprawl::test::objstore::GitObject;
using sprawl::test::objstore::GitRepo;
using sprawl::test::objstore::RecordingVisitor;

namespace {

/// A repository with a long history of one growing file (deep delta chains) and a few others.
void build_history(const GitRepo& repo, int commits) {
  for (int i = 0; i < commits; ++i) {
    repo.write("ChangeLog", sprawl::test::objstore::changelog_version(i));
    repo.write("src/file" + std::to_string(i % 5) + ".c", "int f() { return " + std::to_string(i) + "; }\n");
    if (i % 10 == 0) repo.write("binary.bin", std::string(3000 + i, static_cast<char>(i)));
    repo.commit("commit " + std::to_string(i));
  }
  repo.git("tag -a v1 -m release");
}

/// Delta id -> base id, from `git verify-pack -v` of every pack.
std::map<std::string, std::string> pack_delta_bases(const GitRepo& repo, int* max_depth = nullptr) {
  std::map<std::string, std::string> bases;
  for (const auto& idx : repo.idx_files()) {
    std::istringstream lines(repo.git("verify-pack -v '" + idx + "'"));
    for (std::string line; std::getline(lines, line);) {
      std::istringstream fields(line);
      std::string id, type, size, packed, offset, base;
      int depth = 0;
      if (fields >> id >> type >> size >> packed >> offset >> depth >> base) {
        bases[id] = base;
        if (max_depth) *max_depth = std::max(*max_depth, depth);
      }
    }
  }
  return bases;
}

/// Checks a walk saw exactly git's objects with git's content.
void check_walk_matches(const RecordingVisitor& visitor, const std::map<std::string, GitObject>& expected) {
  CHECK(visitor.problems.empty());
  CHECK(visitor.repeated() == 0);
  CHECK(visitor.visits.size() == expected.size());
  std::size_t mismatches = 0;
  for (const auto& [id, object] : expected) {
    const auto it = visitor.visits.find(id);
    if (it == visitor.visits.end()) {
      ++mismatches;
      continue;
    }
    const auto& visit = it->second.front();
    if (visit.type != object.type || visit.size != object.size || visit.content != object.content) ++mismatches;
  }
  CHECK(mismatches == 0);
}

/// Checks every delta was visited after its base with copies that match the base.
void check_deltas(const RecordingVisitor& visitor, const std::map<std::string, std::string>& bases) {
  std::size_t wrong_base = 0, bad_copies = 0, without_copies = 0;
  for (const auto& [id, base] : bases) {
    const auto& visit = visitor.visits.at(id).front();
    if (visit.base_id != base || !visit.base_seen) ++wrong_base;
    if (!visit.has_copies) ++without_copies;
    bad_copies += visit.bad_copies;
  }
  CHECK(wrong_base == 0);
  CHECK(without_copies == 0);
  CHECK(bad_copies == 0);
}

std::map<std::string, int> entry_kinds(const GitRepo& repo) {
  std::map<std::string, int> kinds;
  for (const auto& idx_path : repo.idx_files()) {
    auto index = sprawl::git::PackIndex::open(idx_path);
    REQUIRE(index);
    auto pack = sprawl::git::PackFile::open(idx_path.substr(0, idx_path.size() - 4) + ".pack", index->pack_checksum());
    REQUIRE(pack);
    for (std::uint32_t i = 0; i < index->count(); ++i) {
      auto header = pack->entry_header(index->offset(i));
      REQUIRE(header);
      kinds[index->id(i).hex()] = static_cast<int>(header->kind);
    }
  }
  return kinds;
}

std::size_t count_kind(const std::map<std::string, int>& kinds, int kind) {
  return static_cast<std::size_t>(
      std::count_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.second == kind; }));
}

}  // namespace

TEST_CASE("walk visits every object of an aggressively packed repository once, bases before deltas", "[git-objects]") {
  GitRepo repo;
  build_history(repo, 80);
  repo.git("gc -q --aggressive");
  const auto expected = repo.all_objects();
  int max_depth = 0;
  const auto bases = pack_delta_bases(repo, &max_depth);
  REQUIRE(max_depth >= 10);
  REQUIRE(count_kind(entry_kinds(repo), 6) > 50);  // OFS_DELTA entries

  auto store = ObjectStore::open(repo.objects_dir());
  REQUIRE(store);
  CHECK((*store)->problems().empty());
  CHECK((*store)->object_count() == expected.size());
  for (unsigned threads : {1u, 4u}) {
    RecordingVisitor visitor;
    (*store)->walk(WalkOptions{threads, 0xff, 1ull << 30}, visitor);
    check_walk_matches(visitor, expected);
    check_deltas(visitor, bases);
  }
}

TEST_CASE("read returns every object of an aggressively packed repository", "[git-objects]") {
  GitRepo repo;
  build_history(repo, 60);
  repo.git("gc -q --aggressive");
  const auto expected = repo.all_objects();
  auto store = ObjectStore::open(repo.objects_dir());
  REQUIRE(store);
  std::size_t mismatches = 0;
  std::string content;
  for (const auto& [hex, object] : expected) {
    auto id = sprawl::git::parse_object_id(hex);
    REQUIRE(id);
    CHECK((*store)->contains(*id));
    auto type = (*store)->read(*id, content);
    if (!type || sprawl::git::to_string(*type) != object.type || content != object.content) ++mismatches;
  }
  CHECK(mismatches == 0);
}

TEST_CASE("walk and read handle REF_DELTA packs", "[git-objects]") {
  GitRepo repo;
  build_history(repo, 40);
  repo.git("-c repack.useDeltaBaseOffset=false repack -q -a -d -F");
  const auto kinds = entry_kinds(repo);
  REQUIRE(count_kind(kinds, 7) > 20);
  REQUIRE(count_kind(kinds, 6) == 0);
  const auto expected = repo.all_objects();
  auto store = ObjectStore::open(repo.objects_dir());
  REQUIRE(store);
  RecordingVisitor visitor;
  (*store)->walk(WalkOptions{2, 0xff, 1ull << 30}, visitor);
  check_walk_matches(visitor, expected);
  check_deltas(visitor, pack_delta_bases(repo));
  std::string content;
  for (const auto& [hex, object] : expected) {
    auto type = (*store)->read(*sprawl::git::parse_object_id(hex), content);
    REQUIRE(type);
    CHECK(content == object.content);
  }
}

TEST_CASE("walk reads v1 indexes and 64-bit offsets", "[git-objects]") {
  GitRepo repo;
  build_history(repo, 20);
  repo.git("gc -q");
  const auto expected = repo.all_objects();
  const std::string idx = repo.idx_files().at(0);
  const std::string pack = idx.substr(0, idx.size() - 4) + ".pack";
  const int version = GENERATE(1, 2);
  // Version 2 with a 32-bit offset limit of 0 puts every offset in the 64-bit table.
  const std::string option = version == 1 ? "--index-version=1" : "--index-version=2,0";
  bool ok = false;
  repo.git("index-pack " + option + " -o '" + idx + ".new' '" + pack + "' && mv -f '" + idx + ".new' '" + idx + "'",
           &ok);
  REQUIRE(ok);
  auto index = sprawl::git::PackIndex::open(idx);
  REQUIRE(index);
  CHECK(index->version() == version);
  auto store = ObjectStore::open(repo.objects_dir());
  REQUIRE(store);
  CHECK((*store)->problems().empty());
  RecordingVisitor visitor;
  (*store)->walk(WalkOptions{2, 0xff, 1ull << 30}, visitor);
  check_walk_matches(visitor, expected);
}

TEST_CASE("walk visits each object once across packs, loose objects and alternates", "[git-objects]") {
  GitRepo upstream("upstream");
  build_history(upstream, 15);
  upstream.git("gc -q");
  upstream.write("more.txt", "more upstream content\n");
  upstream.commit("more");
  upstream.git("repack -q -a");  // a second pack holding everything: every id in two packs

  GitRepo repo("clone", false);
  bool ok = false;
  repo.git("clone -q --shared '" + upstream.path() + "' .", &ok);
  REQUIRE(ok);
  for (int i = 0; i < 5; ++i) {
    repo.write("local" + std::to_string(i), "local change " + std::to_string(i) + "\n");
    repo.commit("local " + std::to_string(i));
  }
  repo.git("repack -q");  // packs the loose objects but keeps them: each also loose
  repo.write("loose-only", "only loose\n");
  repo.commit("loose only");

  const auto expected = repo.all_objects();
  auto store = ObjectStore::open(repo.objects_dir());
  REQUIRE(store);
  CHECK((*store)->problems().empty());
  CHECK((*store)->object_count() == expected.size());
  RecordingVisitor visitor;
  (*store)->walk(WalkOptions{3, 0xff, 1ull << 30}, visitor);
  check_walk_matches(visitor, expected);
}

TEST_CASE("walk skips delta families of unwanted types and reports oversized objects without content",
          "[git-objects]") {
  GitRepo repo;
  build_history(repo, 30);
  repo.git("gc -q --aggressive");
  const auto expected = repo.all_objects();
  auto store = ObjectStore::open(repo.objects_dir());
  REQUIRE(store);

  RecordingVisitor blobs;
  (*store)->walk(WalkOptions{2, 1u << static_cast<unsigned>(ObjectType::blob), 1ull << 30}, blobs);
  std::size_t expected_blobs = 0;
  for (const auto& [id, object] : expected) expected_blobs += object.type == "blob";
  CHECK(blobs.visits.size() == expected_blobs);
  for (const auto& [id, list] : blobs.visits) CHECK(list.front().type == "blob");

  const std::uint64_t limit = 9000;  // below the ChangeLog's size, but its deltas' bases stay under 4x
  RecordingVisitor limited;
  (*store)->walk(WalkOptions{2, 0xff, limit}, limited);
  CHECK(limited.problems.empty());
  REQUIRE(limited.visits.size() == expected.size());
  std::size_t too_large = 0, wrong = 0;
  for (const auto& [id, object] : expected) {
    const auto& visit = limited.visits.at(id).front();
    too_large += visit.too_large;
    if (visit.size != object.size || visit.too_large != (object.size > limit)) ++wrong;
    if (visit.too_large ? !visit.content.empty() : visit.content != object.content) ++wrong;
  }
  CHECK(too_large >= 5);
  CHECK(wrong == 0);

  // Bases over 4x the limit are not inflated: their deltas are reported, not rebuilt.
  RecordingVisitor tiny;
  (*store)->walk(WalkOptions{2, 0xff, 1000}, tiny);
  CHECK_FALSE(tiny.problems.empty());
  for (const auto& [where, message] : tiny.problems) CHECK(message.find("are not rebuilt") != std::string::npos);
  for (const auto& [id, visits] : tiny.visits) {
    CHECK(visits.front().size == expected.at(id).size);
    if (!visits.front().too_large) CHECK(visits.front().content == expected.at(id).content);
  }
}

TEST_CASE("walk visits loose objects of an unpacked repository", "[git-objects]") {
  GitRepo repo;
  build_history(repo, 5);
  const auto expected = repo.all_objects();
  auto store = ObjectStore::open(repo.objects_dir());
  REQUIRE(store);
  CHECK((*store)->object_count() == expected.size());
  RecordingVisitor visitor;
  (*store)->walk(WalkOptions{2, 0xff, 1ull << 30}, visitor);
  check_walk_matches(visitor, expected);
  std::string content;
  const auto& [hex, object] = *expected.begin();
  auto type = (*store)->read(*sprawl::git::parse_object_id(hex), content);
  REQUIRE(type);
  CHECK(content == object.content);
}
