// libFuzzer target: arbitrary bytes as a pack, walked by walk_objects and read by PackReader.
//
// Input: a count byte N (1..32), N two-byte entry offsets, then the pack's entries (after a
// synthesised "PACK" v2 header; no trailer). Object i gets the id {i, 0, ..., 0}, so a REF_DELTA
// base of "\x03" + 19 zero bytes names object 3. The index is built in memory. Checked: entry
// header parsing, inflation, delta trees (OFS and REF, cycles), the walk's scheduling, and that
// walk() and read() agree: an object the walk visits with content reads back the same, and an
// object that reads back (within the size limit) is visited once with that content.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "src/source/git/object_walk.h"
#include "src/source/git/pack_reader.h"

namespace {

using namespace sprawl::git;

constexpr std::uint64_t kMaxObject = 1 << 20;

void expect(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz_pack_walk: invariant violated: %s\n", what);
  std::abort();
}

void put_be32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

/// A v2 index of `offsets` (object i has id {i, 0...}), with a pack checksum that never matches.
std::string make_index(const std::vector<std::uint32_t>& offsets) {
  std::string idx("\xfftOc", 4);
  put_be32(idx, 2);
  for (unsigned b = 0; b < 256; ++b)
    put_be32(idx, static_cast<std::uint32_t>(std::min<std::size_t>(b + 1, offsets.size())));
  for (std::size_t i = 0; i < offsets.size(); ++i) idx += std::string(1, static_cast<char>(i)) + std::string(19, '\0');
  for (std::size_t i = 0; i < offsets.size(); ++i) put_be32(idx, 0);
  for (const std::uint32_t offset : offsets) put_be32(idx, offset);
  return idx + std::string(40, '\x7f');
}

struct Visitor : ObjectVisitor {
  std::mutex mutex;
  std::map<std::string, std::pair<ObjectType, std::string>> seen;
  WalkNote visit(unsigned, const WalkedObject& object, const WalkNote& base_note) override {
    if (object.too_large) expect(object.content.empty() && object.size > kMaxObject, "bad too_large object");
    if (!object.too_large) expect(object.content.size() == object.size, "content size differs from size");
    const auto* base = static_cast<const std::string*>(base_note.get());
    if (object.copies && base && !object.too_large) {
      for (const auto& copy : *object.copies) {
        expect(copy.source_offset + copy.length <= base->size(), "copy outside the base");
        expect(copy.target_offset + copy.length <= object.content.size(), "copy outside the target");
        expect(base->compare(copy.source_offset, copy.length, object.content.data() + copy.target_offset,
                             copy.length) == 0,
               "copy differs from the base");
      }
    }
    std::lock_guard lock(mutex);
    expect(seen.emplace(object.id.hex(), std::make_pair(object.type, std::string(object.content))).second,
           "object visited twice");
    return std::make_shared<std::string>(object.content);
  }
  void problem(const std::string&, const std::string&) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t count = data[0] % 32 + 1;
  if (size < 1 + 2 * count) return 0;
  std::string pack("PACK\0\0\0\2", 8);
  put_be32(pack, static_cast<std::uint32_t>(count));
  pack.append(reinterpret_cast<const char*>(data) + 1 + 2 * count, size - 1 - 2 * count);
  std::vector<std::uint32_t> offsets;
  for (std::size_t i = 0; i < count; ++i)
    offsets.push_back(12 + (data[1 + 2 * i] << 8 | data[2 + 2 * i]) % static_cast<std::uint32_t>(pack.size()));
  const std::string idx = make_index(offsets);

  auto index = PackIndex::parse(idx, "fuzz.idx");
  expect(index.ok(), "the synthesised index does not parse");
  auto file = PackFile::parse(pack, "fuzz.pack", index->pack_checksum());
  expect(file.ok(), "the synthesised pack does not parse");
  ObjectDirectory dir;
  Pack entry_pack{std::move(*index), std::move(*file), {offsets.begin(), offsets.end()}, {}};
  std::sort(entry_pack.sorted_offsets.begin(), entry_pack.sorted_offsets.end());
  if (std::adjacent_find(entry_pack.sorted_offsets.begin(), entry_pack.sorted_offsets.end()) !=
      entry_pack.sorted_offsets.end())
    return 0;  // ObjectStore rejects packs with two objects at one offset
  dir.packs.push_back(std::move(entry_pack));
  dir.object_count = count;

  PackReader reader(dir, 1 << 20, 4 * kMaxObject);
  Visitor visitor;
  walk_objects(dir, reader, WalkOptions{static_cast<unsigned>(1 + (data[0] >> 7)), 0xff, kMaxObject}, visitor);
  std::string content;
  for (std::uint32_t i = 0; i < count; ++i) {
    const ObjectId id = dir.packs[0].index.id(i);
    const auto read = reader.read(id, content);
    const auto seen = visitor.seen.find(id.hex());
    if (read && content.size() <= kMaxObject) {
      expect(seen != visitor.seen.end(), "an object read() returns was not visited");
      expect(seen->second.first == read.value() && seen->second.second == content, "walk and read differ");
    } else if (seen != visitor.seen.end() && !read) {
      expect(false, "the walk visited an object read() cannot read");
    }
  }
  return 0;
}
