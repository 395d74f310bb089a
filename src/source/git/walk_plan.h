// WalkPlan: one pack's entries in pack order, linked into delta trees (what `git index-pack` builds).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "src/source/git/object_directory.h"

namespace sprawl::git {

/// The delta forest of one pack: every entry links to its in-pack base, so a walk can inflate
/// each root once and rebuild every delta from its parent's content.
struct WalkPlan {
  struct Entry {
    std::uint64_t offset = 0;
    std::uint64_t size = 0;      ///< inflated size of the entry's data (the delta, for deltas)
    std::uint32_t position = 0;  ///< position in the pack index (gives the id)
    std::uint8_t kind = 0;       ///< PackEntryKind value; 0 when the header is unreadable
  };
  /// A problem found while planning: the entry and what is wrong with it.
  struct Problem {
    std::string where, message;
  };

  const Pack* pack = nullptr;
  std::vector<Entry> entries;              ///< ascending offsets
  std::vector<std::uint32_t> child_begin;  ///< children of e: children[child_begin[e], child_begin[e + 1])
  std::vector<std::uint32_t> children;     ///< ascending offsets within each entry's range
  std::vector<std::uint32_t> roots;        ///< whole objects and deltas whose base is outside the pack
  std::vector<Problem> problems;           ///< broken entries, each with its delta subtree, and cycles

  std::uint64_t entry_end(std::uint32_t e) const {
    return e + 1 < entries.size() ? entries[e + 1].offset : pack->file.data_end();
  }
  std::pair<const std::uint32_t*, const std::uint32_t*> children_of(std::uint32_t e) const {
    return {children.data() + child_begin[e], children.data() + child_begin[e + 1]};
  }
  /// The number of entries below `e` in its delta tree.
  std::size_t descendant_count(std::uint32_t e) const;
};

/// Parses every entry header of `pack` and links deltas to their bases.
WalkPlan plan_pack_walk(const Pack& pack);

}  // namespace sprawl::git
