// HistoryWalk: the object visitor of a full-history scan. On every worker it scans each blob
// the walk hands over (rebuilt deltas rescan only what changed), indexes commits and tags for
// the history analysis, keeps trees (second walk) reduced to what matters, and remembers every
// blob it saw so that missing ones can be named.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sprawl/scan_config.h"
#include "src/pipeline/blob_scanner.h"
#include "src/pipeline/scan_pipeline.h"
#include "src/source/git/history_index.h"
#include "src/source/git/object_store.h"

namespace sprawl {

/// Blobs that need their paths found although they have no findings: reported as skipped.
enum class BlobNote { lfs_pointer, too_large };

class HistoryWalk : public git::ObjectVisitor {
 public:
  HistoryWalk(const ScanConfig& config, const std::string& repository, const ScanCallbacks& callbacks,
              ScanOutcome& outcome, git::HistoryIndex& history)
      : m_config(config), m_repository(repository), m_callbacks(callbacks), m_outcome(outcome), m_history(history) {}

  std::vector<BlobScanner> scanners;
  std::unordered_map<git::ObjectId, BlobScan, BlobIdHash> scans;  ///< blobs with matches or problems
  std::unordered_map<git::ObjectId, std::pair<BlobNote, std::uint64_t>, BlobIdHash> notes;
  std::atomic<std::uint64_t> blobs{0}, bytes{0}, empty{0}, matched{0};  ///< matched: blobs with matches
  std::vector<std::vector<git::ObjectId>> seen_blobs;  ///< per worker: every blob visited
  std::vector<DropCounts> drops;                       ///< per worker: matches the checks dropped
  bool trees_pass = false;

  git::WalkNote visit(unsigned worker, const git::WalkedObject& object, const git::WalkNote& base_note) override {
    switch (object.type) {
      case git::ObjectType::commit:
        m_history.add_commit(object.id, object.content);
        return nullptr;
      case git::ObjectType::tag:
        m_history.add_tag(object.id, object.content);
        return nullptr;
      case git::ObjectType::tree:
        if (trees_pass) m_history.add_tree(object.id, object.content);
        return nullptr;
      case git::ObjectType::blob:
        return visit_blob(worker, object, base_note);
      case git::ObjectType::none:
        break;
    }
    return nullptr;
  }

  void problem(const std::string& where, const std::string& message) override {
    {
      std::lock_guard lock(m_mutex);
      problem_sources.push_back(where);
    }
    diagnostic({fmt::format("{}: {}", m_repository, where), message, true});
  }

  std::vector<std::string> problem_sources;  ///< the files (or pack offsets) problems named

  void diagnostic(InputDiagnostic d) {
    if (m_callbacks.diagnostic) m_callbacks.diagnostic(d);
    std::lock_guard lock(m_mutex);
    keep_diagnostic(m_outcome, std::move(d));
  }

 private:
  git::WalkNote visit_blob(unsigned worker, const git::WalkedObject& object, const git::WalkNote& base_note) {
    seen_blobs[worker].push_back(object.id);
    if (object.too_large || object.size > m_config.max_file_size) {
      std::lock_guard lock(m_mutex);
      notes.emplace(object.id, std::make_pair(BlobNote::too_large, object.size));
      return nullptr;
    }
    blobs.fetch_add(1, std::memory_order_relaxed);
    if (object.content.empty()) {
      empty.fetch_add(1, std::memory_order_relaxed);
      return nullptr;
    }
    bytes.fetch_add(object.content.size(), std::memory_order_relaxed);
    static constexpr std::string_view kLfsPointer = "version https://git-lfs.github.com/spec/v1";
    if (object.content.substr(0, kLfsPointer.size()) == kLfsPointer) {
      std::lock_guard lock(m_mutex);
      notes.emplace(object.id, std::make_pair(BlobNote::lfs_pointer, object.size));
      return nullptr;
    }
    auto base = std::static_pointer_cast<const DeltaBase>(base_note);
    DeltaSource delta{base.get(), object.copies};
    auto as_base = std::make_shared<DeltaBase>();
    const bool reuse = m_config.git_delta_reuse && base && object.copies;
    BlobScan scan = scanners[worker].scan(object.content, reuse ? &delta : nullptr, as_base.get());
    drops[worker] += scan.drops;
    if (!scan.matches.empty() || !scan.problems.empty()) {  // problems: reported with the blob's path
      if (!scan.matches.empty()) matched.fetch_add(1, std::memory_order_relaxed);
      std::lock_guard lock(m_mutex);
      scan.blob_id = object.id.hex();
      scans.emplace(object.id, std::move(scan));
    }
    if (!as_base->utf8) return nullptr;
    return as_base;
  }

  const ScanConfig& m_config;
  const std::string& m_repository;
  const ScanCallbacks& m_callbacks;
  ScanOutcome& m_outcome;
  git::HistoryIndex& m_history;
  std::mutex m_mutex;
};

}  // namespace sprawl
