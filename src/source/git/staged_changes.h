// StagedChanges: what `git commit` would add — index entries (stage 0) whose blob differs from
// HEAD's tree at that path — computed from our own index reader and object store. The index's
// cache tree names the tree of every directory without staged changes: those whose tree equals
// HEAD's are skipped without being read, so one staged file costs a handful of tree reads
// whatever the repository's size.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sprawl/result.h"
#include "src/source/git/index_file.h"
#include "src/source/git/object_id.h"
#include "src/source/git/object_store.h"

namespace sprawl::git {

struct StagedFile {
  std::string path;
  ObjectId id;
  std::optional<ObjectId> old_id;  ///< the blob HEAD has at this path (or, for a pure rename, at the old path)
  std::uint32_t mode = 0;
};

struct StagedChanges {
  std::vector<StagedFile> files;
  std::vector<ObjectId> removed;        ///< HEAD blobs the index removes or replaces (moved secrets are not new)
  std::vector<std::string> submodules;  ///< gitlinks added or changed: not followed
};

/// Compares `index` with the tree `head_tree` (none: an unborn branch, everything is new).
Result<StagedChanges> staged_changes(const ObjectStore& store, const IndexFile& index,
                                     const std::optional<ObjectId>& head_tree);

}  // namespace sprawl::git
