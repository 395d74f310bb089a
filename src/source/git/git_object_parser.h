// Parsers for the git objects history needs: commits (tree, parents, author, summary), annotated
// tags (target) and trees (mode, name, id per entry). Pure functions over an object's content;
// malformed input gives nullopt / false, never a crash (fuzzed by tests/fuzz/fuzz_git_objects).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/source/git/object_id.h"

namespace sprawl::git {

struct CommitInfo {
  ObjectId tree;
  std::vector<ObjectId> parents;
  std::string author_name, author_email;
  std::int64_t author_time = 0;    ///< seconds since the epoch
  int author_tz_minutes = 0;       ///< offset east of UTC
  std::string summary;             ///< first line of the message, at most 200 bytes
};

std::optional<CommitInfo> parse_commit(std::string_view content);

struct TagInfo {
  ObjectId target;
  ObjectType target_type = ObjectType::none;
};

std::optional<TagInfo> parse_tag(std::string_view content);

struct TreeEntry {
  std::uint32_t mode = 0;
  std::string_view name;
  ObjectId id;
  bool is_tree() const { return mode == 040000; }
  bool is_blob() const { return (mode & 0170000) == 0100000 || (mode & 0170000) == 0120000; }
};

/// Calls `visit(entry)` for each entry; false if the tree is malformed (entries before the
/// damage were visited).
template <class Visit>
bool for_each_tree_entry(std::string_view content, Visit&& visit);

namespace detail {
bool next_tree_entry(std::string_view& rest, TreeEntry& entry);
}

template <class Visit>
bool for_each_tree_entry(std::string_view content, Visit&& visit) {
  TreeEntry entry;
  while (!content.empty()) {
    if (!detail::next_tree_entry(content, entry)) return false;
    visit(entry);
  }
  return true;
}

/// ISO 8601 with the author's offset, e.g. 2024-01-02T03:04:05+01:00.
std::string format_git_time(std::int64_t seconds, int tz_minutes);

}  // namespace sprawl::git
