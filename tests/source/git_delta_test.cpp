// Delta application (strict validation, copy lists), object ids, and pack entry header parsing.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "src/source/git/delta.h"
#include "src/source/git/object_id.h"
#include "src/source/git/pack_file.h"
#include "src/source/git/pack_index.h"
#include "tests/source/git_objects_support.h"

using sprawl::git::apply_delta;
using sprawl::git::DeltaCopy;
using sprawl::test::objstore::make_delta;

namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

}  // namespace

TEST_CASE("apply_delta copies and inserts, and lists the copies in target order", "[git-objects]") {
  const std::string base = "0123456789abcdefghij";
  // copy 4 bytes at 10, insert "XY", copy 3 bytes at 14 (contiguous in both: merged), copy 2 at 0
  const std::string ops = bytes({0x91, 10, 4}) + bytes({2}) + "XY" + bytes({0x91, 14, 3}) + bytes({0x90, 2});
  std::string target;
  std::vector<DeltaCopy> copies;
  REQUIRE(apply_delta(base, make_delta(base.size(), 11, ops), target, &copies));
  CHECK(target == "abcdXYefg01");
  CHECK(copies == std::vector<DeltaCopy>{{0, 10, 4}, {6, 14, 3}, {9, 0, 2}});

  const std::string contiguous = bytes({0x91, 2, 3}) + bytes({0x91, 5, 4});
  REQUIRE(apply_delta(base, make_delta(base.size(), 7, contiguous), target, &copies));
  CHECK(target == "2345678");
  CHECK(copies == std::vector<DeltaCopy>{{0, 2, 7}});
}

TEST_CASE("apply_delta reads a copy size of zero as 0x10000 and multi-byte offsets", "[git-objects]") {
  std::string base(0x10000 + 300, 'a');
  base[0x100] = 'Z';
  std::string target;
  std::vector<DeltaCopy> copies;
  REQUIRE(apply_delta(base, make_delta(base.size(), 0x10000, bytes({0x80})), target, &copies));
  CHECK(target == base.substr(0, 0x10000));
  REQUIRE(apply_delta(base, make_delta(base.size(), 2, bytes({0x92, 0x01, 2})), target, &copies));
  CHECK(target == "Za");
  CHECK(copies == std::vector<DeltaCopy>{{0, 0x100, 2}});
}

TEST_CASE("apply_delta rejects malformed deltas", "[git-objects]") {
  const std::string base = "0123456789";
  std::string target;
  auto fails_with = [&](const std::string& delta, const std::string& text) {
    auto result = apply_delta(base, delta, target);
    REQUIRE_FALSE(result);
    CHECK(result.error().message.find(text) != std::string::npos);
  };
  fails_with(make_delta(11, 1, bytes({1}) + "x"), "expects a base of 11 bytes");
  fails_with(make_delta(10, 5, bytes({0x91, 8, 5})), "outside the base");
  fails_with(make_delta(10, 2, bytes({0, 1}) + "x"), "reserved opcode 0");
  fails_with(make_delta(10, 3, bytes({2}) + "xy"), "builds 2 bytes, declared 3");
  fails_with(make_delta(10, 1, bytes({2}) + "xy"), "past the declared target size");
  fails_with(make_delta(10, 3, bytes({3}) + "xy"), "truncated delta insert");
  fails_with(make_delta(10, 3, bytes({0x93, 1})), "truncated delta copy");
  fails_with(bytes({0x8a}), "truncated or oversized delta header");
  fails_with(bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0}), "oversized");
  fails_with(make_delta(10, 1ull << 40, bytes({0x80})), "impossible size");
}

TEST_CASE("parse_object_id takes 40 hex digits only", "[git-objects]") {
  const std::string hex = "0123456789abcdefABCDEF0123456789abcdef01";
  auto id = sprawl::git::parse_object_id(hex);
  REQUIRE(id);
  CHECK(id->hex() == "0123456789abcdefabcdef0123456789abcdef01");
  CHECK_FALSE(sprawl::git::parse_object_id(hex.substr(1)));
  CHECK_FALSE(sprawl::git::parse_object_id("g" + hex.substr(1)));
  CHECK(std::string(sprawl::git::to_string(sprawl::git::ObjectType::tree)) == "tree");
  CHECK(sprawl::git::object_type_from_name("tag") == sprawl::git::ObjectType::tag);
  CHECK(sprawl::git::object_type_from_name("delta") == sprawl::git::ObjectType::none);
}

TEST_CASE("pack entry headers are parsed with every read bounds-checked", "[git-objects]") {
  using sprawl::git::PackEntryKind;
  using sprawl::git::parse_pack_entry_header;
  const std::string prefix = "PACK" + bytes({0, 0, 0, 2, 0, 0, 0, 1});
  // blob of size 0x1234 = 4 + 7 + 7 bits: 0x4 | 0x30 | 0x80, then 0x23 | 0x80, then 0x00
  std::string pack = prefix + bytes({0xb4, 0xa3, 0x02});
  auto header = parse_pack_entry_header(pack, pack.size(), 12);
  REQUIRE(header);
  CHECK(header->kind == PackEntryKind::blob);
  CHECK(header->size == 0x1234);
  CHECK(header->header_length == 3);
  CHECK_FALSE(parse_pack_entry_header(pack, pack.size() - 1, 12));  // continuation runs off the end
  CHECK_FALSE(parse_pack_entry_header(pack, pack.size(), 11));
  CHECK_FALSE(parse_pack_entry_header(pack, pack.size(), pack.size()));

  // OFS_DELTA at 15 whose base is 3 bytes back (at 12); then one pointing before the pack data
  pack += bytes({0x65, 0x03});
  header = parse_pack_entry_header(pack, pack.size(), 15);
  REQUIRE(header);
  CHECK(header->kind == PackEntryKind::ofs_delta);
  CHECK(header->base_offset == 12);
  pack[16] = 0x04;
  CHECK_FALSE(parse_pack_entry_header(pack, pack.size(), 15));
  pack[16] = 0x00;  // distance 0: the entry itself
  CHECK_FALSE(parse_pack_entry_header(pack, pack.size(), 15));
  // two-byte distance: (0x80 | 0) then 0x05 means ((0 + 1) << 7) + 5 = 133
  CHECK_FALSE(parse_pack_entry_header(prefix + std::string(140, 'x') + bytes({0x65, 0x80}), 200, 152));

  const std::string ref = prefix + bytes({0x75}) + std::string(19, '\x01');
  CHECK_FALSE(parse_pack_entry_header(ref, ref.size(), 12));             // REF_DELTA id cut short
  CHECK_FALSE(parse_pack_entry_header(prefix + bytes({0x55}), 13, 12));  // type 5 is reserved
  CHECK_FALSE(parse_pack_entry_header(prefix + bytes({0x05}), 13, 12));  // type 0 is invalid
  std::string huge = prefix + bytes({0xb0});
  for (int i = 0; i < 10; ++i) huge += bytes({0xff});
  huge += bytes({0x01});
  CHECK_FALSE(parse_pack_entry_header(huge, huge.size(), 12));  // size over 64 bits
}

TEST_CASE("pack indexes with broken structure are rejected with the file name", "[git-objects]") {
  using sprawl::git::PackIndex;
  std::string v2("\xfftOc", 4);
  sprawl::test::objstore::put_be32(v2, 2);
  for (int i = 0; i < 256; ++i) sprawl::test::objstore::put_be32(v2, i < 0x10 ? 0 : 1);
  v2 += std::string(20, '\x10');           // one id starting with 0x10
  v2 += std::string(4, '\0');              // crc
  v2 += bytes({0x80, 0, 0, 0});            // 64-bit offset #0
  v2 += bytes({0, 0, 0, 0, 0, 0, 0, 12});  // the 64-bit table
  v2 += std::string(40, '\0');
  auto index = PackIndex::parse(v2, "x.idx");
  REQUIRE(index);
  CHECK(index->count() == 1);
  CHECK(index->offset(0) == 12);
  CHECK(index->find(index->id(0)) == std::optional<std::uint32_t>(0));
  CHECK_FALSE(index->find(sprawl::test::objstore::fake_id(0x10, 0)));

  auto rejects = [](const std::string& data, const std::string& text) {
    auto result = PackIndex::parse(data, "x.idx");
    REQUIRE_FALSE(result);
    CHECK(result.error().message.find("x.idx: ") == 0);
    INFO(result.error().message);
    CHECK(result.error().message.find(text) != std::string::npos);
  };
  std::string bad = v2;
  bad[1032 + 19] = 0x10;
  bad[1032] = 0x11;  // id outside its fanout bucket
  rejects(bad, "fanout does not match");
  bad = v2;
  bad[8 + 4 * 0x20 + 3] = 0;  // fanout goes down
  rejects(bad, "not monotonic");
  rejects(v2.substr(0, v2.size() - 3), "does not fit");
  rejects(v2.substr(0, v2.size() - 8), "64-bit offset table");  // the table is gone
  bad = v2;
  bad[1032 + 24 + 3] = 1;  // refers to 64-bit entry #1 of 1
  rejects(bad, "64-bit offset table");
  bad = v2;
  bad[7] = 3;
  rejects(bad, "unsupported pack index version 3");
  rejects(std::string(100, '\0'), "truncated");
}
