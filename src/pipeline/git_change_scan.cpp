// The two hot paths: --staged (what the index adds over HEAD, for pre-commit) and
// --since/--range (what the commits of a range introduced, for CI). Both find the changed files,
// then scan them on all cores through our object store, keeping only findings the change adds
// (ChangeScanner). libgit2 finds the repository and lists the range's commits.
#include <git2.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <unordered_set>

#include <fmt/format.h>

#include "src/pipeline/change_scanner.h"
#include "src/pipeline/git_findings.h"
#include "src/pipeline/git_history_scan.h"
#include "src/source/git/git_object_parser.h"
#include "src/source/git/index_file.h"
#include "src/source/git/libgit2_handle.h"
#include "src/source/git/object_store.h"
#include "src/source/git/repository.h"
#include "src/source/git/staged_changes.h"
#include "src/source/git/tree_diff.h"

namespace sprawl {
namespace {

using git::Owned;

using Report = std::function<void(InputDiagnostic)>;

// What the index adds over HEAD, read by our own index reader (the cache tree skips unchanged
// directories).
std::vector<ChangedFile> staged_files(git::Repository& repo, const git::ObjectStore& store, const std::string& input,
                                      const Report& report) {
  std::vector<ChangedFile> files;
  const char* index_env = input == "." ? std::getenv("GIT_INDEX_FILE") : nullptr;
  const std::string index_path = index_env && *index_env ? index_env : repo.git_dir() + "/index";
  struct stat info {};
  if (::stat(index_path.c_str(), &info) != 0) return files;  // nothing was ever staged
  auto index = git::read_index_file(index_path);
  if (!index) {
    report({input, index.error().message});
    return files;
  }
  if (index->split_index) {
    // libgit2 1.5 cannot read one either ("unsupported mandatory extension: 'link'").
    report({input, "the index is split (core.splitIndex), which sprawl cannot read yet; "
                   "`git update-index --no-split-index` joins it"});
    return files;
  }
  std::optional<git::ObjectId> head_tree;
  if (auto head = repo.head_commit()) {
    std::string content;
    auto type = store.read(*head, content);
    auto commit = type && *type == git::ObjectType::commit ? git::parse_commit(content) : std::nullopt;
    if (!commit) {
      report({input, fmt::format("cannot read HEAD commit {}{}", head->hex(), type ? "" : ": " + type.error().message)});
      return files;
    }
    head_tree = commit->tree;
  }
  auto staged = git::staged_changes(store, *index, head_tree);
  if (!staged) {
    report({input, fmt::format("cannot compare the index with HEAD: {}", staged.error().message)});
    return files;
  }
  for (const auto& path : staged->submodules)
    report({fmt::format("{}: {}", input, path), "submodule: not followed", false});
  auto removed = std::make_shared<const std::vector<git::ObjectId>>(std::move(staged->removed));
  for (auto& f : staged->files) files.push_back({std::move(f.path), f.id, f.old_id, SIZE_MAX, removed});
  return files;
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


// What the commits of `range` (A..B, or REV..HEAD) introduced, oldest first, each (path, blob)
// once; `metas` receives the commits' details.
std::vector<ChangedFile> range_files(git::Repository& repo, const git::ObjectStore& store, const std::string& input,
                                     const std::string& range, std::vector<CommitMeta>& metas, const Report& report) {
  std::vector<ChangedFile> files;
  const std::size_t dots = range.find("..");
  const std::string from_spec = dots == std::string::npos ? range : range.substr(0, dots);
  std::string to_spec = dots == std::string::npos ? "HEAD" : range.substr(dots + 2);
  if (to_spec.empty()) to_spec = "HEAD";
  auto to = repo.resolve_commit(to_spec);
  if (!to) {
    report({input, to.error().message});
    return files;
  }
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
      report({input, from.error().message});
      return files;
    }
  }
  const std::vector<git_oid> commits = range_commits(repo.handle(), has_from ? &from_oid : nullptr, to_oid);

  std::set<std::string> introduced;  // path NUL blob id: seen earlier in the range
  metas.reserve(commits.size());
  std::size_t boundaries = 0;
  std::string buffer;
  auto read_commit = [&](const git::ObjectId& id) -> std::optional<git::CommitInfo> {
    auto type = store.read(id, buffer);
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
      if (Status status = git::diff_trees(store, parent->tree, info->tree, diff); !status) {
        report({input, fmt::format("commit {}: {}", commit_id.hex(), status.error().message)});
        continue;
      }
      per_parent.push_back(std::move(diff));
    }
    if (per_parent.empty()) {
      git::TreeDiff diff;
      if (Status status = git::diff_trees(store, std::nullopt, info->tree, diff); !status)
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
      files.push_back({change.path, change.id, change.old_id, metas.size() - 1, removed});
    }
  }
  if (boundaries > 0)
    report({input, fmt::format("{} parent commit(s) are missing (shallow clone): the commits above them are "
                               "compared with nothing, so their whole trees are scanned",
                               boundaries),
            false});
  return files;
}

}  // namespace

void scan_git_changes(const std::string& input, const ScanConfig& config, const ScanEngine& engine,
                      const ScanCallbacks& callbacks, ScanOutcome& outcome) {
  const Report report = [&](InputDiagnostic d) { record_diagnostic(callbacks, outcome, std::move(d)); };
  const bool staged = config.git_scope == GitScope::staged;
  // A hook runs in the work tree with git's variables set: "." means "where git says".
  auto repository = staged ? git::Repository::discover(input, input == ".") : git::Repository::open(input);
  if (!repository && !staged) repository = git::Repository::discover(input);
  if (!repository) return report({input, repository.error().message});
  git::Repository& repo = **repository;
  if (staged && repo.workdir().empty()) return report({input, "--staged needs a work tree (this repository is bare)"});
  auto store = git::ObjectStore::open(repo.objects_dir());
  if (!store) return report({input, store.error().message});

  std::vector<CommitMeta> metas;
  std::vector<ChangedFile> files;
  if (staged) {
    files = staged_files(repo, **store, input, report);
  } else {
    files = range_files(repo, **store, input, config.git_range, metas, report);
  }
  std::vector<GitSighting> sightings;
  scan_changed_files(files, metas, **store, input, config, engine, callbacks, outcome, sightings);
  collapse_git_sightings(std::move(sightings), outcome.findings);
}

}  // namespace sprawl
