// Recursive merge-join of two trees in git's entry order (see tree_diff.h).
#include "src/source/git/tree_diff.h"

#include <cstring>

#include <fmt/format.h>

#include "src/source/git/git_object_parser.h"

namespace sprawl::git {
namespace {

constexpr int kMaxDepth = 256;
constexpr std::uint32_t kGitlink = 0160000;

struct Entry {
  std::string name;
  std::uint32_t mode;
  ObjectId id;
  bool is_tree() const { return mode == 040000; }
  bool is_blob() const { return (mode & 0170000) == 0100000 || (mode & 0170000) == 0120000; }
};

// Git sorts a tree's entries by name, a subtree's name as if it ended in '/'.
int git_order(const Entry& a, const Entry& b) {
  const std::size_t n = std::min(a.name.size(), b.name.size());
  if (const int c = std::memcmp(a.name.data(), b.name.data(), n)) return c;
  const unsigned char ca = a.name.size() > n ? static_cast<unsigned char>(a.name[n]) : (a.is_tree() ? '/' : 0);
  const unsigned char cb = b.name.size() > n ? static_cast<unsigned char>(b.name[n]) : (b.is_tree() ? '/' : 0);
  return ca < cb ? -1 : ca > cb ? 1 : 0;
}

class Differ {
 public:
  Differ(const ObjectStore& store, TreeDiff& out) : m_store(store), m_out(out) {}

  Status diff(const std::optional<ObjectId>& old_tree, const std::optional<ObjectId>& new_tree,
              const std::string& prefix, int depth) {
    if (depth > kMaxDepth) return Error{fmt::format("trees nest deeper than {} levels at '{}'", kMaxDepth, prefix)};
    if (old_tree && new_tree && *old_tree == *new_tree) return Ok{};
    std::vector<Entry> old_entries, new_entries;
    if (old_tree) {
      if (Status s = read(*old_tree, old_entries); !s) return s;
    }
    if (new_tree) {
      if (Status s = read(*new_tree, new_entries); !s) return s;
    }
    std::size_t i = 0, j = 0;
    while (i < old_entries.size() || j < new_entries.size()) {
      const int order = i == old_entries.size()   ? 1
                        : j == new_entries.size() ? -1
                                                  : git_order(old_entries[i], new_entries[j]);
      const Entry* before = order <= 0 ? &old_entries[i] : nullptr;
      const Entry* after = order >= 0 ? &new_entries[j] : nullptr;
      if (before) ++i;
      if (after) ++j;
      if (Status s = compare(before, after, prefix, depth); !s) return s;
    }
    return Ok{};
  }

 private:
  Status compare(const Entry* before, const Entry* after, const std::string& prefix, int depth) {
    if (before && after && before->mode == after->mode && before->id == after->id) return Ok{};
    const std::string path = prefix + (after ? after->name : before->name);
    if (after && after->is_tree()) {
      const std::optional<ObjectId> old_sub = before && before->is_tree() ? std::optional(before->id) : std::nullopt;
      if (before && before->is_blob()) m_out.removed.push_back(before->id);
      return diff(old_sub, after->id, path + "/", depth + 1);
    }
    if (before && before->is_tree()) {  // a directory removed (or replaced by a file)
      if (Status s = diff(before->id, std::nullopt, path + "/", depth + 1); !s) return s;
      before = nullptr;
    }
    if (!after) {
      if (before && before->is_blob()) m_out.removed.push_back(before->id);
      return Ok{};
    }
    if (after->mode == kGitlink) {
      m_out.submodules.push_back(path);
      return Ok{};
    }
    if (!after->is_blob()) return Ok{};
    std::optional<ObjectId> old_id;
    if (before && before->is_blob()) {
      if (before->id == after->id) return Ok{};  // only the mode changed
      old_id = before->id;
      m_out.removed.push_back(before->id);
    }
    m_out.changed.push_back({path, after->id, old_id});
    return Ok{};
  }

  Status read(const ObjectId& id, std::vector<Entry>& entries) {
    auto type = m_store.read(id, m_buffer);
    if (!type) return Error{type.error().message};
    if (*type != ObjectType::tree) return Error{fmt::format("{} is not a tree", id.hex())};
    const bool well_formed = for_each_tree_entry(
        m_buffer, [&](const TreeEntry& e) { entries.push_back({std::string(e.name), e.mode, e.id}); });
    if (!well_formed) return Error{fmt::format("tree {} is malformed", id.hex())};
    return Ok{};
  }

  const ObjectStore& m_store;
  TreeDiff& m_out;
  std::string m_buffer;
};

}  // namespace

Status diff_trees(const ObjectStore& store, const std::optional<ObjectId>& old_tree, const ObjectId& new_tree,
                  TreeDiff& out) {
  return Differ(store, out).diff(old_tree, new_tree, "", 0);
}

}  // namespace sprawl::git
