// The two hot paths, through libgit2: --staged (what the index adds over HEAD, for pre-commit)
// and --since/--range (what the commits of a range introduced, for CI). Both report only
// secrets on lines the change adds that the previous version of the file did not already hold.
#include <git2.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>

#include <algorithm>
#include <atomic>
#include <thread>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_set>

#include <fmt/format.h>

#include "src/pipeline/blob_scanner.h"
#include "src/pipeline/git_findings.h"
#include "src/pipeline/git_history_scan.h"
#include "src/source/git/git_object_parser.h"
#include "src/source/git/index_file.h"
#include "src/source/git/object_store.h"
#include "src/source/git/repository.h"
#include "src/source/git/staged_changes.h"
#include "src/source/git/tree_diff.h"

namespace sprawl {
namespace {

template <class T, void (*Free)(T*)>
struct Owned {
  T* ptr = nullptr;
  Owned() = default;
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() {
    if (ptr) Free(ptr);
  }
};

/// A file version a change introduced, with the version it replaced (if any).
struct ChangedFile {
  std::string path;
  git_oid blob{};
  git_oid old_blob{};
  bool has_old = false;
  std::size_t commit = SIZE_MAX;  ///< index into the range's commits; SIZE_MAX for --staged
  /// Blobs the same change removed: a secret that moved from one of them is not new.
  std::shared_ptr<const std::vector<git::ObjectId>> removed;
};

struct CommitMeta {
  std::string id, author_name, author_email, author_date, summary;
};

class ChangeScanner {
 public:
  ChangeScanner(git::Repository& repo, const std::string& input, const ScanConfig& config,
                const ScanCallbacks& callbacks, ScanOutcome& outcome, BlobScanner& scanner)
      : m_repo(repo), m_input(input), m_config(config), m_callbacks(callbacks), m_outcome(outcome),
        m_scanner(scanner) {}

  void report(InputDiagnostic d) {
    if (m_callbacks.diagnostic) m_callbacks.diagnostic(d);
    (d.is_error ? m_outcome.errors : m_outcome.skipped).push_back(std::move(d));
  }

  /// Entries of `new_tree` (or the index) that differ from `old_tree` (null: everything).
  bool diff(git_tree* old_tree, git_tree* new_tree, git_index* index, std::vector<ChangedFile>& out) {
    git_diff_options options = GIT_DIFF_OPTIONS_INIT;
    options.ignore_submodules = GIT_SUBMODULE_IGNORE_ALL;
    options.flags |= GIT_DIFF_SKIP_BINARY_CHECK;
    Owned<git_diff, git_diff_free> diff;
    const int rc = index ? git_diff_tree_to_index(&diff.ptr, m_repo.handle(), old_tree, index, &options)
                         : git_diff_tree_to_tree(&diff.ptr, m_repo.handle(), old_tree, new_tree, &options);
    if (rc != 0) {
      report({m_input, fmt::format("cannot compare trees: {}", git::libgit2_error())});
      return false;
    }
    git_diff_find_options find = GIT_DIFF_FIND_OPTIONS_INIT;
    find.flags = GIT_DIFF_FIND_RENAMES;
    git_diff_find_similar(diff.ptr, &find);
    const std::size_t count = git_diff_num_deltas(diff.ptr);
    for (std::size_t i = 0; i < count; ++i) {
      const git_diff_delta* d = git_diff_get_delta(diff.ptr, i);
      if (d->status == GIT_DELTA_DELETED || d->status == GIT_DELTA_UNMODIFIED || d->status == GIT_DELTA_IGNORED)
        continue;
      if (d->new_file.mode == GIT_FILEMODE_COMMIT) {
        report({fmt::format("{}: {}", m_input, d->new_file.path), "submodule: not followed", false});
        continue;
      }
      if (d->new_file.mode != GIT_FILEMODE_BLOB && d->new_file.mode != GIT_FILEMODE_BLOB_EXECUTABLE &&
          d->new_file.mode != GIT_FILEMODE_LINK)
        continue;
      ChangedFile file;
      file.path = d->new_file.path;
      file.blob = d->new_file.id;
      file.has_old = d->status != GIT_DELTA_ADDED && d->old_file.mode != GIT_FILEMODE_COMMIT &&
                     d->old_file.mode != 0 && !git_oid_is_zero(&d->old_file.id);
      if (file.has_old) file.old_blob = d->old_file.id;
      out.push_back(std::move(file));
    }
    return true;
  }

  /// Scans one changed file (read through libgit2) and adds the findings on its new lines.
  void scan(const ChangedFile& file, const CommitMeta* commit, std::uint64_t order, std::vector<GitSighting>& out) {
    Owned<git_blob, git_blob_free> blob, old_blob;
    if (git_blob_lookup(&blob.ptr, m_repo.handle(), &file.blob) != 0) {
      report({fmt::format("{}: {}", m_input, file.path), fmt::format("cannot read blob: {}", git::libgit2_error())});
      return;
    }
    std::optional<std::string_view> old_content;
    if (file.has_old && git_blob_lookup(&old_blob.ptr, m_repo.handle(), &file.old_blob) == 0)
      old_content = std::string_view(static_cast<const char*>(git_blob_rawcontent(old_blob.ptr)),
                                     static_cast<std::size_t>(git_blob_rawsize(old_blob.ptr)));
    const std::string_view content(static_cast<const char*>(git_blob_rawcontent(blob.ptr)),
                                   static_cast<std::size_t>(git_blob_rawsize(blob.ptr)));
    scan(file.path, git::to_object_id(&file.blob), content, old_content, commit, order, out);
  }

  /// Scans `content`, the new version of `path`, and adds the findings on lines it adds over
  /// `old_content` (the version it replaces) that the old version did not already hold.
  void scan(const std::string& path, const git::ObjectId& id, std::string_view content,
            std::optional<std::string_view> old_content, const CommitMeta* commit, std::uint64_t order,
            std::vector<GitSighting>& out, const std::vector<git::ObjectId>* removed = nullptr,
            const git::ObjectStore* store = nullptr) {
    if (content.size() > m_config.max_file_size) {
      report({fmt::format("{}: {}", m_input, path),
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
    if (scan.matches.empty()) return;
    scan.blob_id = id.hex();

    Provenance where{path, path, GitProvenance{}};
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
      line_filter = added_line_numbers(*old_content, content, path, added_lines);
    } else if (removed && store) {  // a file moved or split: what the removed files held is not new
      std::string previous;
      for (const auto& removed_id : *removed) {
        auto type = store->read(removed_id, previous);
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

 private:
  // False when the diff has no line information (binary files).
  static bool added_line_numbers(std::string_view old_content, std::string_view content, const std::string& path,
                                 std::set<std::uint32_t>& lines) {
    git_diff_options options = GIT_DIFF_OPTIONS_INIT;
    options.context_lines = 0;
    Owned<git_patch, git_patch_free> patch;
    if (git_patch_from_buffers(&patch.ptr, old_content.data(), old_content.size(), path.c_str(), content.data(),
                               content.size(), path.c_str(), &options) != 0)
      return false;
    if (git_patch_get_delta(patch.ptr)->flags & GIT_DIFF_FLAG_BINARY) return false;
    const std::size_t hunks = git_patch_num_hunks(patch.ptr);
    for (std::size_t h = 0; h < hunks; ++h) {
      const int count = git_patch_num_lines_in_hunk(patch.ptr, h);
      for (int l = 0; l < count; ++l) {
        const git_diff_line* line = nullptr;
        if (git_patch_get_line_in_hunk(&line, patch.ptr, h, static_cast<std::size_t>(l)) == 0 &&
            line->origin == GIT_DIFF_LINE_ADDITION && line->new_lineno > 0)
          lines.insert(static_cast<std::uint32_t>(line->new_lineno));
      }
    }
    return true;
  }

  git::Repository& m_repo;
  const std::string& m_input;
  const ScanConfig& m_config;
  const ScanCallbacks& m_callbacks;
  ScanOutcome& m_outcome;
  BlobScanner& m_scanner;
};

// --staged through our own index reader and object store (see staged_changes.h). False when
// the index needs libgit2 (a split or sparse index).
bool scan_staged_fast(git::Repository& repo, const std::string& input, ChangeScanner& scanner,
                      std::vector<GitSighting>& sightings) {
  const char* index_env = input == "." ? std::getenv("GIT_INDEX_FILE") : nullptr;
  const std::string index_path = index_env && *index_env ? index_env : repo.git_dir() + "/index";
  struct stat info {};
  if (::stat(index_path.c_str(), &info) != 0) return true;  // nothing was ever staged
  auto index = git::read_index_file(index_path);
  if (!index) {
    scanner.report({input, index.error().message});
    return true;
  }
  if (index->split_index || index->sparse) return false;
  auto store = git::ObjectStore::open(repo.objects_dir());
  if (!store) {
    scanner.report({input, store.error().message});
    return true;
  }
  std::optional<git::ObjectId> head_tree;
  std::string content, old_content;
  if (auto head = repo.head_commit()) {
    auto type = (*store)->read(*head, content);
    auto commit = type && *type == git::ObjectType::commit ? git::parse_commit(content) : std::nullopt;
    if (!commit) {
      scanner.report({input, fmt::format("cannot read HEAD commit {}{}", head->hex(),
                                         type ? "" : ": " + type.error().message)});
      return true;
    }
    head_tree = commit->tree;
  }
  auto staged = git::staged_changes(**store, *index, head_tree);
  if (!staged) {
    scanner.report({input, fmt::format("cannot compare the index with HEAD: {}", staged.error().message)});
    return true;
  }
  for (const auto& path : staged->submodules)
    scanner.report({fmt::format("{}: {}", input, path), "submodule: not followed", false});
  for (const auto& file : staged->files) {
    auto type = (*store)->read(file.id, content);
    if (!type || *type != git::ObjectType::blob) {
      scanner.report({fmt::format("{}: {}", input, file.path),
                      type ? "staged object is not a blob" : "cannot read staged blob: " + type.error().message});
      continue;
    }
    std::optional<std::string_view> old;
    if (file.old_id) {
      auto old_type = (*store)->read(*file.old_id, old_content);
      if (old_type && *old_type == git::ObjectType::blob) old = old_content;
    }
    scanner.scan(file.path, file.id, content, old, nullptr, 0, sightings);
  }
  return true;
}

// Scans what a range introduced on all cores: each worker reads blobs through the object store
// (thread-safe, much faster than libgit2) and keeps its own findings and counts.
void scan_changed_files(const std::vector<ChangedFile>& files, const std::vector<CommitMeta>& metas,
                        const git::ObjectStore& store, const std::string& input, const ScanConfig& config,
                        const ScanEngine& engine, const ScanCallbacks& callbacks, git::Repository& repo,
                        ScanOutcome& outcome, std::vector<GitSighting>& sightings) {
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
    BlobScanner blob_scanner(engine, std::move(matcher.value()), config.binary_findings_cap);
    ChangeScanner scanner(repo, input, config, callbacks, result.outcome, blob_scanner);
    std::string content, old_content;
    for (std::size_t i = next++; i < files.size(); i = next++) {
      const ChangedFile& file = files[i];
      const git::ObjectId id = git::to_object_id(&file.blob);
      auto type = store.read(id, content);
      if (!type || *type != git::ObjectType::blob) {
        scanner.report({fmt::format("{}: {}", input, file.path),
                        type ? "not a blob" : "cannot read blob: " + type.error().message});
        continue;
      }
      std::optional<std::string_view> old;
      if (file.has_old) {
        auto old_type = store.read(git::to_object_id(&file.old_blob), old_content);
        if (old_type && *old_type == git::ObjectType::blob) old = old_content;
      }
      scanner.scan(file.path, id, content, old, &metas[file.commit], file.commit, result.sightings,
                   file.has_old ? nullptr : file.removed.get(), &store);
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

CommitMeta commit_meta(git_commit* commit) {
  CommitMeta meta;
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof hex, git_commit_id(commit));
  meta.id = hex;
  if (const git_signature* author = git_commit_author(commit)) {
    meta.author_name = author->name ? author->name : "";
    meta.author_email = author->email ? author->email : "";
    meta.author_date = git::format_git_time(author->when.time, author->when.offset);
  }
  if (const char* summary = git_commit_summary(commit)) meta.summary = summary;
  return meta;
}

// Commits of `from..to` (from may be null: all of `to`'s history), parents first. Shallow
// clones lack some parents: those are boundaries.
std::vector<git_oid> range_commits(git_repository* repo, const git_oid* from, const git_oid& to) {
  std::vector<git_oid> out;
  Owned<git_revwalk, git_revwalk_free> walk;
  if (git_revwalk_new(&walk.ptr, repo) == 0 && git_revwalk_sorting(walk.ptr, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) == 0 &&
      git_revwalk_push(walk.ptr, &to) == 0 && (!from || git_revwalk_hide(walk.ptr, from) == 0)) {
    git_oid oid;
    int rc = 0;
    std::vector<git_oid> commits;
    while ((rc = git_revwalk_next(&oid, walk.ptr)) == 0) commits.push_back(oid);
    if (rc == GIT_ITEROVER) return commits;
  }
  // libgit2's walk stops at a missing parent: walk by hand, treating missing commits as
  // boundaries (shallow clones).
  auto key = [](const git_oid& id) { return std::string(reinterpret_cast<const char*>(id.id), GIT_OID_RAWSZ); };
  std::unordered_set<std::string> hidden;
  if (from) {
    std::vector<git_oid> stack{*from};
    while (!stack.empty()) {
      const git_oid id = stack.back();
      stack.pop_back();
      if (!hidden.insert(key(id)).second) continue;
      Owned<git_commit, git_commit_free> commit;
      if (git_commit_lookup(&commit.ptr, repo, &id) != 0) continue;
      for (unsigned p = 0; p < git_commit_parentcount(commit.ptr); ++p) stack.push_back(*git_commit_parent_id(commit.ptr, p));
    }
  }
  std::unordered_set<std::string> seen;
  struct Frame {
    git_oid id;
    unsigned next_parent;
  };
  std::vector<Frame> stack;
  auto enter = [&](const git_oid& id) {
    if (hidden.count(key(id)) || !seen.insert(key(id)).second) return;
    stack.push_back({id, 0});
  };
  enter(to);
  while (!stack.empty()) {
    Frame& top = stack.back();
    Owned<git_commit, git_commit_free> commit;
    if (git_commit_lookup(&commit.ptr, repo, &top.id) != 0) {
      stack.pop_back();  // a missing commit: a boundary
      continue;
    }
    if (top.next_parent < git_commit_parentcount(commit.ptr)) {
      const git_oid parent = *git_commit_parent_id(commit.ptr, top.next_parent++);
      enter(parent);
      continue;
    }
    out.push_back(top.id);
    stack.pop_back();
  }
  return out;
}

}  // namespace

void scan_git_changes(const std::string& input, const ScanConfig& config, const ScanEngine& engine,
                      const ScanCallbacks& callbacks, ScanOutcome& outcome) {
  auto report = [&](InputDiagnostic d) {
    if (callbacks.diagnostic) callbacks.diagnostic(d);
    (d.is_error ? outcome.errors : outcome.skipped).push_back(std::move(d));
  };
  // A hook runs in the work tree with git's variables set: "." means "where git says".
  auto repository = config.git_scope == GitScope::staged ? git::Repository::discover(input, input == ".")
                                                         : git::Repository::open(input);
  if (!repository && config.git_scope == GitScope::range) repository = git::Repository::discover(input);
  if (!repository) return report({input, repository.error().message});
  git::Repository& repo = **repository;
  auto matcher = Matcher::create(engine.database());
  if (!matcher) return report({"sprawl", matcher.error().message});
  BlobScanner blob_scanner(engine, std::move(matcher.value()), config.binary_findings_cap);
  ChangeScanner scanner(repo, input, config, callbacks, outcome, blob_scanner);
  std::vector<GitSighting> sightings;

  auto tree_of = [&](const git_oid& commit_id, git_tree** tree) {
    Owned<git_commit, git_commit_free> commit;
    return git_commit_lookup(&commit.ptr, repo.handle(), &commit_id) == 0 && git_commit_tree(tree, commit.ptr) == 0;
  };

  if (config.git_scope == GitScope::staged) {
    if (repo.workdir().empty()) return report({input, "--staged needs a work tree (this repository is bare)"});
    if (scan_staged_fast(repo, input, scanner, sightings)) {
      collapse_git_sightings(std::move(sightings), outcome.findings);
      return;
    }
    Owned<git_tree, git_tree_free> head_tree;
    if (auto head = repo.head_commit()) {
      git_oid oid;
      std::memcpy(oid.id, head->bytes.data(), GIT_OID_RAWSZ);
      if (!tree_of(oid, &head_tree.ptr)) return report({input, fmt::format("cannot read HEAD: {}", git::libgit2_error())});
    }
    Owned<git_index, git_index_free> index;
    if (repo.workdir().empty()) return report({input, "--staged needs a work tree (this repository is bare)"});
    if (git_repository_index(&index.ptr, repo.handle()) != 0)
      return report({input, fmt::format("cannot read the index: {}", git::libgit2_error())});
    std::vector<ChangedFile> staged;
    if (!scanner.diff(head_tree.ptr, nullptr, index.ptr, staged)) return;
    for (const auto& file : staged) scanner.scan(file, nullptr, 0, sightings);
    collapse_git_sightings(std::move(sightings), outcome.findings);
    return;
  }

  // --since REV / --range A..B
  const std::size_t dots = config.git_range.find("..");
  const std::string from_spec = dots == std::string::npos ? config.git_range : config.git_range.substr(0, dots);
  std::string to_spec = dots == std::string::npos ? "HEAD" : config.git_range.substr(dots + 2);
  if (to_spec.empty()) to_spec = "HEAD";
  auto to = repo.resolve_commit(to_spec);
  if (!to) return report({input, to.error().message});
  git_oid to_oid, from_oid;
  std::memcpy(to_oid.id, to->bytes.data(), GIT_OID_RAWSZ);
  bool has_from = false;
  if (!from_spec.empty()) {
    auto from = repo.resolve_commit(from_spec);
    if (from) {
      std::memcpy(from_oid.id, from->bytes.data(), GIT_OID_RAWSZ);
      has_from = true;
    } else if (repo.is_shallow()) {
      report({input, fmt::format("{} (shallow clone); scanning every commit reachable from '{}' that the clone has",
                                 from.error().message, to_spec), false});
    } else {
      return report({input, from.error().message});
    }
  }
  const std::vector<git_oid> commits = range_commits(repo.handle(), has_from ? &from_oid : nullptr, to_oid);

  auto store = git::ObjectStore::open(repo.objects_dir());
  if (!store) return report({input, store.error().message});
  std::set<std::string> introduced;  // path NUL blob id: seen earlier in the range
  std::vector<ChangedFile> work;  // what the range introduced, scanned in parallel below
  std::vector<CommitMeta> metas;
  metas.reserve(commits.size());
  std::size_t boundaries = 0;
  std::string buffer;
  auto read_commit = [&](const git::ObjectId& id) -> std::optional<git::CommitInfo> {
    auto type = (*store)->read(id, buffer);
    if (!type || *type != git::ObjectType::commit) return std::nullopt;
    return git::parse_commit(buffer);
  };
  for (const git_oid& oid : commits) {
    const git::ObjectId commit_id = git::to_object_id(&oid);
    const auto info = read_commit(commit_id);
    if (!info) {
      report({input, fmt::format("cannot read commit {}", commit_id.hex())});
      continue;
    }
    metas.push_back({commit_id.hex(), info->author_name, info->author_email,
                     git::format_git_time(info->author_time, info->author_tz_minutes), info->summary});
    // Per parent, what changed; a merge introduces only what differs from every parent.
    std::vector<git::TreeDiff> per_parent;
    for (const auto& parent_id : info->parents) {
      const auto parent = read_commit(parent_id);
      if (!parent) {
        ++boundaries;  // a shallow clone's boundary
        continue;
      }
      git::TreeDiff diff;
      if (Status status = git::diff_trees(**store, parent->tree, info->tree, diff); !status) {
        report({input, fmt::format("commit {}: {}", commit_id.hex(), status.error().message)});
        continue;
      }
      per_parent.push_back(std::move(diff));
    }
    if (per_parent.empty()) {
      git::TreeDiff diff;
      if (Status status = git::diff_trees(**store, std::nullopt, info->tree, diff); !status)
        report({input, fmt::format("commit {}: {}", commit_id.hex(), status.error().message)});
      per_parent.push_back(std::move(diff));
    }
    for (const auto& path : per_parent.front().submodules)
      report({fmt::format("{}: {}", input, path), "submodule: not followed", false});
    auto removed = std::make_shared<const std::vector<git::ObjectId>>(per_parent.front().removed);
    for (const auto& change : per_parent.front().changed) {
      const bool in_all = std::all_of(per_parent.begin() + 1, per_parent.end(), [&](const git::TreeDiff& other) {
        return std::any_of(other.changed.begin(), other.changed.end(), [&](const git::TreeChange& o) {
          return o.path == change.path && o.id == change.id;
        });
      });
      if (!in_all || !introduced.insert(change.path + '\0' + change.id.hex()).second) continue;
      ChangedFile file;
      file.path = change.path;
      std::memcpy(file.blob.id, change.id.bytes.data(), GIT_OID_RAWSZ);
      file.has_old = change.old_id.has_value();
      if (file.has_old) std::memcpy(file.old_blob.id, change.old_id->bytes.data(), GIT_OID_RAWSZ);
      file.commit = metas.size() - 1;
      file.removed = removed;
      work.push_back(std::move(file));
    }
  }
  scan_changed_files(work, metas, **store, input, config, engine, callbacks, repo, outcome, sightings);
  if (boundaries > 0)
    report({input, fmt::format("{} parent commit(s) are missing (shallow clone): the commits above them are "
                               "compared with nothing, so their whole trees are scanned", boundaries), false});
  collapse_git_sightings(std::move(sightings), outcome.findings);
}

}  // namespace sprawl
