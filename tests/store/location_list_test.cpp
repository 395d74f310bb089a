// LocationList: packing a part's locations into varints and back, refusing malformed lists, and
// the merging a rescan does (seen again, new, no longer seen).
#include <catch2/catch.hpp>

#include <limits>
#include <random>

#include "src/store/location_list.h"

using namespace sprawl::store;

namespace {

LocationValues location(std::int64_t path, std::int64_t line, std::int64_t scan, std::int64_t target = 2,
                        bool present = true) {
  LocationValues values{};
  values[kRepository] = 2;
  values[kCommit] = 3;
  values[kCommitDate] = 4;
  values[kAuthor] = 5;
  values[kPath] = path;
  values[kLine] = line;
  values[kImage] = values[kLayerDigest] = values[kMembers] = 1;
  values[kTarget] = target;
  values[kEnvironment] = 6;
  values[kPresent] = present ? 1 : 0;
  values[kFirstSeenScan] = values[kLastSeenScan] = scan;
  return values;
}

std::string pack(const std::vector<LocationValues>& locations) {
  std::string blob;
  for (const auto& values : locations) append_location(blob, values);
  return blob;
}

}  // namespace

TEST_CASE("packed locations decode to what was packed, whatever the size of the values", "[store]") {
  std::mt19937_64 random(7);
  std::vector<LocationValues> locations;
  for (int n = 0; n < 200; ++n) {
    LocationValues values;
    for (auto& value : values) {
      // Every varint length from 1 to 9 bytes, and the largest value.
      const int bits = static_cast<int>(random() % 64);
      value = bits == 63 ? std::numeric_limits<std::int64_t>::max()
                         : static_cast<std::int64_t>(random() & ((std::uint64_t{1} << bits) - 1));
    }
    locations.push_back(values);
  }
  const std::string blob = pack(locations);
  std::vector<LocationValues> decoded;
  REQUIRE(decode_locations(blob, decoded));
  CHECK(decoded == locations);
  // Appends: what was in `out` stays.
  REQUIRE(decode_locations(blob, decoded));
  CHECK(decoded.size() == 400);
  // Small values take a byte each: 14 bytes for a location of small ids.
  CHECK(pack({location(7, 100, 1)}).size() == 14);
  std::vector<LocationValues> none;
  CHECK(decode_locations("", none));
  CHECK(none.empty());
}

TEST_CASE("a malformed packed list is refused whole, leaving the output as it was", "[store]") {
  const std::string blob = pack({location(7, 1, 1), location(8, 2, 1)});
  std::vector<LocationValues> out{location(9, 9, 9)};
  SECTION("a partial location") { CHECK_FALSE(decode_locations(std::string_view(blob).substr(0, 20), out)); }
  SECTION("a varint cut short") {
    std::string cut = pack({location(7, 300, 1)});  // line 300 takes two bytes
    cut.resize(6);                                  // ends inside it
    CHECK_FALSE(decode_locations(cut, out));
  }
  SECTION("a varint longer than 64 bits") {
    std::string overlong = blob.substr(0, 14) + std::string(10, '\xff') + '\x01' + blob.substr(15, 13);
    CHECK_FALSE(decode_locations(overlong, out));
  }
  SECTION("a value over INT64_MAX") {
    std::string huge = blob.substr(0, 14) + std::string(9, '\xff') + '\x01' + blob.substr(15, 13);
    CHECK_FALSE(decode_locations(huge, out));
  }
  REQUIRE(out.size() == 1);
  CHECK(out[0] == location(9, 9, 9));
}

TEST_CASE("merging a scan's locations updates the places seen again and appends the new ones", "[store]") {
  // Below and above the size where the merge switches from a linear search to a hash table.
  for (std::int64_t count : {3, 40}) {
    INFO(count << " stored locations");
    std::vector<LocationValues> stored;
    for (std::int64_t n = 0; n < count; ++n) stored.push_back(location(10 + n, n, 1));
    std::vector<LocationValues> seen;
    LocationValues again = location(10, 0, 2);
    again[kCommitDate] = 40;
    again[kAuthor] = 50;
    again[kEnvironment] = 60;
    again[kPresent] = 0;  // seen again, in history only now
    seen.push_back(again);
    seen.push_back(location(500, 1, 2));  // new
    seen.push_back(location(500, 1, 2));  // new, given twice: stored once
    LocationValues moved = location(11, 1, 2);
    moved[kLine] = 99;  // another line is another place
    seen.push_back(moved);
    merge_locations(stored, seen);
    REQUIRE(stored.size() == static_cast<std::size_t>(count) + 2);
    CHECK(stored[0][kFirstSeenScan] == 1);
    CHECK(stored[0][kLastSeenScan] == 2);
    CHECK(stored[0][kCommitDate] == 40);
    CHECK(stored[0][kAuthor] == 50);
    CHECK(stored[0][kEnvironment] == 60);
    CHECK(stored[0][kPresent] == 0);
    CHECK(stored[1][kLastSeenScan] == 1);  // not seen: unchanged
    CHECK(stored[static_cast<std::size_t>(count)] == location(500, 1, 2));
    CHECK(stored[static_cast<std::size_t>(count) + 1] == moved);
  }
}

TEST_CASE("locations of the scan's targets it did not see are marked absent, the others kept", "[store]") {
  std::vector<LocationValues> stored{
      location(1, 1, 2),            // seen by scan 2
      location(2, 1, 1),            // not seen, under target 2: absent
      location(3, 1, 1, 7),         // not seen, under another target: kept
      location(4, 1, 1, 2, false),  // absent already
  };
  const std::int64_t targets[] = {2, 5};
  CHECK(mark_unseen_absent(stored, 2, targets) == 1);
  CHECK(stored[0][kPresent] == 1);
  CHECK(stored[1][kPresent] == 0);
  CHECK(stored[2][kPresent] == 1);
  CHECK(stored[3][kPresent] == 0);
  CHECK(any_present(stored));
  CHECK(mark_unseen_absent(stored, 3, targets) == 1);  // scan 3 saw none of them: only target 7's left
  CHECK(any_present(stored));
  const std::int64_t all[] = {2, 7};
  CHECK(mark_unseen_absent(stored, 3, all) == 1);
  CHECK_FALSE(any_present(stored));
}
