// What a change adds (see change_scanner.h). Added line numbers come from libgit2's line diff of
// the two versions (git_patch_from_buffers: no repository needed).
#include "src/pipeline/change_scanner.h"

#include <git2.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>
#include <unordered_set>

#include <fmt/format.h>

namespace sprawl {
namespace {

// Added lines of `content` over `old_content`; false when the diff has no line information
// (binary files).
bool added_line_numbers(std::string_view old_content, std::string_view content, const std::string& path,
                        std::set<std::uint32_t>& lines) {
  git_diff_options options = GIT_DIFF_OPTIONS_INIT;
  options.context_lines = 0;
  git_patch* patch = nullptr;
  if (git_patch_from_buffers(&patch, old_content.data(), old_content.size(), path.c_str(), content.data(),
                             content.size(), path.c_str(), &options) != 0)
    return false;
  const bool binary = git_patch_get_delta(patch)->flags & GIT_DIFF_FLAG_BINARY;
  const std::size_t hunks = binary ? 0 : git_patch_num_hunks(patch);
  for (std::size_t h = 0; h < hunks; ++h) {
    const int count = git_patch_num_lines_in_hunk(patch, h);
    for (int l = 0; l < count; ++l) {
      const git_diff_line* line = nullptr;
      if (git_patch_get_line_in_hunk(&line, patch, h, static_cast<std::size_t>(l)) == 0 &&
          line->origin == GIT_DIFF_LINE_ADDITION && line->new_lineno > 0)
        lines.insert(static_cast<std::uint32_t>(line->new_lineno));
    }
  }
  git_patch_free(patch);
  return !binary;
}

}  // namespace

void ChangeScanner::report(InputDiagnostic d) { record_diagnostic(m_callbacks, m_outcome, std::move(d)); }

void ChangeScanner::scan(const ChangedFile& file, std::string_view content, std::optional<std::string_view> old_content,
                         const CommitMeta* commit, std::uint64_t order, std::vector<GitSighting>& out) {
  if (content.size() > m_config.max_file_size) {
    report({fmt::format("{}: {}", m_input, file.path),
            fmt::format("larger than --max-file-size ({} > {} bytes), not scanned", content.size(),
                        m_config.max_file_size),
            false});
    return;
  }
  ++m_outcome.summary.files_scanned;
  m_outcome.summary.bytes_scanned += content.size();
  if (content.empty()) return;
  BlobScan scan = m_scanner.scan(content);
  m_outcome.summary.dropped += scan.drops;
  for (const auto& problem : scan.problems) {
    InputDiagnostic d = problem_diagnostic(file.path, problem);  // the member names derive from the path alone
    d.path = fmt::format("{}: {}", m_input, d.path);
    report(std::move(d));
  }
  if (scan.matches.empty()) return;
  scan.blob_id = file.id.hex();

  Provenance where{file.path, file.path, GitProvenance{}};
  where.git->repository = m_input;
  where.git->location = commit ? GitLocation::commit : GitLocation::staged;
  if (commit) {
    where.git->commit = commit->id;
    where.git->author_name = commit->author_name;
    where.git->author_email = commit->author_email;
    where.git->author_date = commit->author_date;
    where.git->summary = commit->summary;
  }
  std::vector<Finding> found;
  DropCounts drops;
  m_scanner.findings_for(scan, where, found, drops);
  m_outcome.summary.dropped += drops;
  if (found.empty()) return;

  // What the previous version already held is not new.
  std::set<std::uint32_t> added_lines;
  std::unordered_set<std::string> old_secrets;
  bool line_filter = false;
  auto remember_secrets_of = [&](std::string_view previous) {
    if (previous.size() > m_config.max_file_size) return;
    BlobScan old_scan = m_scanner.scan(previous);
    std::vector<Finding> old_found;
    DropCounts ignored;
    m_scanner.findings_for(old_scan, where, old_found, ignored);
    for (const auto& f : old_found) old_secrets.insert(f.fingerprint);
  };
  if (old_content) {
    remember_secrets_of(*old_content);
    line_filter = added_line_numbers(*old_content, content, file.path, added_lines);
  } else if (file.removed && m_store) {  // a file moved or split: what the removed files held is not new
    std::string previous;
    for (const auto& removed_id : *file.removed) {
      auto type = m_store->read(removed_id, previous);
      if (type && *type == git::ObjectType::blob) remember_secrets_of(previous);
    }
  }
  for (auto& f : found) {
    if (old_secrets.count(f.fingerprint)) continue;
    if (line_filter) {
      auto it = added_lines.lower_bound(f.start.line);
      if (it == added_lines.end() || *it > f.end.line) continue;
    }
    out.push_back({std::move(f), order});
  }
}

void scan_changed_files(const std::vector<ChangedFile>& files, const std::vector<CommitMeta>& metas,
                        const git::ObjectStore& store, const std::string& input, const ScanConfig& config,
                        const ScanEngine& engine, const ScanCallbacks& callbacks, ScanOutcome& outcome,
                        std::vector<GitSighting>& sightings) {
  struct WorkerResult {
    ScanOutcome outcome;
    std::vector<GitSighting> sightings;
  };
  const unsigned threads = std::max(
      1u, std::min<unsigned>(config.threads ? config.threads : std::thread::hardware_concurrency(),
                             static_cast<unsigned>(files.size())));
  std::vector<WorkerResult> results(threads);
  std::atomic<std::size_t> next{0};
  auto work = [&](WorkerResult& result) {
    auto matcher = Matcher::create(engine.database());
    if (!matcher) {
      result.outcome.errors.push_back({"sprawl", matcher.error().message});
      return;
    }
    BlobScanner blob_scanner(engine, std::move(matcher.value()), config.binary_findings_cap, true,
                             content_options(config));
    ChangeScanner scanner(input, config, callbacks, result.outcome, blob_scanner, &store);
    std::string content, old_content;
    for (std::size_t i = next++; i < files.size(); i = next++) {
      const ChangedFile& file = files[i];
      auto type = store.read(file.id, content);
      if (!type || *type != git::ObjectType::blob) {
        scanner.report({fmt::format("{}: {}", input, file.path),
                        type ? "not a blob" : "cannot read blob: " + type.error().message});
        continue;
      }
      std::optional<std::string_view> old;
      if (file.old_id) {
        auto old_type = store.read(*file.old_id, old_content);
        if (old_type && *old_type == git::ObjectType::blob) old = old_content;
      }
      const CommitMeta* commit = file.commit < metas.size() ? &metas[file.commit] : nullptr;
      scanner.scan(file, content, old, commit, file.commit < metas.size() ? file.commit : 0, result.sightings);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, std::ref(results[t]));
  work(results[0]);
  for (auto& thread : pool) thread.join();
  for (auto& r : results) {
    for (auto& d : r.outcome.errors) outcome.errors.push_back(std::move(d));
    for (auto& d : r.outcome.skipped) outcome.skipped.push_back(std::move(d));
    for (auto& s : r.sightings) sightings.push_back(std::move(s));
    outcome.summary.files_scanned += r.outcome.summary.files_scanned;
    outcome.summary.bytes_scanned += r.outcome.summary.bytes_scanned;
    outcome.summary.dropped += r.outcome.summary.dropped;
  }
}

}  // namespace sprawl
