// Full-history scan of one repository, in four steps:
//  1. walk every blob, commit and tag of the object database once, on all cores, scanning each
//     blob (blobs rebuilt from deltas rescan only what changed) and indexing commits;
//  2. walk the trees, keeping only what leads to blobs with findings (and naming missing blobs);
//  3. order the commits and find where each of those blobs entered history, and which are
//     still in HEAD;
//  4. add the index and the work tree, and report each secret once per path, where it entered.
// A pass that objects moved under (a concurrent gc) is run again.
#include "src/pipeline/git_history_scan.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "src/pipeline/blob_scanner.h"
#include "src/pipeline/git_findings.h"
#include "src/pipeline/history_walk.h"
#include "src/pipeline/progress_ticker.h"
#include "src/source/git/history_index.h"
#include "src/source/git/object_store.h"
#include "src/source/git/repository.h"

namespace sprawl {
namespace {

using git::ObjectId;
using git::ObjectType;

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
// pack), damage otherwise. Either way they were not scanned, and the user is told where they were.
template <class Report>
void report_missing_blobs(const std::string& input, const std::string& objects_dir, const git::ObjectIdSet& missing,
                          const git::HistoryAnalysis& analysis, Report&& report) {
  if (missing.empty()) return;
  std::vector<std::string> places;
  for (const auto& id : missing) {
    auto it = analysis.introductions.find(id);
    if (it == analysis.introductions.end() || it->second.empty()) {
      places.push_back("blob " + id.hex());
    } else {
      const auto& first = it->second.front();
      places.push_back(fmt::format("{} in commit {} (blob {})", first.path,
                                   analysis.commits[first.commit].id.hex().substr(0, 12), id.hex()));
    }
  }
  std::sort(places.begin(), places.end());
  std::string sample;
  for (std::size_t i = 0; i < places.size() && i < 5; ++i) sample += (i ? ", " : "") + places[i];
  if (places.size() > 5) sample += fmt::format(", and {} more", places.size() - 5);
  bool promisor = false;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(objects_dir + "/pack", ignored))
    promisor = promisor || entry.path().extension() == ".promisor";
  if (promisor)
    report({input, fmt::format("{} blob(s) are not in this partial clone and were not scanned: {}", places.size(),
                               sample),
            false});
  else
    report({input, fmt::format("{} blob(s) named by trees are missing from the object database and were not "
                               "scanned: {}",
                               places.size(), sample)});
}

// True if a loose object a problem named is gone now: a concurrent `git gc`, `repack` or
// `prune` moved it into a pack while the walk read it. (Packs are mapped for the whole walk, so
// a pack deleted meanwhile stays readable.)
bool objects_moved(const std::vector<std::string>& sources) {
  auto is_loose_object_path = [](const std::string& path) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos || slash < 3 || path.size() - slash - 1 != 38 || path[slash - 3] != '/') return false;
    const std::string hex = path.substr(slash - 2, 2) + path.substr(slash + 1);
    return hex.find_first_not_of("0123456789abcdef") == std::string::npos;
  };
  struct stat info {};
  return std::any_of(sources.begin(), sources.end(), [&](const std::string& where) {
    return is_loose_object_path(where) && ::stat(where.c_str(), &info) != 0;
  });
}

// One pass over one repository, step by step (see the top of this file).
class HistoryScan {
 public:
  HistoryScan(const std::string& input, const ScanConfig& config, const ScanEngine& engine,
              const ScanCallbacks& callbacks, ScanOutcome& outcome)
      : m_input(input), m_config(config), m_engine(engine), m_callbacks(callbacks), m_outcome(outcome),
        m_walk(config, input, callbacks, outcome, m_history) {}

  /// False if objects moved under the pass (a concurrent gc): its result is then incomplete.
  bool run() {
    if (!open()) return true;
    walk_objects();
    if (objects_moved(m_walk.problem_sources)) return false;
    if (!analyse_history()) return true;
    report_missing_blobs(m_input, m_repository->objects_dir(), m_history.missing_blobs(), m_analysis, m_report);
    read_index();
    place_blobs();
    report_skipped_blobs();
    add_history_sightings();
    add_worktree_sightings();
    for (auto& s : m_sightings)
      if (m_head_fingerprints.count(s.finding.fingerprint)) s.finding.provenance.git->at_head = true;
    collapse_git_sightings(std::move(m_sightings), m_outcome.findings);
    m_outcome.summary.files_scanned += m_walk.blobs.load();
    m_outcome.summary.bytes_scanned += m_walk.bytes.load();
    m_outcome.summary.empty_files += m_walk.empty.load();
    for (const auto& d : m_walk.drops) m_outcome.summary.dropped += d;
    return !objects_moved(m_walk.problem_sources);
  }

 private:
  /// Where one interesting blob was seen.
  struct Place {
    std::string path;
    GitLocation location;
    std::uint32_t commit = 0;  ///< index into the analysis' commits, for GitLocation::commit
  };

  void report(InputDiagnostic d) { m_report(std::move(d)); }

  bool open() {
    auto repository = git::Repository::open(m_input);
    if (!repository) return report({m_input, repository.error().message}), false;
    m_repository = std::move(*repository);
    auto store = git::ObjectStore::open(m_repository->objects_dir());
    if (!store) return report({m_input, store.error().message}), false;
    m_store = std::move(*store);
    for (const auto& problem : m_store->problems()) report({m_input, problem});
    const unsigned threads = m_config.threads ? m_config.threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < threads; ++i) {
      auto matcher = Matcher::create(m_engine.database());
      if (!matcher) return report({"sprawl", matcher.error().message}), false;
      m_walk.scanners.emplace_back(m_engine, std::move(matcher.value()), m_config.binary_findings_cap, true,
                                   content_options(m_config));
    }
    m_walk.seen_blobs.resize(threads);
    m_walk.drops.resize(threads);
    return true;
  }

  // Pass 1: blobs (scanned), commits and tags. Pass 2: trees, reduced to what leads to
  // interesting blobs; they also name the blobs the object database lacks.
  void walk_objects() {
    git::WalkOptions options;
    options.threads = static_cast<unsigned>(m_walk.scanners.size());
    options.max_object_size = m_config.max_file_size;
    options.types = type_bit(ObjectType::blob) | type_bit(ObjectType::commit) | type_bit(ObjectType::tag);
    {
      std::unique_ptr<ProgressTicker> ticker;
      if (m_callbacks.progress)
        ticker = std::make_unique<ProgressTicker>(
            m_callbacks,
            [this] { return ScanProgress{m_walk.blobs.load(), m_walk.bytes.load(), m_walk.matched.load(), 0.0}; },
            std::chrono::milliseconds(m_config.progress_after_ms));
      m_store->walk(options, m_walk);
    }
    git::ObjectIdSet interesting;
    for (const auto& [id, scan] : m_walk.scans) interesting.insert(id);
    for (const auto& [id, note] : m_walk.notes) interesting.insert(id);
    m_history.set_blobs(interesting, m_walk.seen_blobs);
    std::vector<std::vector<ObjectId>>().swap(m_walk.seen_blobs);
    m_walk.trees_pass = true;
    options.types = type_bit(ObjectType::tree);
    options.max_object_size = std::max<std::uint64_t>(options.max_object_size, 256ull << 20);
    m_store->walk(options, m_walk);
  }

  // Where history starts (every ref, or one branch) and where each interesting blob entered it.
  bool analyse_history() {
    git::AnalysisOptions options;
    options.head = m_repository->head_commit();
    options.include_unreachable = m_config.git_unreachable && !branch_only();
    if (branch_only()) {
      auto tip = m_repository->resolve_commit(m_config.git_branch);
      if (!tip) return report({m_input, tip.error().message}), false;
      options.tips.push_back(*tip);
    } else {
      std::vector<std::string> problems;
      for (const auto& ref : m_repository->refs(problems)) options.tips.push_back(ref.target);
      for (auto& problem : problems) report({m_input, problem});
    }
    m_analysis = m_history.analyse(options);
    for (const auto& problem : m_analysis.problems) report({m_input, problem, false});
    return true;
  }

  // The index: blobs staged but not committed at their path, and submodules.
  void read_index() {
    if (m_repository->workdir().empty()) return;
    std::vector<std::string> submodules;
    auto entries = m_repository->index_entries(submodules);
    if (entries)
      m_index = std::move(*entries);
    else
      report({m_input, entries.error().message});
    for (const auto& path : submodules)
      report({fmt::format("{}: {}", m_input, path), "submodule: not followed (scan its repository separately)", false});
  }

  void place_blobs() {
    for (const auto& [id, intros] : m_analysis.introductions) {
      for (const auto& intro : intros) {
        if (!m_analysis.commits[intro.commit].reachable && !m_config.git_unreachable) continue;
        m_places[id].push_back({intro.path, GitLocation::commit, intro.commit});
      }
    }
    if (branch_only()) return;
    for (const auto& entry : m_index) {
      if (!m_history.is_interesting(entry.id)) continue;
      auto& seen = m_places[entry.id];
      const bool committed_here = std::any_of(seen.begin(), seen.end(), [&](const Place& p) {
        return p.location == GitLocation::commit && p.path == entry.path && m_analysis.commits[p.commit].reachable;
      });
      if (!committed_here) seen.push_back({entry.path, GitLocation::staged, 0});
    }
  }

  // LFS pointers and blobs over the size limit, by path where one is known.
  void report_skipped_blobs() {
    for (const auto& [id, note] : m_walk.notes) {
      auto it = m_places.find(id);
      const bool placed = it != m_places.end() && !it->second.empty();
      const std::string where = placed ? fmt::format("{}: {}", m_input, it->second.front().path)
                                       : fmt::format("{}: blob {}", m_input, id.hex());
      if (note.first == BlobNote::lfs_pointer)
        report({where, "Git LFS pointer: the object it names is not fetched or scanned", false});
      else if (placed || (m_config.git_unreachable && !branch_only()))
        report({where,
                fmt::format("larger than --max-file-size ({} > {} bytes), not scanned", note.second,
                            m_config.max_file_size),
                false});
    }
  }

  void add_history_sightings() {
    const BlobScanner& scanner = m_walk.scanners.front();
    std::vector<Finding> found;
    DropCounts drops;
    for (const auto& [id, scan] : m_walk.scans) {
      auto it = m_places.find(id);
      std::vector<Place> where = it != m_places.end() ? it->second : std::vector<Place>{};
      if (where.empty()) {
        if (!m_config.git_unreachable || branch_only()) continue;
        where.push_back({"", GitLocation::unreachable, 0});
      }
      const bool at_head = m_analysis.blobs_at_head.count(id) > 0;
      for (const auto& problem : scan.problems) {  // once per blob, at the first place it was seen
        InputDiagnostic d =
            problem_diagnostic(where.front().path.empty() ? "blob " + id.hex() : where.front().path, problem);
        d.path = fmt::format("{}: {}", m_input, d.path);
        report(std::move(d));
      }
      for (const auto& place : where) {
        std::uint64_t order = order_of(place.location, 0);
        Provenance provenance = git_provenance(m_input, place.path, place.location);
        if (place.location == GitLocation::commit) {
          const auto& commit = m_analysis.commits[place.commit];
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
          if (at_head) m_head_fingerprints.insert(f.fingerprint);
          m_sightings.push_back({std::move(f), order});
        }
      }
    }
    m_outcome.summary.dropped += drops;
  }

  // Uncommitted and untracked files of the work tree, scanned as files.
  void add_worktree_sightings() {
    const std::string& workdir = m_repository->workdir();
    if (!m_config.git_worktree || workdir.empty() || branch_only()) return;
    auto changed = m_repository->worktree_changes();
    if (!changed) return report({m_input, changed.error().message});
    if (changed->empty()) return;
    ScanConfig files = m_config;
    files.inputs.clear();
    for (const auto& f : *changed) files.inputs.push_back(workdir + "/" + f.path);
    files.relative_base = workdir;
    ScanOutcome worktree = scan_files(files, m_engine, m_callbacks);
    for (auto& f : worktree.findings) {
      const std::string relative = f.provenance.path.substr(std::min(f.provenance.path.size(), workdir.size() + 1));
      std::vector<std::string> members = std::move(f.provenance.members);
      f.provenance = git_provenance(m_input, relative, GitLocation::worktree);
      f.provenance.members = std::move(members);
      m_sightings.push_back({std::move(f), order_of(GitLocation::worktree, 0)});
    }
    for (auto& d : worktree.errors) m_outcome.errors.push_back(std::move(d));
    for (auto& d : worktree.skipped) m_outcome.skipped.push_back(std::move(d));
    m_outcome.summary.files_scanned += worktree.summary.files_scanned;
    m_outcome.summary.bytes_scanned += worktree.summary.bytes_scanned;
    m_outcome.summary.dropped += worktree.summary.dropped;
  }

  bool branch_only() const { return !m_config.git_branch.empty(); }
  static std::uint32_t type_bit(ObjectType type) { return 1u << static_cast<unsigned>(type); }

  const std::string& m_input;
  const ScanConfig& m_config;
  const ScanEngine& m_engine;
  const ScanCallbacks& m_callbacks;
  ScanOutcome& m_outcome;
  std::function<void(InputDiagnostic)> m_report = [this](InputDiagnostic d) {
    record_diagnostic(m_callbacks, m_outcome, std::move(d));
  };
  git::HistoryIndex m_history;
  HistoryWalk m_walk;
  std::unique_ptr<git::Repository> m_repository;
  std::unique_ptr<git::ObjectStore> m_store;
  git::HistoryAnalysis m_analysis;
  std::vector<git::IndexEntry> m_index;
  std::unordered_map<ObjectId, std::vector<Place>, BlobIdHash> m_places;
  std::vector<GitSighting> m_sightings;
  std::unordered_set<std::string> m_head_fingerprints;
};

}  // namespace

void scan_git_history(const std::string& input, const ScanConfig& config, const ScanEngine& engine,
                      const ScanCallbacks& callbacks, ScanOutcome& outcome) {
  // Diagnostics are held back until a pass is kept, so a retried pass prints nothing.
  ScanCallbacks quiet = callbacks;
  quiet.diagnostic = nullptr;
  ScanOutcome pass;
  for (int attempt = 0; attempt < 3; ++attempt) {
    pass = ScanOutcome{};
    if (HistoryScan(input, config, engine, quiet, pass).run()) break;
    if (attempt < 2) {
      if (callbacks.diagnostic)
        callbacks.diagnostic({input, "objects moved while they were read (a concurrent git gc or fetch?): scanning again",
                              false});
      continue;
    }
    pass.errors.push_back({input, "objects kept moving while they were read: the results above are incomplete"});
  }
  for (auto& d : pass.errors) record_diagnostic(callbacks, outcome, std::move(d));
  for (auto& d : pass.skipped) record_diagnostic(callbacks, outcome, std::move(d));
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
