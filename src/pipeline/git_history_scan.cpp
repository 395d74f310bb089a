// Full-history scan of one repository, in four steps:
//  1. walk every blob, commit and tag of the object database once, on all cores, scanning each
//     blob (blobs rebuilt from deltas reuse their base's matches) and indexing commits;
//  2. if any blob had findings, walk the trees, keeping only what leads to those blobs;
//  3. order the commits and find where each of those blobs entered history, and which are
//     still in HEAD;
//  4. add the index and the work tree, and report each secret once per path, where it entered.
#include "src/pipeline/git_history_scan.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "src/pipeline/blob_scanner.h"
#include "src/pipeline/git_findings.h"
#include "src/pipeline/progress_ticker.h"
#include "src/source/git/history_index.h"
#include "src/source/git/object_store.h"
#include "src/source/git/repository.h"

namespace sprawl {
namespace {

using git::ObjectId;
using git::ObjectType;

constexpr std::string_view kLfsPointer = "version https://git-lfs.github.com/spec/v1";

/// Blobs that need their paths found although they have no findings: reported as skipped.
enum class BlobNote { lfs_pointer, too_large };

class HistoryWalk : public git::ObjectVisitor {
 public:
  HistoryWalk(const ScanConfig& config, const std::string& repository, const ScanCallbacks& callbacks,
              ScanOutcome& outcome, git::HistoryIndex& history)
      : m_config(config), m_repository(repository), m_callbacks(callbacks), m_outcome(outcome), m_history(history) {}

  std::vector<BlobScanner> scanners;
  std::unordered_map<ObjectId, BlobScan, BlobIdHash> scans;  ///< blobs with matches
  std::unordered_map<ObjectId, std::pair<BlobNote, std::uint64_t>, BlobIdHash> notes;
  std::atomic<std::uint64_t> blobs{0}, bytes{0}, empty{0}, matched{0};  ///< matched: blobs with matches
  std::vector<std::vector<ObjectId>> seen_blobs;  ///< per worker: every blob visited
  bool trees_pass = false;

  git::WalkNote visit(unsigned worker, const git::WalkedObject& object, const git::WalkNote& base_note) override {
    switch (object.type) {
      case ObjectType::commit:
        m_history.add_commit(object.id, object.content);
        return nullptr;
      case ObjectType::tag:
        m_history.add_tag(object.id, object.content);
        return nullptr;
      case ObjectType::tree:
        if (trees_pass) m_history.add_tree(object.id, object.content);
        return nullptr;
      case ObjectType::blob:
        return visit_blob(worker, object, base_note);
      case ObjectType::none:
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
    (d.is_error ? m_outcome.errors : m_outcome.skipped).push_back(std::move(d));
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
    if (!scan.matches.empty()) {
      matched.fetch_add(1, std::memory_order_relaxed);
      std::lock_guard lock(m_mutex);
      scan.blob_id = object.id.hex();
      scans.emplace(object.id, std::move(scan));
    } else {
      std::lock_guard lock(m_mutex);
      m_outcome.summary.dropped += scan.drops;
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

std::uint64_t order_of(GitLocation location, std::uint64_t index) {
  return (static_cast<std::uint64_t>(location) << 40) | index;
}

Provenance git_provenance(const std::string& repository, const std::string& path, GitLocation location) {
  Provenance p{path, path, GitProvenance{}};
  p.git->repository = repository;
  p.git->location = location;
  return p;
}

// Blobs that trees name but the object database lacks: expected in a partial clone (a promisor
// pack), damage otherwise. Either way they were not scanned, and the user is told.
template <class Report>
void report_missing_blobs(const std::string& input, const std::string& objects_dir, const git::ObjectIdSet& missing,
                          Report&& report) {
  if (missing.empty()) return;
  std::vector<std::string> ids;
  for (const auto& id : missing) ids.push_back(id.hex());
  std::sort(ids.begin(), ids.end());
  std::string sample;
  for (std::size_t i = 0; i < ids.size() && i < 5; ++i) sample += (i ? ", " : "") + ids[i];
  if (ids.size() > 5) sample += ", …";
  bool promisor = false;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(objects_dir + "/pack", ignored))
    promisor = promisor || entry.path().extension() == ".promisor";
  if (promisor)
    report({input, fmt::format("{} blob(s) are not in this partial clone and were not scanned ({})", ids.size(), sample),
            false});
  else
    report({input, fmt::format("{} blob(s) named by trees are missing from the object database and were not "
                               "scanned ({})", ids.size(), sample)});
}

// True if some file a problem named is gone now: a concurrent `git gc`, `repack` or `prune`
// moved objects while the walk read them.
bool objects_moved(const std::vector<std::string>& sources) {
  struct stat info {};
  return std::any_of(sources.begin(), sources.end(), [&](const std::string& where) {
    return where.find("/objects/") != std::string::npos && ::stat(where.c_str(), &info) != 0;
  });
}

// One pass over the repository; false if objects moved under it (the result is then incomplete).
bool scan_git_history_once(const std::string& input, const ScanConfig& config, const ScanEngine& engine,
                           const ScanCallbacks& callbacks, ScanOutcome& outcome) {
  auto report = [&](InputDiagnostic d) {
    if (callbacks.diagnostic) callbacks.diagnostic(d);
    (d.is_error ? outcome.errors : outcome.skipped).push_back(std::move(d));
  };
  auto repository = git::Repository::open(input);
  if (!repository) {
    report({input, repository.error().message});
    return true;
  }
  auto store = git::ObjectStore::open((*repository)->objects_dir());
  if (!store) {
    report({input, store.error().message});
    return true;
  }
  for (const auto& problem : (*store)->problems()) report({input, problem});

  const unsigned threads = config.threads ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  git::HistoryIndex history;
  HistoryWalk walk(config, input, callbacks, outcome, history);
  for (unsigned i = 0; i < threads; ++i) {
    auto matcher = Matcher::create(engine.database());
    if (!matcher) {
    report({"sprawl", matcher.error().message});
    return true;
  }
    walk.scanners.emplace_back(engine, std::move(matcher.value()), config.binary_findings_cap);
  }
  walk.seen_blobs.resize(threads);

  git::WalkOptions options;
  options.threads = threads;
  options.max_object_size = config.max_file_size;
  options.types = (1u << static_cast<unsigned>(ObjectType::blob)) | (1u << static_cast<unsigned>(ObjectType::commit)) |
                  (1u << static_cast<unsigned>(ObjectType::tag));
  {
    std::unique_ptr<ProgressTicker> ticker;
    if (callbacks.progress)
      ticker = std::make_unique<ProgressTicker>(
          callbacks,
          [&walk] {
            return ScanProgress{walk.blobs.load(), walk.bytes.load(), walk.matched.load(), 0.0};
          },
          std::chrono::milliseconds(config.progress_after_ms));
    (*store)->walk(options, walk);
  }

  // Pass 2: trees, reduced to what leads to interesting blobs; they also name missing blobs.
  git::ObjectIdSet interesting, known;
  for (const auto& [id, scan] : walk.scans) interesting.insert(id);
  for (const auto& [id, note] : walk.notes) interesting.insert(id);
  for (auto& ids : walk.seen_blobs) {
    known.insert(ids.begin(), ids.end());
    std::vector<ObjectId>().swap(ids);
  }
  known.insert(ObjectId{});  // never a real blob; keeps the set non-empty so missing blobs are checked
  history.set_interesting_blobs(std::move(interesting));
  history.set_known_blobs(std::move(known));
  walk.trees_pass = true;
  options.types = 1u << static_cast<unsigned>(ObjectType::tree);
  options.max_object_size = std::max<std::uint64_t>(options.max_object_size, 256ull << 20);
  (*store)->walk(options, walk);
  if (objects_moved(walk.problem_sources)) return false;
  report_missing_blobs(input, (*repository)->objects_dir(), history.missing_blobs(), report);

  // Where history starts: every ref, or one branch.
  git::AnalysisOptions analysis_options;
  analysis_options.head = (*repository)->head_commit();
  analysis_options.include_unreachable = config.git_unreachable && config.git_branch.empty();
  if (!config.git_branch.empty()) {
    auto tip = (*repository)->resolve_commit(config.git_branch);
    if (!tip) {
    report({input, tip.error().message});
    return true;
  }
    analysis_options.tips.push_back(*tip);
  } else {
    std::vector<std::string> problems;
    for (const auto& ref : (*repository)->refs(problems)) analysis_options.tips.push_back(ref.target);
    for (auto& problem : problems) report({input, problem});
  }
  const git::HistoryAnalysis analysis = history.analyse(analysis_options);
  for (const auto& problem : analysis.problems) report({input, problem, false});

  // The index: staged blobs and submodules.
  std::vector<std::string> submodules;
  std::vector<git::IndexEntry> index;
  if (!(*repository)->workdir().empty()) {
    auto entries = (*repository)->index_entries(submodules);
    if (entries)
      index = std::move(*entries);
    else
      report({input, entries.error().message});
  }
  for (const auto& path : submodules)
    report({fmt::format("{}: {}", input, path), "submodule: not followed (scan its repository separately)", false});

  // Every place each interesting blob was seen.
  struct Place {
    std::string path;
    GitLocation location;
    std::uint32_t commit = 0;
  };
  std::unordered_map<ObjectId, std::vector<Place>, BlobIdHash> places;
  const bool branch_only = !config.git_branch.empty();
  for (const auto& [id, intros] : analysis.introductions) {
    for (const auto& intro : intros) {
      if (!analysis.commits[intro.commit].reachable && !config.git_unreachable) continue;
      places[id].push_back({intro.path, GitLocation::commit, intro.commit});
    }
  }
  if (!branch_only) {
    for (const auto& entry : index) {
      if (!history.interesting_blobs().count(entry.id)) continue;
      auto& seen = places[entry.id];
      const bool committed_here = std::any_of(seen.begin(), seen.end(), [&](const Place& p) {
        return p.location == GitLocation::commit && p.path == entry.path && analysis.commits[p.commit].reachable;
      });
      if (!committed_here) seen.push_back({entry.path, GitLocation::staged, 0});
    }
  }

  // Skipped blobs, by path.
  for (const auto& [id, note] : walk.notes) {
    auto it = places.find(id);
    const std::string where = it != places.end() && !it->second.empty()
                                  ? fmt::format("{}: {}", input, it->second.front().path)
                                  : fmt::format("{}: blob {}", input, id.hex());
    if (note.first == BlobNote::lfs_pointer)
      report({where, "Git LFS pointer: the object it names is not fetched or scanned", false});
    else if (it != places.end() || (config.git_unreachable && !branch_only))
      report({where,
              fmt::format("larger than --max-file-size ({} > {} bytes), not scanned", note.second, config.max_file_size),
              false});
  }

  std::vector<GitSighting> sightings;
  std::unordered_set<std::string> head_fingerprints;
  const BlobScanner& scanner = walk.scanners.front();
  std::vector<Finding> found;
  DropCounts drops;
  for (const auto& [id, scan] : walk.scans) {
    auto it = places.find(id);
    std::vector<Place> where = it != places.end() ? it->second : std::vector<Place>{};
    if (where.empty()) {
      if (!config.git_unreachable || branch_only) continue;
      where.push_back({"", GitLocation::unreachable, 0});
    }
    const bool at_head = analysis.blobs_at_head.count(id) > 0;
    for (const auto& place : where) {
      Provenance provenance = git_provenance(input, place.path, place.location);
      std::uint64_t order = order_of(place.location, 0);
      if (place.location == GitLocation::commit) {
        const auto& commit = analysis.commits[place.commit];
        GitProvenance& g = *provenance.git;
        g.commit = commit.id.hex();
        g.author_name = commit.info->author_name;
        g.author_email = commit.info->author_email;
        g.author_date = git::format_git_time(commit.info->author_time, commit.info->author_tz_minutes);
        g.summary = commit.info->summary;
        g.reachable = commit.reachable;
        order = order_of(GitLocation::commit, (commit.reachable ? 0 : 1ull << 32) + place.commit);
      }
      found.clear();
      scanner.findings_for(scan, provenance, found, drops);
      for (auto& f : found) {
        if (at_head) head_fingerprints.insert(f.fingerprint);
        sightings.push_back({std::move(f), order});
      }
    }
  }
  outcome.summary.dropped += drops;

  // The work tree: uncommitted and untracked files, scanned as files.
  const std::string& workdir = (*repository)->workdir();
  if (config.git_worktree && !workdir.empty() && !branch_only) {
    auto changed = (*repository)->worktree_changes();
    if (!changed) {
      report({input, changed.error().message});
    } else if (!changed->empty()) {
      ScanConfig files = config;
      files.inputs.clear();
      for (const auto& f : *changed) files.inputs.push_back(workdir + "/" + f.path);
      ScanOutcome worktree = scan_files(files, engine, callbacks);
      for (auto& f : worktree.findings) {
        std::string relative = f.provenance.path.substr(std::min(f.provenance.path.size(), workdir.size() + 1));
        Provenance p = git_provenance(input, relative, GitLocation::worktree);
        f.provenance = std::move(p);
        sightings.push_back({std::move(f), order_of(GitLocation::worktree, 0)});
      }
      for (auto& d : worktree.errors) outcome.errors.push_back(std::move(d));
      for (auto& d : worktree.skipped) outcome.skipped.push_back(std::move(d));
      outcome.summary.files_scanned += worktree.summary.files_scanned;
      outcome.summary.bytes_scanned += worktree.summary.bytes_scanned;
      outcome.summary.dropped += worktree.summary.dropped;
    }
  }

  for (auto& s : sightings)
    if (head_fingerprints.count(s.finding.fingerprint)) s.finding.provenance.git->at_head = true;
  collapse_git_sightings(std::move(sightings), outcome.findings);
  outcome.summary.files_scanned += walk.blobs.load();
  outcome.summary.bytes_scanned += walk.bytes.load();
  outcome.summary.empty_files += walk.empty.load();
  return !objects_moved(walk.problem_sources);
}

}  // namespace

void scan_git_history(const std::string& input, const ScanConfig& config, const ScanEngine& engine,
                      const ScanCallbacks& callbacks, ScanOutcome& outcome) {
  // Diagnostics are held back until a pass is kept, so a retried pass prints nothing.
  ScanCallbacks quiet = callbacks;
  quiet.diagnostic = nullptr;
  ScanOutcome pass;
  for (int attempt = 0; attempt < 3; ++attempt) {
    pass = ScanOutcome{};
    if (scan_git_history_once(input, config, engine, quiet, pass)) break;
    if (attempt < 2) {
      if (callbacks.diagnostic)
        callbacks.diagnostic({input, "objects moved while they were read (a concurrent git gc or fetch?): scanning again",
                              false});
      continue;
    }
    pass.errors.push_back({input, "objects kept moving while they were read: the results above are incomplete"});
  }
  for (auto& d : pass.errors) {
    if (callbacks.diagnostic) callbacks.diagnostic(d);
    outcome.errors.push_back(std::move(d));
  }
  for (auto& d : pass.skipped) {
    if (callbacks.diagnostic) callbacks.diagnostic(d);
    outcome.skipped.push_back(std::move(d));
  }
  for (auto& f : pass.findings) outcome.findings.push_back(std::move(f));
  outcome.summary.files_scanned += pass.summary.files_scanned;
  outcome.summary.bytes_scanned += pass.summary.bytes_scanned;
  outcome.summary.empty_files += pass.summary.empty_files;
  outcome.summary.dropped += pass.summary.dropped;
}

void scan_git_repository(const std::string& input, const ScanConfig& config, const ScanEngine& engine,
                         const ScanCallbacks& callbacks, ScanOutcome& outcome) {
  if (config.git_scope == GitScope::history)
    scan_git_history(input, config, engine, callbacks, outcome);
  else
    scan_git_changes(input, config, engine, callbacks, outcome);
}

}  // namespace sprawl
