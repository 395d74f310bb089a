// libFuzzer target: arbitrary bytes as a part's packed locations (a datastore column), decoded,
// merged into and marked as a rescan does.
//
// A list that decodes must pack back to the same bytes when its varints are minimal, and always
// decode again to the same values after packing; a refused one leaves the output untouched.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "src/store/location_list.h"

namespace {

void expect(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz_location_list: invariant violated: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sprawl::store;
  const std::string_view blob(reinterpret_cast<const char*>(data), size);
  std::vector<LocationValues> decoded{LocationValues{}};
  if (!decode_locations(blob, decoded)) {
    expect(decoded.size() == 1, "a refused list changed the output");
    return 0;
  }
  decoded.erase(decoded.begin());
  expect(decoded.size() * kLocationColumns <= size, "more values than bytes");
  std::string packed;
  for (const auto& location : decoded) {
    for (std::int64_t value : location) expect(value >= 0, "a negative value decoded");
    append_location(packed, location);
  }
  expect(packed.size() <= size, "packing grew the list");
  std::vector<LocationValues> again;
  expect(decode_locations(packed, again) && again == decoded, "packing does not round-trip");

  // Merge the list into its own first half, as a rescan would, then mark what it did not see.
  std::vector<LocationValues> stored(decoded.begin(),
                                     decoded.begin() + static_cast<std::ptrdiff_t>(decoded.size() / 2));
  const std::size_t before = stored.size();
  merge_locations(stored, decoded);
  expect(stored.size() >= before && stored.size() <= before + decoded.size(), "merge lost or invented places");
  for (const auto& location : decoded) {
    std::size_t matches = 0;
    for (const auto& kept : stored) matches += same_place(kept, location) ? 1 : 0;
    expect(matches >= 1, "a merged place is missing");
  }
  const std::int64_t targets[] = {1, 2, 3};
  const std::size_t marked = mark_unseen_absent(stored, 1, targets);
  expect(marked <= stored.size(), "marked more than there are");
  return 0;
}
