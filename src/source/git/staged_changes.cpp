// Index-to-HEAD comparison (see staged_changes.h).
#include "src/source/git/staged_changes.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "src/source/git/git_object_parser.h"

namespace sprawl::git {
namespace {

constexpr std::uint32_t kGitlink = 0160000;
constexpr std::uint32_t kTree = 040000;
constexpr int kMaxDepth = 256;

class Comparison {
 public:
  Comparison(const ObjectStore& store, const IndexFile& index) : m_store(store), m_index(index) {
    m_consumed.assign(index.entries.size(), false);
    for (const auto& node : index.cache_tree)
      if (node.entry_count >= 0 && node.id) m_cached.emplace(node.path, *node.id);
  }

  Status compare(const ObjectId& tree_id, const std::string& prefix, std::size_t lo, std::size_t hi, int depth) {
    if (depth > kMaxDepth) return Error{fmt::format("tree {} nests too deep", tree_id.hex())};
    const std::string dir = prefix.empty() ? std::string() : prefix.substr(0, prefix.size() - 1);
    auto cached = m_cached.find(dir);
    if (cached != m_cached.end() && cached->second == tree_id) {
      for (std::size_t i = lo; i < hi; ++i) m_consumed[i] = true;  // unchanged directory
      return Ok{};
    }
    std::string content;
    auto type = m_store.read(tree_id, content);
    if (!type) return Error{type.error().message};
    if (*type != ObjectType::tree) return Error{fmt::format("{} is not a tree", tree_id.hex())};
    Status status = Ok{};
    const bool well_formed = for_each_tree_entry(content, [&](const TreeEntry& entry) {
      if (!status) return;
      const std::string path = prefix + std::string(entry.name);
      if (entry.is_tree()) {
        const auto [sub_lo, sub_hi] = range(path + "/", lo, hi);
        status = compare(entry.id, path + "/", sub_lo, sub_hi, depth + 1);
        return;
      }
      const std::size_t at = find(path, lo, hi);
      if (at == SIZE_MAX) {
        if (entry.is_blob()) m_deleted.emplace(entry.id, path);
        return;
      }
      m_consumed[at] = true;
      const IndexFileEntry& staged = m_index.entries[at];
      if (staged.mode == kGitlink) {
        if (!(staged.id == entry.id)) m_out.submodules.push_back(staged.path);
        return;
      }
      if (entry.is_blob() && staged.id == entry.id) return;
      if (entry.is_blob()) m_out.removed.push_back(entry.id);
      m_out.files.push_back({staged.path, staged.id, entry.is_blob() ? std::optional(entry.id) : std::nullopt,
                             staged.mode});
    });
    if (!status) return status;
    if (!well_formed) return Error{fmt::format("tree {} is malformed", tree_id.hex())};
    return Ok{};
  }

  StagedChanges finish() {
    for (const auto& [id, path] : m_deleted) m_out.removed.push_back(id);
    for (std::size_t i = 0; i < m_index.entries.size(); ++i) {
      const IndexFileEntry& e = m_index.entries[i];
      if (m_consumed[i] || e.stage != 0 || e.intent_to_add || e.mode == kTree) continue;
      if (e.mode == kGitlink) {
        m_out.submodules.push_back(e.path);
        continue;
      }
      StagedFile file{e.path, e.id, std::nullopt, e.mode};
      auto moved = m_deleted.find(e.id);  // a pure rename keeps what the old path held
      if (moved != m_deleted.end()) file.old_id = e.id;
      m_out.files.push_back(std::move(file));
    }
    std::sort(m_out.files.begin(), m_out.files.end(),
              [](const StagedFile& a, const StagedFile& b) { return a.path < b.path; });
    return std::move(m_out);
  }

 private:
  // Index entries are sorted by path, so a directory's entries are one contiguous range.
  std::pair<std::size_t, std::size_t> range(const std::string& dir_prefix, std::size_t lo, std::size_t hi) const {
    auto begin = m_index.entries.begin();
    auto first = std::lower_bound(begin + lo, begin + hi, dir_prefix,
                                  [](const IndexFileEntry& e, const std::string& p) { return e.path < p; });
    auto last = std::partition_point(first, begin + hi, [&](const IndexFileEntry& e) {
      return e.path.compare(0, dir_prefix.size(), dir_prefix) == 0;
    });
    return {static_cast<std::size_t>(first - begin), static_cast<std::size_t>(last - begin)};
  }

  std::size_t find(const std::string& path, std::size_t lo, std::size_t hi) const {
    auto begin = m_index.entries.begin();
    auto it = std::lower_bound(begin + lo, begin + hi, path,
                               [](const IndexFileEntry& e, const std::string& p) { return e.path < p; });
    for (; it != begin + hi && it->path == path; ++it)
      if (it->stage == 0) return static_cast<std::size_t>(it - begin);
    return SIZE_MAX;
  }

  const ObjectStore& m_store;
  const IndexFile& m_index;
  std::vector<bool> m_consumed;
  std::unordered_map<std::string, ObjectId> m_cached;
  std::unordered_map<ObjectId, std::string, BlobIdHash> m_deleted;
  StagedChanges m_out;
};

}  // namespace

Result<StagedChanges> staged_changes(const ObjectStore& store, const IndexFile& index,
                                     const std::optional<ObjectId>& head_tree) {
  Comparison comparison(store, index);
  if (head_tree) {
    Status status = comparison.compare(*head_tree, "", 0, index.entries.size(), 0);
    if (!status) return Error{status.error().message};
  }
  return comparison.finish();
}

}  // namespace sprawl::git
