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

void HistoryIndex::set_blobs(const ObjectIdSet& interesting, const std::vector<std::vector<ObjectId>>& known) {
  std::size_t count = interesting.size();
  for (const auto& ids : known) count += ids.size();
  m_blobs = ObjectIdTable(count);
  for (const auto& ids : known)
    for (const auto& id : ids) m_blobs.set(id, 1);
  for (const auto& id : interesting) m_blobs.set(id, 2);
  m_interesting_count = interesting.size();
  m_check_missing = !known.empty();
}

ObjectIdSet HistoryIndex::missing_blobs() const {
  ObjectIdSet missing;
  for (const auto& shard : m_shards) missing.insert(shard.missing.begin(), shard.missing.end());
  return missing;
}

void HistoryIndex::add_tree(const ObjectId& id, std::string_view content) {
  std::vector<TreeEntry> kept;
  std::vector<ObjectId> missing;
  for_each_tree_entry(content, [&](const TreeEntry& e) {
    if (e.is_tree()) {
      kept.push_back(e);
    } else if (e.is_blob()) {
      const std::uint8_t state = m_blobs.get(e.id);
      if (state == 2) {
        kept.push_back(e);
      } else if (state == 0 && m_check_missing) {
        kept.push_back(e);  // kept too, so that the analysis can say where a missing blob was
        missing.push_back(e.id);
      }
    }
  });
  TreeShard& shard = m_shards[shard_of(id)];
  std::lock_guard lock(shard.mutex);
  shard.seen.insert(id);
  shard.missing.insert(missing.begin(), missing.end());
  if (kept.empty()) return;
  std::vector<StoredEntry> entries;
  entries.reserve(kept.size());
  for (const auto& k : kept) {
    entries.push_back({static_cast<std::uint32_t>(shard.names.size()), static_cast<std::uint32_t>(k.name.size()),
                       k.is_tree(), k.id});
    shard.names.append(k.name);
  }
  shard.trees.emplace(id, std::move(entries));
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

HistoryIndex::TreeView HistoryIndex::tree(const ObjectId& id) const {
  static const std::vector<StoredEntry> kEmpty;
  const TreeShard& shard = m_shards[shard_of(id)];
  auto it = shard.trees.find(id);
  return {it == shard.trees.end() ? &kEmpty : &it->second, &shard.names};
}

bool HistoryIndex::tree_seen(const ObjectId& id) const { return m_shards[shard_of(id)].seen.count(id) > 0; }

void HistoryIndex::collect_all(const ObjectId& tree_id, std::string& prefix, ObjectIdSet* blobs, std::uint32_t commit,
                               HistoryAnalysis* out, int depth) const {
  if (depth > kMaxTreeDepth) return;
  const TreeView view = tree(tree_id);
  for (const auto& e : *view.entries) {
    const std::size_t size = prefix.size();
    prefix += view.name(e);
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

void HistoryIndex::collect_introduced(const ObjectId& tree_id, const std::vector<TreeView>& parents,
                                      std::string& prefix, std::uint32_t commit, HistoryAnalysis& out) const {
  if (prefix.size() > 64 * 1024) return;  // a path this long means a malformed, cyclic tree
  const TreeView view = tree(tree_id);
  std::vector<TreeView> sub_parents(parents.size());
  for (const auto& e : *view.entries) {
    const std::string_view name = view.name(e);
    bool in_a_parent = false;
    for (std::size_t p = 0; p < parents.size(); ++p) {
      const StoredEntry* match = nullptr;
      for (const auto& pe : *parents[p].entries) {
        if (parents[p].name(pe) == name) {
          match = &pe;
          break;
        }
      }
      if (match && match->is_tree == e.is_tree && match->id == e.id) in_a_parent = true;
      sub_parents[p] = tree(match && match->is_tree ? match->id : ObjectId{});
    }
    if (in_a_parent) continue;  // the same blob or subtree is in a parent: nothing new below
    const std::size_t size = prefix.size();
    prefix += name;
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
  std::vector<TreeView> parent_trees;
  for (std::uint32_t index = 0; index < out.commits.size(); ++index) {
    const CommitInfo& info = *out.commits[index].info;
    if (!tree_seen(info.tree) && m_interesting_count > 0)
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
