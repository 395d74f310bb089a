// ObjectStore on broken input: truncated packs, corrupt zlib data, idx files without packs or
// full of garbage, missing and cyclic REF_DELTA bases, bad loose files. Problems are reported,
// everything else is still visited, nothing crashes or hangs.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "src/source/git/object_store.h"
#include "tests/source/git_objects_support.h"
#include "tests/source/git_objects_visitor.h"

using sprawl::git::ObjectStore;
using sprawl::git::WalkOptions;
using sprawl::test::read_text;
using sprawl::test::TempDir;
using namespace sprawl::test::objstore;

namespace {

/// A delta that keeps the first `keep` bytes of its base and appends `tail`.
std::string append_delta(std::uint64_t base_size, std::uint64_t keep, const std::string& tail) {
  std::string ops;
  ops += static_cast<char>(0x90);  // copy, offset 0 (no offset bytes), one size byte
  ops += static_cast<char>(keep);
  ops += static_cast<char>(tail.size());
  ops += tail;
  return make_delta(base_size, keep + tail.size(), ops);
}

bool mentions(const RecordingVisitor& visitor, const std::string& where, const std::string& text) {
  for (const auto& [w, message] : visitor.problems)
    if (w.find(where) != std::string::npos && message.find(text) != std::string::npos) return true;
  return false;
}

std::unique_ptr<ObjectStore> open_store(const std::string& objects_dir) {
  auto store = ObjectStore::open(objects_dir);
  REQUIRE(store);
  return std::move(*store);
}

}  // namespace

TEST_CASE("a missing REF_DELTA base is a problem and the rest of the pack is still visited", "[git-objects]") {
  TempDir dir;
  const std::string objects = dir / "objects";
  const std::string base = "the base content, long enough to copy from";
  write_crafted_pack(objects, "a",
                     {{3, base, fake_id(1, 1)},
                      {7, append_delta(100, 10, "!"), fake_id(2, 2), -1, fake_id(9, 9)},  // base 0909.. nowhere
                      {6, append_delta(base.size(), 8, " plus"), fake_id(3, 3), 0}});
  auto store = open_store(objects);
  CHECK(store->problems().empty());
  RecordingVisitor visitor;
  store->walk(WalkOptions{2, 0xff, 1ull << 30}, visitor);
  CHECK(visitor.visits.size() == 2);
  CHECK(visitor.visits.at(fake_id(3, 3).hex()).front().content == "the base plus");
  REQUIRE(visitor.problems.size() == 1);
  CHECK(visitor.problems[0].second.find("cannot read delta base " + fake_id(9, 9).hex()) != std::string::npos);
  std::string content;
  CHECK_FALSE(store->read(fake_id(2, 2), content));
  CHECK(store->read(fake_id(3, 3), content));
  CHECK(content == "the base plus");
}

TEST_CASE("a REF_DELTA cycle is reported, not followed forever", "[git-objects]") {
  TempDir dir;
  const std::string objects = dir / "objects";
  const auto x = fake_id(0x10, 1), y = fake_id(0x20, 2), z = fake_id(0x30, 3), w = fake_id(0x40, 4);
  write_crafted_pack(objects, "cycle",
                     {{7, append_delta(5, 3, "xx"), x, -1, y},
                      {7, append_delta(5, 3, "yy"), y, -1, x},
                      {7, append_delta(5, 3, "zz"), z, -1, x},
                      {3, "whole", w},
                      {7, append_delta(5, 5, "ww"), fake_id(0x50, 5), -1, fake_id(0x50, 5)}});  // its own base
  auto store = open_store(objects);
  RecordingVisitor visitor;
  store->walk(WalkOptions{2, 0xff, 1ull << 30}, visitor);
  CHECK(visitor.visits.size() == 1);
  CHECK(visitor.visits.count(w.hex()) == 1);
  CHECK(visitor.problems.size() == 4);
  for (const auto& [where, message] : visitor.problems) CHECK(message.find("cycle") != std::string::npos);
  std::string content;
  auto read = store->read(x, content);
  REQUIRE_FALSE(read);
  CHECK(read.error().message.find("delta chain longer than") != std::string::npos);
  CHECK_FALSE(store->read(fake_id(0x50, 5), content));
}

TEST_CASE("a corrupt zlib stream fails that entry and its delta descendants only", "[git-objects]") {
  TempDir dir;
  const std::string objects = dir / "objects";
  const std::string base(200, 'b');
  const auto offsets = write_crafted_pack(objects, "flip",
                                          {{3, "first object", fake_id(1, 0)},
                                           {3, base, fake_id(2, 0)},
                                           {6, append_delta(200, 100, "-d1"), fake_id(3, 0), 1},
                                           {6, append_delta(103, 50, "-d2"), fake_id(4, 0), 2},
                                           {3, "last object", fake_id(5, 0)}});
  const std::string pack_path = objects + "/pack/pack-flip.pack";
  std::string pack = read_text(pack_path);
  pack[offsets[1] + 6] ^= 0x55;  // inside the zlib stream of the 200-byte blob
  write_file(pack_path, pack);
  auto store = open_store(objects);
  RecordingVisitor visitor;
  store->walk(WalkOptions{1, 0xff, 1ull << 30}, visitor);
  CHECK(visitor.visits.size() == 2);
  CHECK(visitor.visits.at(fake_id(1, 0).hex()).front().content == "first object");
  CHECK(visitor.visits.at(fake_id(5, 0).hex()).front().content == "last object");
  REQUIRE(visitor.problems.size() == 1);
  CHECK(visitor.problems[0].first == pack_path + " offset " + std::to_string(offsets[1]));
  CHECK(visitor.problems[0].second.find("2 delta descendants") != std::string::npos);
  std::string content;
  CHECK_FALSE(store->read(fake_id(4, 0), content));
}

TEST_CASE("a flipped byte in a real pack is reported by offset and the other objects are visited", "[git-objects]") {
  GitRepo repo;
  for (int i = 0; i < 20; ++i) {
    repo.write("file.txt", changelog_version(i));
    repo.write("other" + std::to_string(i), std::string(2000, static_cast<char>('a' + i)) + "\n");
    repo.commit("c" + std::to_string(i));
  }
  repo.git("gc -q");
  const auto expected = repo.all_objects();
  const std::string idx = repo.idx_files().at(0);
  const std::string pack_path = idx.substr(0, idx.size() - 4) + ".pack";
  std::string pack = read_text(pack_path);
  pack[pack.size() / 2] ^= 0x10;
  std::filesystem::permissions(pack_path, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  write_file(pack_path, pack);
  auto store = open_store(repo.objects_dir());
  RecordingVisitor visitor;
  store->walk(WalkOptions{2, 0xff, 1ull << 30}, visitor);
  CHECK_FALSE(visitor.problems.empty());
  CHECK(visitor.problems[0].first.find(pack_path + " offset ") == 0);
  CHECK(visitor.visits.size() > expected.size() / 2);
  CHECK(visitor.visits.size() < expected.size());
  for (const auto& [id, visits] : visitor.visits) CHECK(visits.front().content == expected.at(id).content);
}

TEST_CASE("a truncated pack gives problems for the missing entries and visits the others", "[git-objects]") {
  GitRepo repo;
  for (int i = 0; i < 30; ++i) {
    repo.write("file.txt", changelog_version(i));
    repo.write("data" + std::to_string(i), std::string(3000, static_cast<char>('A' + i)) + std::to_string(i));
    repo.commit("c" + std::to_string(i));
  }
  repo.git("gc -q");
  const auto expected = repo.all_objects();
  const std::string idx = repo.idx_files().at(0);
  const std::string pack_path = idx.substr(0, idx.size() - 4) + ".pack";
  std::filesystem::resize_file(pack_path, std::filesystem::file_size(pack_path) * 6 / 10);
  auto store = open_store(repo.objects_dir());
  REQUIRE(store->problems().size() == 1);
  CHECK(store->problems()[0].find(pack_path) == 0);
  RecordingVisitor visitor;
  store->walk(WalkOptions{2, 0xff, 1ull << 30}, visitor);
  CHECK_FALSE(visitor.problems.empty());
  CHECK(visitor.visits.size() > 0);
  CHECK(visitor.visits.size() < expected.size());
  for (const auto& [id, visits] : visitor.visits) CHECK(visits.front().content == expected.at(id).content);
  std::string content;
  for (const auto& [id, object] : expected)
    if (auto type = store->read(*sprawl::git::parse_object_id(id), content)) CHECK(content == object.content);
}

TEST_CASE("an idx without its pack and a garbage idx are problems, the good pack is still read", "[git-objects]") {
  GitRepo repo;
  for (int i = 0; i < 5; ++i) {
    repo.write("f", "version " + std::to_string(i));
    repo.commit("c" + std::to_string(i));
  }
  repo.git("gc -q");
  const auto expected = repo.all_objects();
  const std::string pack_dir = repo.objects_dir() + "/pack/";
  write_file(pack_dir + "pack-orphan.idx", read_text(repo.idx_files().at(0)));
  write_file(pack_dir + "pack-garbage.idx", std::string(3000, '\x42'));
  write_file(pack_dir + "pack-garbage.pack", "PACK garbage");
  write_file(pack_dir + "pack-short.idx", "\xfftOc");
  auto store = open_store(repo.objects_dir());
  const auto& problems = store->problems();
  REQUIRE(problems.size() == 3);
  auto has = [&](const std::string& text) {
    return std::any_of(problems.begin(), problems.end(),
                       [&](const auto& p) { return p.find(text) != std::string::npos; });
  };
  CHECK(has(pack_dir + "pack-orphan.pack: cannot open"));
  CHECK(has(pack_dir + "pack-garbage.idx: "));
  CHECK(has(pack_dir + "pack-short.idx: pack index is truncated"));
  RecordingVisitor visitor;
  store->walk(WalkOptions{2, 0xff, 1ull << 30}, visitor);
  CHECK(visitor.problems.empty());
  CHECK(visitor.visits.size() == expected.size());
}

TEST_CASE("a corrupt loose object is a problem naming its file", "[git-objects]") {
  GitRepo repo;
  repo.write("f", "content");
  repo.commit("c");
  const auto expected = repo.all_objects();
  const std::string bad = repo.objects_dir() + "/ab/" + std::string(38, 'c');
  write_file(bad, "not zlib at all");
  const std::string wrong_size = repo.objects_dir() + "/ab/" + std::string(38, 'd');
  write_file(wrong_size, zlib_compress(std::string("blob 10\0short", 13)));
  auto store = open_store(repo.objects_dir());
  CHECK(store->object_count() == expected.size() + 2);
  RecordingVisitor visitor;
  store->walk(WalkOptions{2, 0xff, 1ull << 30}, visitor);
  CHECK(visitor.visits.size() == expected.size());
  REQUIRE(visitor.problems.size() == 2);
  CHECK(mentions(visitor, bad, "corrupt zlib stream"));
  CHECK(mentions(visitor, wrong_size, "shorter than its header"));
}

TEST_CASE("open fails only for a directory it cannot read; read fails for unknown ids", "[git-objects]") {
  TempDir dir;
  CHECK_FALSE(ObjectStore::open(dir / "missing"));
  auto store = ObjectStore::open(dir.path());
  REQUIRE(store);
  CHECK((*store)->object_count() == 0);
  std::string content;
  auto read = (*store)->read(fake_id(1, 2), content);
  REQUIRE_FALSE(read);
  CHECK(read.error().message.find("not found") != std::string::npos);
  RecordingVisitor visitor;
  (*store)->walk(WalkOptions{3, 0xff, 1ull << 30}, visitor);
  CHECK(visitor.visits.empty());
}
