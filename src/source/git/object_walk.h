// walk_objects: the parallel, inflate-each-object-once walk behind ObjectStore::walk.
#pragma once

#include "src/source/git/object_directory.h"
#include "src/source/git/object_store.h"
#include "src/source/git/pack_reader.h"

namespace sprawl::git {

/// Visits every distinct object of `dir` once: per pack, roots are inflated once and their deltas
/// rebuilt depth-first from the parent's content, the delta trees spread over the threads (a
/// worker hands part of a big tree to idle workers). Bases outside a pack come from `reader`.
void walk_objects(const ObjectDirectory& dir, const PackReader& reader, const WalkOptions& options,
                  ObjectVisitor& visitor);

}  // namespace sprawl::git
