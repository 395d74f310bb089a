// The scan pipeline wired in one place: a source thread walks the inputs into a bounded queue,
// N workers read, identify (git blob id), dedupe, scan and check each blob, and the findings
// are gathered, sorted and handed back for reporting.
#include "src/pipeline/scan_pipeline.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <iterator>
#include <memory>
#include <mutex>
#include <numeric>
#include <span>
#include <string_view>
#include <thread>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "sprawl/blob.h"
#include "src/pipeline/blob_scanner.h"
#include "src/pipeline/bounded_queue.h"
#include "src/pipeline/git_history_scan.h"
#include "src/pipeline/image_scan.h"
#include "src/pipeline/progress_ticker.h"
#include "src/pipeline/scan_cache.h"
#include "src/source/file_reader.h"
#include "src/source/git/repository.h"

namespace sprawl {
namespace {

using Clock = std::chrono::steady_clock;

/// State every worker writes to; guarded by its mutexes, progress counters are atomics.
class ScanState : public WalkSink {
 public:
  ScanState(const ScanCallbacks& callbacks, std::size_t queue_depth) : queue(queue_depth), m_callbacks(callbacks) {}

  void file(InputFile file) override { queue.push(std::move(file)); }

  void diagnostic(InputDiagnostic diagnostic) override {
    if (m_callbacks.diagnostic) m_callbacks.diagnostic(diagnostic);
    std::lock_guard lock(m_mutex);
    keep_diagnostic(outcome, std::move(diagnostic));
  }

  void add(std::vector<Finding>& findings, const DropCounts& drops, std::uint64_t bytes, bool duplicate,
           const DropCounts& blob_drops) {
    files.fetch_add(1, std::memory_order_relaxed);
    found.fetch_add(findings.size(), std::memory_order_relaxed);
    std::lock_guard lock(m_mutex);
    ++outcome.summary.files_scanned;
    if (duplicate) {
      ++outcome.summary.duplicate_blobs;
    } else {  // a blob's own drops count once, however many copies there are
      outcome.summary.bytes_scanned += bytes;
      outcome.summary.dropped += blob_drops;
    }
    outcome.summary.dropped += drops;
    for (auto& f : findings) outcome.findings.push_back(std::move(f));
  }

  void add_empty() {
    std::lock_guard lock(m_mutex);
    ++outcome.summary.empty_files;
  }

  BoundedQueue<InputFile> queue;
  ScanCache cache;
  std::atomic<std::uint64_t> files{0}, bytes{0}, found{0};
  ScanOutcome outcome;

 private:
  const ScanCallbacks& m_callbacks;
  std::mutex m_mutex;
};

void scan_worker(const ScanConfig& config, const ScanEngine& engine, ScanState& state, Matcher matcher) {
  BlobScanner scanner(engine, std::move(matcher), config.binary_findings_cap, true, content_options(config));
  std::string buffer;
  std::vector<Finding> findings;
  while (auto file = state.queue.pop()) {
    const ReadOutcome read =
        file->is_stdin ? read_stdin(config.max_file_size, buffer) : read_file(file->path, config.max_file_size, buffer);
    if (read.status == ReadStatus::error) {
      state.diagnostic({file->display_path, fmt::format("cannot read: {}", read.message)});
      continue;
    }
    if (read.status == ReadStatus::too_large) {
      state.diagnostic(
          {file->display_path,
           fmt::format("larger than --max-file-size ({} > {} bytes), not scanned", read.size, config.max_file_size),
           false});
      continue;
    }
    if (buffer.empty()) {
      if (file->is_stdin)
        state.diagnostic({"-", "standard input is empty (0 bytes read)"});
      else
        state.add_empty();
      continue;
    }
    state.bytes.fetch_add(buffer.size(), std::memory_order_relaxed);
    const ScanCache::Entry cached = state.cache.scan(buffer, scanner);
    const BlobScan& scan = *cached.scan;
    if (cached.first)
      for (const auto& problem : scan.problems)  // inside archives: named with the member
        state.diagnostic(problem_diagnostic(file->display_path, problem));
    findings.clear();
    DropCounts drops;
    std::string relative = file->relative_path;
    if (!config.relative_base.empty() && relative.starts_with(config.relative_base + "/"))
      relative.erase(0, config.relative_base.size() + 1);
    scanner.findings_for(scan, Provenance{file->display_path, relative}, findings, drops);
    state.add(findings, drops, buffer.size(), !cached.first, scan.drops);
  }
}

}  // namespace

void keep_diagnostic(ScanOutcome& outcome, InputDiagnostic diagnostic) {
  (diagnostic.is_error ? outcome.errors : outcome.skipped).push_back(std::move(diagnostic));
}

void record_diagnostic(const ScanCallbacks& callbacks, ScanOutcome& outcome, InputDiagnostic diagnostic) {
  if (callbacks.diagnostic) callbacks.diagnostic(diagnostic);
  keep_diagnostic(outcome, std::move(diagnostic));
}

bool finding_order(const Finding& a, const Finding& b) {
  const std::string* repo_a = a.provenance.git ? &a.provenance.git->repository : nullptr;
  const std::string* repo_b = b.provenance.git ? &b.provenance.git->repository : nullptr;
  if ((repo_a != nullptr) != (repo_b != nullptr)) return repo_a == nullptr;
  if (repo_a && *repo_a != *repo_b) return *repo_a < *repo_b;
  if (a.provenance.path != b.provenance.path) return a.provenance.path < b.provenance.path;
  if (a.start.line != b.start.line) return a.start.line < b.start.line;
  if (a.start.column != b.start.column) return a.start.column < b.start.column;
  return a.rule->id < b.rule->id;
}

namespace {

/// Each of `values`' rank among its distinct values in string order (0 for the least).
std::vector<std::uint32_t> string_ranks(const std::vector<std::string_view>& values) {
  std::unordered_map<std::string_view, std::uint32_t> slot;  // value -> index into `distinct`
  std::vector<std::string_view> distinct;
  std::vector<std::uint32_t> slots;
  slots.reserve(values.size());
  for (const std::string_view value : values) {
    const auto [it, added] = slot.try_emplace(value, static_cast<std::uint32_t>(distinct.size()));
    if (added) distinct.push_back(value);
    slots.push_back(it->second);
  }
  std::vector<std::uint32_t> by_value(distinct.size());
  std::iota(by_value.begin(), by_value.end(), std::uint32_t{0});
  std::sort(by_value.begin(), by_value.end(),
            [&](std::uint32_t a, std::uint32_t b) { return distinct[a] < distinct[b]; });
  std::vector<std::uint32_t> rank_of_slot(distinct.size());
  for (std::uint32_t rank = 0; rank < by_value.size(); ++rank) rank_of_slot[by_value[rank]] = rank;
  for (std::uint32_t& s : slots) s = rank_of_slot[s];
  return slots;
}

}  // namespace

std::vector<std::size_t> finding_permutation(std::span<const Finding* const> findings) {
  // finding_order as integers: the repositories, paths and rule ids are ranked once (a few
  // thousand distinct ones), so the sort compares no string. Comparing the paths was most of
  // sorting 125k findings (0.4 s).
  std::vector<std::string_view> repositories, paths, rules;
  repositories.reserve(findings.size());
  paths.reserve(findings.size());
  rules.reserve(findings.size());
  for (const Finding* f : findings) {
    repositories.push_back(f->provenance.git ? std::string_view(f->provenance.git->repository) : std::string_view());
    paths.push_back(f->provenance.path);
    rules.push_back(f->rule ? std::string_view(f->rule->id) : std::string_view());
  }
  const std::vector<std::uint32_t> repository = string_ranks(repositories), path = string_ranks(paths),
                                   rule = string_ranks(rules);
  using Key = std::tuple<bool, std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t, std::size_t>;
  std::vector<Key> keys;
  keys.reserve(findings.size());
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = *findings[i];
    keys.emplace_back(f.provenance.git.has_value(), repository[i], path[i], f.start.line, f.start.column, rule[i], i);
  }
  std::sort(keys.begin(), keys.end());  // the index last: stable
  std::vector<std::size_t> order;
  order.reserve(keys.size());
  for (const Key& key : keys) order.push_back(std::get<6>(key));
  return order;
}

namespace {

std::vector<std::size_t> finding_permutation(const std::vector<Finding>& findings) {
  std::vector<const Finding*> pointers;
  pointers.reserve(findings.size());
  for (const Finding& f : findings) pointers.push_back(&f);
  return finding_permutation(pointers);
}

}  // namespace

void sort_findings(std::vector<Finding>& findings) {
  if (std::is_sorted(findings.begin(), findings.end(), finding_order)) return;
  const std::vector<std::size_t> order = finding_permutation(findings);
  std::vector<Finding> sorted;
  sorted.reserve(findings.size());
  for (std::size_t i : order) sorted.push_back(std::move(findings[i]));
  findings = std::move(sorted);
}

ScanOutcome run_scan(const ScanConfig& config, const ScanEngine& engine, const ScanCallbacks& callbacks) {
  const auto start = Clock::now();
  ScanConfig files = config;
  files.inputs.clear();
  std::vector<std::string> repositories;
  std::vector<std::pair<std::string, std::unique_ptr<image::ImageSource>>> images;
  std::vector<InputDiagnostic> unreadable;
  for (const auto& input : config.inputs) {
    const bool git = config.git_scope != GitScope::history ||
                     (config.git_history && input != "-" && git::Repository::is_repository(input));
    if (git) {
      repositories.push_back(input);
      continue;
    }
    auto image = input == "-" ? Result<std::unique_ptr<image::ImageSource>>(nullptr) : image::open_image(input);
    if (!image)
      unreadable.push_back({input, image.error().message});
    else if (*image)
      images.emplace_back(input, std::move(*image));
    else
      files.inputs.push_back(input);
  }
  ScanOutcome outcome;
  if (!files.inputs.empty()) outcome = scan_files(files, engine, callbacks);
  for (auto& d : unreadable) record_diagnostic(callbacks, outcome, std::move(d));
  for (const auto& [input, source] : images) scan_image(input, *source, config, engine, callbacks, outcome);
  for (const auto& repository : repositories) scan_git_repository(repository, config, engine, callbacks, outcome);
  sort_findings(outcome.findings);  // a pass of comparisons when only files were scanned (sorted already)
  // Suppressed findings (allow-lists, inline comments) are kept apart: counted, listed on request.
  auto active_end = std::stable_partition(outcome.findings.begin(), outcome.findings.end(),
                                          [](const Finding& f) { return f.suppressed.empty(); });
  std::move(active_end, outcome.findings.end(), std::back_inserter(outcome.suppressed));
  outcome.findings.erase(active_end, outcome.findings.end());
  outcome.summary.suppressed = outcome.suppressed.size();
  outcome.summary.errors = outcome.errors.size();
  outcome.summary.skipped = outcome.skipped.size();
  outcome.summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return outcome;
}

ScanOutcome scan_files(const ScanConfig& config, const ScanEngine& engine, const ScanCallbacks& callbacks) {
  const auto start = Clock::now();
  const unsigned threads = config.threads ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  ScanState state(callbacks, 1024);
  std::vector<std::thread> workers;
  for (unsigned i = 0; i < threads; ++i) {
    auto matcher = Matcher::create(engine.database());
    if (!matcher) {
      state.diagnostic({"sprawl", matcher.error().message});
      break;
    }
    workers.emplace_back(scan_worker, std::cref(config), std::cref(engine), std::ref(state),
                         std::move(matcher.value()));
  }
  if (workers.empty()) {  // nothing could scan: say so instead of waiting on a full queue
    state.queue.close();
    state.outcome.summary.errors = state.outcome.errors.size();
    return std::move(state.outcome);
  }
  {
    std::unique_ptr<ProgressTicker> ticker;
    if (callbacks.progress)
      ticker = std::make_unique<ProgressTicker>(
          callbacks,
          [&state] {
            return ScanProgress{state.files.load(), state.bytes.load(), state.found.load(), 0.0};
          },
          std::chrono::milliseconds(config.progress_after_ms));
    walk_inputs(config.inputs, state);
    state.queue.close();
    for (auto& worker : workers) worker.join();
  }
  ScanOutcome outcome = std::move(state.outcome);
  sort_findings(outcome.findings);
  outcome.summary.errors = outcome.errors.size();
  outcome.summary.skipped = outcome.skipped.size();
  outcome.summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return outcome;
}

}  // namespace sprawl
