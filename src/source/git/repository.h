// Repository: what sprawl asks libgit2 — opening a repository safely (read-only, no owner
// check, nothing from its configuration is ever executed), its refs, HEAD, index and the work
// tree's uncommitted files. Object contents in bulk come from ObjectStore, not from here.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sprawl/result.h"
#include "src/source/git/object_id.h"

struct git_repository;

namespace sprawl::git {

/// A ref and the object it names directly (a commit, or an annotated tag object).
struct RefTip {
  std::string name;
  ObjectId target;
};

struct IndexEntry {
  std::string path;
  ObjectId id;
  std::uint32_t mode = 0;
};

/// A work-tree file that differs from the index (modified) or is not tracked (and not ignored).
struct WorktreeFile {
  std::string path;  ///< relative to the work tree root
  bool untracked = false;
};

class Repository {
 public:
  /// Opens `path` as a repository (a work tree root, its .git directory, a bare or mirror
  /// repository). Does not search parent directories.
  static Result<std::unique_ptr<Repository>> open(const std::string& path);
  /// Opens the repository that contains `path`, searching upwards (for --staged). With
  /// `from_environment`, git's variables come first (GIT_DIR, GIT_INDEX_FILE: a hook run by
  /// `git commit -a` sees the commit's temporary index only through them).
  static Result<std::unique_ptr<Repository>> discover(const std::string& path, bool from_environment = false);
  /// True if `path` itself is a repository (what `sprawl scan PATH` routes on).
  static bool is_repository(const std::string& path);

  ~Repository();
  Repository(const Repository&) = delete;
  Repository& operator=(const Repository&) = delete;

  git_repository* handle() const { return m_repo; }
  const std::string& git_dir() const { return m_git_dir; }
  const std::string& objects_dir() const { return m_objects_dir; }
  const std::string& workdir() const { return m_workdir; }  ///< empty for a bare repository
  bool is_shallow() const;

  /// Every ref (branches, tags, remotes, notes, stash, pull refs …) and a detached HEAD, with
  /// symbolic refs resolved; refs that cannot be read are listed in `problems`.
  std::vector<RefTip> refs(std::vector<std::string>& problems) const;
  /// One ref by name (`main`, `refs/heads/main`, `origin/main`, a tag …), resolved to a commit.
  Result<ObjectId> resolve_commit(const std::string& revision) const;
  /// The commit HEAD points at; none for an unborn branch.
  std::optional<ObjectId> head_commit() const;
  /// The branch HEAD is on ("main", "release/prod"); "" for a detached HEAD.
  std::string head_branch() const;
  /// The index's stage-0 entries for regular files and symlinks; gitlinks (submodules) go to
  /// `submodules` by path.
  Result<std::vector<IndexEntry>> index_entries(std::vector<std::string>& submodules) const;
  /// Files of the work tree that differ from the index or are untracked (not ignored).
  /// Submodules are not entered.
  Result<std::vector<WorktreeFile>> worktree_changes() const;

 private:
  explicit Repository(git_repository* repo);
  git_repository* m_repo;
  std::string m_git_dir, m_objects_dir, m_workdir;
};

/// libgit2's last error as one line.
std::string libgit2_error();

/// Converts between libgit2's ids and ours.
ObjectId to_object_id(const void* git_oid);

}  // namespace sprawl::git
