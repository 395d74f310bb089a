// Tree comparison through our own object store: the blobs a commit's tree adds or changes
// against one parent's tree, descending only into subtrees whose ids differ. What `--since` and
// `--range` need, without libgit2's slower object reads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sprawl/result.h"
#include "src/source/git/object_id.h"
#include "src/source/git/object_store.h"

namespace sprawl::git {

/// A blob (or symlink) the new tree has at `path` and the old tree did not have there.
struct TreeChange {
  std::string path;
  ObjectId id;
  std::optional<ObjectId> old_id;  ///< the blob the old tree had at this path, if any
};

struct TreeDiff {
  std::vector<TreeChange> changed;     ///< in tree order
  std::vector<ObjectId> removed;       ///< blobs the old tree had at paths where the new has none or another
  std::vector<std::string> submodules;  ///< gitlinks added or changed
};

/// Compares `new_tree` with `old_tree` (none: everything in `new_tree` is new), appending to `out`.
Status diff_trees(const ObjectStore& store, const std::optional<ObjectId>& old_tree, const ObjectId& new_tree,
                  TreeDiff& out);

}  // namespace sprawl::git
