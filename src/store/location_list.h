// LocationList: a credential part's locations as the datastore keeps them (schema v3) — packed
// into one BLOB of its identity_parts row, 14 unsigned varints per location — and the merging a
// rescan does on them (seen again, new, no longer seen).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sprawl::store {

/// The values of one stored location. String columns are ids into the `strings` table.
enum LocationColumn : std::size_t {
  kRepository,
  kCommit,
  kCommitDate,
  kAuthor,
  kPath,
  kLine,
  kImage,
  kLayerDigest,
  kMembers,  ///< archive members joined with "!/"
  kTarget,   ///< the scan input it was found under
  kEnvironment,
  kPresent,  ///< 0 or 1
  kFirstSeenScan,
  kLastSeenScan,
  kLocationColumns,
};
using LocationValues = std::array<std::int64_t, kLocationColumns>;

/// Appends `location` to the packed list `blob`. Every value must be >= 0.
void append_location(std::string& blob, const LocationValues& location);

/// Appends every location of the packed list `blob` to `out`. False (with `out` as it was) when
/// the blob is not a whole number of well-formed locations: a truncated or overlong varint, a
/// value over INT64_MAX, or a partial location.
bool decode_locations(std::string_view blob, std::vector<LocationValues>& out);

/// Whether two locations are the same place: repository, commit, path, line, image, layer and
/// archive members (the rest is what a rescan updates).
bool same_place(const LocationValues& a, const LocationValues& b);

/// Folds the locations a scan saw (`seen`, each with first and last seen set to that scan) into
/// `stored`: a place stored already takes the new commit date, author, target, environment,
/// presence and last seen scan, and keeps its first seen scan; a new place is appended. Places
/// repeated within `seen` are folded the same way, the later one winning.
void merge_locations(std::vector<LocationValues>& stored, std::span<const LocationValues> seen);

/// Marks absent every present location of `stored` that scan `scan` did not see (last seen
/// earlier) and that lies under one of the scan's `targets` (string ids). Returns how many.
std::size_t mark_unseen_absent(std::vector<LocationValues>& stored, std::int64_t scan,
                               std::span<const std::int64_t> targets);

/// Whether any location of `stored` is present.
bool any_present(std::span<const LocationValues> stored);

}  // namespace sprawl::store
