// ObjectDirectory: what ObjectStore::open finds under objects/ (packs, loose objects, alternates).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sprawl/result.h"
#include "src/source/git/object_id.h"
#include "src/source/git/pack_file.h"
#include "src/source/git/pack_index.h"

namespace sprawl::git {

/// One usable pack: its index, its mapped file and its entry offsets in file order.
struct Pack {
  PackIndex index;
  PackFile file;
  std::vector<std::uint64_t> sorted_offsets;  ///< every entry's offset, ascending
  std::vector<bool> shadowed;                 ///< by index position: the id is in an earlier pack too

  /// Where the entry at `offset` ends: the next entry's offset, or the end of the entry data.
  std::uint64_t entry_end(std::uint64_t offset) const;
  /// The entry's zlib data (from after its header to its end).
  std::string_view entry_data(std::uint64_t offset, const PackEntryHeader& header) const {
    return file.compressed(offset, header, entry_end(offset));
  }
  bool is_shadowed(std::uint32_t position) const { return !shadowed.empty() && shadowed[position]; }
};

/// A loose object file whose id is in no pack.
struct LooseEntry {
  ObjectId id;
  std::string path;
};

/// Where an object is stored: a pack entry, or a loose file.
struct ObjectLocation {
  const Pack* pack = nullptr;  ///< null for a loose object
  std::uint64_t offset = 0;
  const LooseEntry* loose = nullptr;
};

/// The packs (largest first; a repository's own before its alternates') and loose objects of
/// an object directory and its alternates, with the problems met while opening them.
struct ObjectDirectory {
  std::vector<Pack> packs;
  std::vector<LooseEntry> loose;  ///< sorted by id, unique, none of them in a pack
  std::vector<std::string> problems;
  std::size_t object_count = 0;  ///< distinct ids

  /// The first pack holding `id`, else its loose file; nullopt if neither.
  std::optional<ObjectLocation> locate(const ObjectId& id) const;
};

/// Opens everything under `objects_dir`. Fails only if it is not a readable directory.
Result<ObjectDirectory> open_object_directory(const std::string& objects_dir);

}  // namespace sprawl::git
