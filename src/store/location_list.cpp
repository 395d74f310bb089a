// LocationList: packing a part's locations into varints, and merging a scan's into them.
#include "src/store/location_list.h"

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace sprawl::store {
namespace {

constexpr std::array<std::size_t, 7> kPlaceColumns = {kRepository, kCommit,      kPath,   kLine,
                                                      kImage,      kLayerDigest, kMembers};
using Place = std::array<std::int64_t, kPlaceColumns.size()>;

Place place_of(const LocationValues& location) {
  Place place;
  for (std::size_t i = 0; i < kPlaceColumns.size(); ++i) place[i] = location[kPlaceColumns[i]];
  return place;
}

struct PlaceHash {
  std::size_t operator()(const Place& place) const {
    std::uint64_t hash = 0x9e3779b97f4a7c15ULL;
    for (std::int64_t value : place) hash = (hash ^ static_cast<std::uint64_t>(value)) * 0x100000001b3ULL;
    return static_cast<std::size_t>(hash ^ (hash >> 29));
  }
};

// What a location seen again takes from the scan that saw it.
void update_seen(LocationValues& stored, const LocationValues& seen) {
  for (std::size_t column : {kCommitDate, kAuthor, kTarget, kEnvironment, kPresent, kLastSeenScan})
    stored[column] = seen[column];
}

// Below this many comparisons a linear search beats building a hash table.
constexpr std::size_t kLinearMergeLimit = 256;

}  // namespace

void append_location(std::string& blob, const LocationValues& location) {
  for (std::int64_t value : location) {
    auto rest = static_cast<std::uint64_t>(value);
    while (rest >= 0x80) {
      blob.push_back(static_cast<char>((rest & 0x7f) | 0x80));
      rest >>= 7;
    }
    blob.push_back(static_cast<char>(rest));
  }
}

bool decode_locations(std::string_view blob, std::vector<LocationValues>& out) {
  const std::size_t kept = out.size();
  std::size_t at = 0;
  while (at < blob.size()) {
    LocationValues& location = out.emplace_back();
    for (std::int64_t& value : location) {
      std::uint64_t decoded = 0;
      for (unsigned shift = 0;; shift += 7) {
        if (at == blob.size() || shift > 63) {
          out.resize(kept);
          return false;
        }
        const auto byte = static_cast<unsigned char>(blob[at++]);
        const std::uint64_t bits = byte & 0x7fU;
        if (shift == 63 && bits > 1) {  // past 64 bits
          out.resize(kept);
          return false;
        }
        decoded |= bits << shift;
        if ((byte & 0x80U) == 0) break;
      }
      if (decoded > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        out.resize(kept);
        return false;
      }
      value = static_cast<std::int64_t>(decoded);
    }
  }
  return true;
}

bool same_place(const LocationValues& a, const LocationValues& b) {
  for (std::size_t column : kPlaceColumns)
    if (a[column] != b[column]) return false;
  return true;
}

void merge_locations(std::vector<LocationValues>& stored, std::span<const LocationValues> seen) {
  if (seen.size() * (stored.size() + seen.size()) <= kLinearMergeLimit) {
    for (const LocationValues& location : seen) {
      auto found = std::find_if(stored.begin(), stored.end(),
                                [&](const LocationValues& known) { return same_place(known, location); });
      if (found != stored.end()) {
        update_seen(*found, location);
      } else {
        stored.push_back(location);
      }
    }
    return;
  }
  std::unordered_map<Place, std::size_t, PlaceHash> index;
  index.reserve(stored.size() + seen.size());
  for (std::size_t i = 0; i < stored.size(); ++i) index.emplace(place_of(stored[i]), i);
  for (const LocationValues& location : seen) {
    auto [found, added] = index.emplace(place_of(location), stored.size());
    if (added) {
      stored.push_back(location);
    } else {
      update_seen(stored[found->second], location);
    }
  }
}

std::size_t mark_unseen_absent(std::vector<LocationValues>& stored, std::int64_t scan,
                               std::span<const std::int64_t> targets) {
  std::size_t marked = 0;
  for (LocationValues& location : stored) {
    if (location[kPresent] == 0 || location[kLastSeenScan] == scan) continue;
    if (std::find(targets.begin(), targets.end(), location[kTarget]) == targets.end()) continue;
    location[kPresent] = 0;
    ++marked;
  }
  return marked;
}

bool any_present(std::span<const LocationValues> stored) {
  return std::any_of(stored.begin(), stored.end(), [](const LocationValues& location) { return location[kPresent]; });
}

}  // namespace sprawl::store
