// ChangeScanner: scans the new version of a file that a change (the index, or a commit of a
// range) introduced, and keeps only findings the change adds: on lines it adds, and not held by
// the version it replaces (or, for a new file, by a file the same change removed). Shared by
// --staged, --since and --range.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sprawl/scan_config.h"
#include "src/pipeline/blob_scanner.h"
#include "src/pipeline/git_findings.h"
#include "src/pipeline/scan_pipeline.h"
#include "src/source/git/object_id.h"
#include "src/source/git/object_store.h"

namespace sprawl {

/// The commit a range change belongs to, as reports show it.
struct CommitMeta {
  std::string id, author_name, author_email, author_date, summary;
};

/// A file version a change introduced, with the version it replaced (if any).
struct ChangedFile {
  std::string path;
  git::ObjectId id;
  std::optional<git::ObjectId> old_id;
  std::size_t commit = SIZE_MAX;  ///< index into the range's commits; SIZE_MAX for --staged
  /// Blobs the same change removed: a secret that moved from one of them is not new.
  std::shared_ptr<const std::vector<git::ObjectId>> removed;
};

class ChangeScanner {
 public:
  /// `store` (optional) reads removed blobs for files without a previous version.
  ChangeScanner(const std::string& input, const ScanConfig& config, const ScanCallbacks& callbacks,
                ScanOutcome& outcome, BlobScanner& scanner, const git::ObjectStore* store)
      : m_input(input), m_config(config), m_callbacks(callbacks), m_outcome(outcome), m_scanner(scanner),
        m_store(store) {}

  void report(InputDiagnostic d);

  /// Scans `content`, the new version of `file`, appending the findings the change adds.
  /// `commit` null: a staged change.
  void scan(const ChangedFile& file, std::string_view content, std::optional<std::string_view> old_content,
            const CommitMeta* commit, std::uint64_t order, std::vector<GitSighting>& out);

 private:
  const std::string& m_input;
  const ScanConfig& m_config;
  const ScanCallbacks& m_callbacks;
  ScanOutcome& m_outcome;
  BlobScanner& m_scanner;
  const git::ObjectStore* m_store;
};

/// Scans `files` on all cores, reading blobs through `store`; merges into outcome/sightings.
void scan_changed_files(const std::vector<ChangedFile>& files, const std::vector<CommitMeta>& metas,
                        const git::ObjectStore& store, const std::string& input, const ScanConfig& config,
                        const ScanEngine& engine, const ScanCallbacks& callbacks, ScanOutcome& outcome,
                        std::vector<GitSighting>& sightings);

}  // namespace sprawl
