// Turns every place a secret was seen in a repository into one finding per (rule, secret,
// path): the earliest place is reported, with how many other commits and paths hold it.
#pragma once

#include <cstdint>
#include <vector>

#include "sprawl/finding.h"

namespace sprawl {

/// A finding at one git location; lower `order` means earlier (reachable commits in history
/// order, then dangling commits, then the index, the work tree, unreachable objects).
struct GitSighting {
  Finding finding;
  std::uint64_t order = 0;
};

/// Keeps the earliest sighting of each (rule, fingerprint, path) and fills other_commits and
/// other_paths from the rest; appends the result to `out`.
void collapse_git_sightings(std::vector<GitSighting> sightings, std::vector<Finding>& out);

}  // namespace sprawl
