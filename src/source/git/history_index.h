// HistoryIndex: what the object walk learns about history — every commit and annotated tag in
// the object database, and (in a second walk) the trees reduced to what matters for the blobs
// that had findings — and the analysis that answers, for each such blob, which commit first
// introduced it at which path.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "src/source/git/git_object_parser.h"
#include "src/source/git/object_id.h"
#include "src/source/git/object_id_table.h"
#include "src/source/git/repository.h"

namespace sprawl::git {

using ObjectIdSet = std::unordered_set<ObjectId, BlobIdHash>;

/// A blob entering history: commit `commit` (an index into HistoryAnalysis::commits) has the
/// blob at `path` and no parent had it there.
struct Introduction {
  std::uint32_t commit = 0;
  std::string path;
};

struct AnalysedCommit {
  ObjectId id;
  const CommitInfo* info = nullptr;
  bool reachable = true;  ///< from a ref (or, with a branch filter, from that branch)
};

struct HistoryAnalysis {
  std::vector<AnalysedCommit> commits;  ///< topological: parents before children, reachable first
  std::unordered_map<ObjectId, std::vector<Introduction>, BlobIdHash> introductions;  ///< by commit order
  ObjectIdSet blobs_at_head;            ///< interesting blobs in HEAD's tree
  std::vector<std::string> problems;    ///< missing commits/trees, one line each
};

struct AnalysisOptions {
  std::vector<ObjectId> tips;   ///< commits (or tags) history starts from
  std::optional<ObjectId> head;
  bool include_unreachable = true;  ///< also attribute blobs to commits no tip reaches
};

class HistoryIndex {
 public:
  // First walk, from any thread.
  void add_commit(const ObjectId& id, std::string_view content);
  void add_tag(const ObjectId& id, std::string_view content);

  /// Between the walks: the blobs whose introductions are wanted, and (when given) every blob
  /// the object database holds, so that trees naming others reveal missing objects.
  void set_blobs(const ObjectIdSet& interesting, const std::vector<std::vector<ObjectId>>& known = {});
  /// Blobs trees name that the object database does not hold (after the second walk).
  ObjectIdSet missing_blobs() const;
  bool is_interesting(const ObjectId& blob) const { return m_blobs.get(blob) == 2; }

  // Second walk, from any thread: keeps a tree's subtrees, interesting blobs and missing blobs.
  void add_tree(const ObjectId& id, std::string_view content);

  std::size_t commit_count() const { return m_commits.size(); }
  /// A tag's target, following tag chains; the id itself if it is not a known tag.
  ObjectId peel(const ObjectId& id) const;

  HistoryAnalysis analyse(const AnalysisOptions& options) const;

 private:
  struct StoredEntry {
    std::uint32_t name_offset, name_length;  ///< in the shard's `names`
    bool is_tree;
    ObjectId id;
  };
  /// A kept tree: its entries and where their names live.
  struct TreeView {
    const std::vector<StoredEntry>* entries;
    const std::string* names;
    std::string_view name(const StoredEntry& e) const { return std::string_view(*names).substr(e.name_offset, e.name_length); }
  };
  /// Trees are spread over shards by id, each with its own lock, so that workers rarely wait.
  struct TreeShard {
    std::mutex mutex;
    std::unordered_map<ObjectId, std::vector<StoredEntry>, BlobIdHash> trees;
    std::string names;
    ObjectIdSet seen, missing;
  };
  static constexpr std::size_t kShards = 16;
  static std::size_t shard_of(const ObjectId& id) { return id.bytes[19] % kShards; }

  TreeView tree(const ObjectId& id) const;
  bool tree_seen(const ObjectId& id) const;
  void collect_introduced(const ObjectId& tree_id, const std::vector<TreeView>& parents, std::string& prefix,
                          std::uint32_t commit, HistoryAnalysis& out) const;
  void collect_all(const ObjectId& tree_id, std::string& prefix, ObjectIdSet* blobs, std::uint32_t commit,
                   HistoryAnalysis* out, int depth) const;

  std::mutex m_mutex;  ///< guards commits and tags
  std::unordered_map<ObjectId, CommitInfo, BlobIdHash> m_commits;
  std::unordered_map<ObjectId, ObjectId, BlobIdHash> m_tags;
  std::array<TreeShard, kShards> m_shards;
  std::size_t m_interesting_count = 0;
  ObjectIdTable m_blobs;  ///< 1: known, 2: interesting
  bool m_check_missing = false;
};

}  // namespace sprawl::git
