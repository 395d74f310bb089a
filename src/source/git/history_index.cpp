// History analysis: commits are ordered parents-first, and each commit's tree is compared with
// its parents' trees, descending only into subtrees that differ, to find where interesting
// blobs entered history.
#include "src/source/git/history_index.h"

#include <algorithm>

#include <fmt/format.h>

namespace sprawl::git {
namespace {

constexpr int kMaxTreeDepth = 256;  // deeper trees are malformed or hostile
constexpr std::size_t kMaxProblems = 20;

void add_problem(HistoryAnalysis& out, std::string message) {
  if (out.problems.size() < kMaxProblems) out.problems.push_back(std::move(message));
}

}  // namespace

void HistoryIndex::add_commit(const ObjectId& id, std::string_view content) {
  auto info = parse_commit(content);
  if (!info) return;
  std::lock_guard lock(m_mutex);
  m_commits.emplace(id, std::move(*info));
}

void HistoryIndex::add_tag(const ObjectId& id, std::string_view content) {
  auto tag = parse_tag(content);
  if (!tag) return;
  std::lock_guard lock(m_mutex);
  m_tags.emplace(id, tag->target);
}

std::uint32_t HistoryIndex::intern(std::string_view name) {
  auto [it, inserted] = m_name_ids.try_emplace(std::string(name), static_cast<std::uint32_t>(m_names.size()));
  if (inserted) m_names.emplace_back(name);
  return it->second;
}

void HistoryIndex::add_tree(const ObjectId& id, std::string_view content) {
  struct Kept {
    std::string_view name;
    bool is_tree;
    ObjectId id;
  };
  std::vector<Kept> kept;
  std::vector<ObjectId> missing;
  const bool check_missing = !m_known.empty();
  for_each_tree_entry(content, [&](const TreeEntry& e) {
    if (e.is_tree() || (e.is_blob() && m_interesting.count(e.id))) {
      kept.push_back({e.name, e.is_tree(), e.id});
    } else if (check_missing && e.is_blob() && !m_known.count(e.id)) {
      missing.push_back(e.id);
    }
  });
  std::lock_guard lock(m_mutex);
  m_trees_seen.insert(id);
  m_missing.insert(missing.begin(), missing.end());
  if (kept.empty()) return;
  std::vector<StoredEntry> entries;
  entries.reserve(kept.size());
  for (const auto& k : kept) entries.push_back({intern(k.name), k.is_tree, k.id});
  m_trees.emplace(id, std::move(entries));
}

ObjectId HistoryIndex::peel(const ObjectId& id) const {
  ObjectId current = id;
  for (int hops = 0; hops < 16; ++hops) {
    auto it = m_tags.find(current);
    if (it == m_tags.end()) break;
    current = it->second;
  }
  return current;
}

const std::vector<HistoryIndex::StoredEntry>* HistoryIndex::tree(const ObjectId& id) const {
  static const std::vector<StoredEntry> kEmpty;
  auto it = m_trees.find(id);
  return it == m_trees.end() ? &kEmpty : &it->second;
}

void HistoryIndex::collect_all(const ObjectId& tree_id, std::string& prefix, ObjectIdSet* blobs, std::uint32_t commit,
                               HistoryAnalysis* out, int depth) const {
  if (depth > kMaxTreeDepth) return;
  for (const auto& e : *tree(tree_id)) {
    const std::size_t size = prefix.size();
    prefix += m_names[e.name];
    if (e.is_tree) {
      prefix.push_back('/');
      collect_all(e.id, prefix, blobs, commit, out, depth + 1);
    } else if (blobs) {
      blobs->insert(e.id);
    } else {
      out->introductions[e.id].push_back({commit, prefix});
    }
    prefix.resize(size);
  }
}

void HistoryIndex::collect_introduced(const ObjectId& tree_id, const std::vector<const std::vector<StoredEntry>*>& parents,
                                      std::string& prefix, std::uint32_t commit, HistoryAnalysis& out) const {
  if (prefix.size() > 64 * 1024) return;  // a path this long means a malformed, cyclic tree
  std::vector<const std::vector<StoredEntry>*> sub_parents(parents.size());
  for (const auto& e : *tree(tree_id)) {
    bool in_a_parent = false;
    for (std::size_t p = 0; p < parents.size(); ++p) {
      const StoredEntry* match = nullptr;
      for (const auto& pe : *parents[p]) {
        if (pe.name == e.name) {
          match = &pe;
          break;
        }
      }
      if (match && match->is_tree == e.is_tree && match->id == e.id) in_a_parent = true;
      sub_parents[p] = match && match->is_tree ? tree(match->id) : tree(ObjectId{});
    }
    if (in_a_parent) continue;  // the same blob or subtree is in a parent: nothing new below
    const std::size_t size = prefix.size();
    prefix += m_names[e.name];
    if (e.is_tree) {
      prefix.push_back('/');
      const auto next = sub_parents;
      collect_introduced(e.id, next, prefix, commit, out);
    } else {
      out.introductions[e.id].push_back({commit, prefix});
    }
    prefix.resize(size);
  }
}

HistoryAnalysis HistoryIndex::analyse(const AnalysisOptions& options) const {
  HistoryAnalysis out;
  std::unordered_map<ObjectId, std::uint32_t, BlobIdHash> order;
  std::size_t missing_parents = 0;

  // Parents-first order by an iterative depth-first walk; commits outside the object database
  // (shallow or partial clones) are boundaries.
  auto visit_from = [&](const ObjectId& start, bool reachable) {
    if (order.count(start) || !m_commits.count(start)) return;
    struct Frame {
      ObjectId id;
      const CommitInfo* info;
      std::size_t next_parent;
    };
    std::vector<Frame> stack;
    order.emplace(start, UINT32_MAX);
    stack.push_back({start, &m_commits.at(start), 0});
    while (!stack.empty()) {
      Frame& top = stack.back();
      if (top.next_parent < top.info->parents.size()) {
        const ObjectId parent = top.info->parents[top.next_parent++];
        auto it = m_commits.find(parent);
        if (it == m_commits.end()) {
          ++missing_parents;
          continue;
        }
        if (order.emplace(parent, UINT32_MAX).second) stack.push_back({parent, &it->second, 0});
        continue;
      }
      order[top.id] = static_cast<std::uint32_t>(out.commits.size());
      out.commits.push_back({top.id, top.info, reachable});
      stack.pop_back();
    }
  };
  for (const auto& tip : options.tips) {
    const ObjectId commit = peel(tip);
    if (!m_commits.count(commit)) continue;  // a ref to a tree or blob, or a missing object
    visit_from(commit, true);
  }
  if (options.include_unreachable) {
    std::vector<std::pair<std::int64_t, ObjectId>> rest;
    for (const auto& [id, info] : m_commits)
      if (!order.count(id)) rest.emplace_back(info.author_time, id);
    std::sort(rest.begin(), rest.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second.bytes < b.second.bytes;
    });
    for (const auto& [time, id] : rest) visit_from(id, false);
  }
  if (missing_parents > 0)
    add_problem(out, fmt::format("{} parent commit(s) are not in the repository (shallow or partial clone); "
                                 "history before them is not scanned",
                                 missing_parents));

  std::string prefix;
  std::vector<const std::vector<StoredEntry>*> parent_trees;
  for (std::uint32_t index = 0; index < out.commits.size(); ++index) {
    const CommitInfo& info = *out.commits[index].info;
    if (!m_trees_seen.count(info.tree) && !m_interesting.empty())
      add_problem(out, fmt::format("tree {} of commit {} is missing", info.tree.hex(), out.commits[index].id.hex()));
    parent_trees.clear();
    bool same_as_parent = false;
    for (const auto& parent : info.parents) {
      auto it = m_commits.find(parent);
      if (it == m_commits.end()) continue;
      if (it->second.tree == info.tree) same_as_parent = true;
      parent_trees.push_back(tree(it->second.tree));
    }
    if (same_as_parent) continue;
    prefix.clear();
    if (parent_trees.empty())
      collect_all(info.tree, prefix, nullptr, index, &out, 0);
    else
      collect_introduced(info.tree, parent_trees, prefix, index, out);
  }
  if (options.head) {
    auto it = m_commits.find(*options.head);
    if (it != m_commits.end()) {
      prefix.clear();
      collect_all(it->second.tree, prefix, &out.blobs_at_head, 0, nullptr, 0);
    }
  }
  return out;
}

}  // namespace sprawl::git
