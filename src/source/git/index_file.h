// Git's index file ($GIT_DIR/index): a strict, bounds-checked reader of versions 2, 3 and 4,
// with the cache-tree (TREE) extension, so that staged scans can skip unchanged directories.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sprawl/result.h"
#include "src/source/git/object_id.h"

namespace sprawl::git {

/// One entry of the index: a path at one stage. Stat data is not kept.
struct IndexFileEntry {
  /// Full path, '/'-separated. A sparse directory entry (mode 040000) keeps its trailing '/'.
  /// Empty only for a split index's replaced entries.
  std::string path;
  ObjectId id;
  /// 0100644, 0100755, 0120000 (symlink), 0160000 (gitlink) or 040000 (sparse directory).
  std::uint32_t mode = 0;
  /// 0 normal, 1-3 the base, ours and theirs of a conflict.
  std::uint16_t stage = 0;
  bool skip_worktree = false;  ///< v3+ extended flag (sparse checkout)
  bool intent_to_add = false;  ///< v3+ extended flag (`git add -N`)
};

/// One node of the cache tree: a directory whose tree id is known (or invalidated).
struct CacheTreeNode {
  std::string path;               ///< "" for the root, else "dir" or "dir/sub" (no trailing slash)
  std::int32_t entry_count = -1;  ///< index entries the tree covers; -1 = invalidated (then no id)
  std::int32_t subtrees = 0;      ///< direct children, which follow in pre-order
  std::optional<ObjectId> id;     ///< present iff entry_count >= 0
};

/// The parts of an index file that a staged scan needs.
struct IndexFile {
  std::uint32_t version = 0;              ///< 2, 3 or 4
  std::vector<IndexFileEntry> entries;    ///< in file order (sorted by path, then stage)
  std::vector<CacheTreeNode> cache_tree;  ///< pre-order as stored; empty without a TREE extension
  /// A "link" extension: entries live partly in a shared index, so callers must fall back.
  bool split_index = false;
  /// An "sdir" extension or any 040000 entry.
  bool sparse = false;
};

/// Parses the bytes of an index file. Every read is bounds-checked; malformed input gives an
/// Error with one line naming `name` and the problem (entries are numbered from 0). Entries
/// must be in git's order (except in a split index); the trailing checksum must be present but
/// is not verified. Only SHA-1 indexes are understood.
Result<IndexFile> parse_index_file(std::string_view bytes, const std::string& name);

/// Maps the file at `path` and parses it; errors name `path`.
Result<IndexFile> read_index_file(const std::string& path);

}  // namespace sprawl::git
