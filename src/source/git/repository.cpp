// libgit2 access for refs, HEAD, the index and the work tree. Every handle is opened read-only
// in spirit: nothing here writes to the repository, runs hooks or applies configured filters.
#include "src/source/git/repository.h"

#include <git2.h>

#include <sys/stat.h>

#include <cstring>
#include <mutex>

#include <fmt/format.h>

#include "src/source/git/libgit2_handle.h"

namespace sprawl::git {
namespace {

void ensure_libgit2() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();
    // sprawl only reads: a repository owned by another user (a mounted volume, a CI checkout)
    // is scanned like any other.
    git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
  });
}

std::string trim_slash(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

std::string libgit2_error() {
  const git_error* error = git_error_last();
  return error && error->message ? error->message : "unknown libgit2 error";
}

ObjectId to_object_id(const void* oid) {
  ObjectId id;
  std::memcpy(id.bytes.data(), static_cast<const git_oid*>(oid)->id, id.bytes.size());
  return id;
}

Repository::Repository(git_repository* repo) : m_repo(repo) {
  m_git_dir = trim_slash(git_repository_path(repo));
  m_objects_dir = trim_slash(git_repository_commondir(repo)) + "/objects";
  if (const char* workdir = git_repository_workdir(repo)) m_workdir = trim_slash(workdir);
  // A git directory without core.bare (a mirror's snapshot, a copied .git) makes libgit2
  // guess its parent is the work tree: only a directory that holds the .git is one.
  struct stat info {};
  if (!m_workdir.empty() && ::stat((m_workdir + "/.git").c_str(), &info) != 0) m_workdir.clear();
}

Repository::~Repository() { git_repository_free(m_repo); }

Result<std::unique_ptr<Repository>> Repository::open(const std::string& path) {
  ensure_libgit2();
  git_repository* repo = nullptr;
  if (git_repository_open_ext(&repo, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0)
    return Error{fmt::format("not a git repository ({})", libgit2_error())};
  return std::unique_ptr<Repository>(new Repository(repo));
}

Result<std::unique_ptr<Repository>> Repository::discover(const std::string& path, bool from_environment) {
  ensure_libgit2();
  git_repository* repo = nullptr;
  if (from_environment && git_repository_open_ext(&repo, nullptr, GIT_REPOSITORY_OPEN_FROM_ENV, nullptr) == 0)
    return std::unique_ptr<Repository>(new Repository(repo));
  if (git_repository_open_ext(&repo, path.c_str(), 0, nullptr) != 0) return Error{"not inside a git repository"};
  return std::unique_ptr<Repository>(new Repository(repo));
}

bool Repository::is_repository(const std::string& path) {
  ensure_libgit2();
  git_repository* repo = nullptr;
  if (git_repository_open_ext(&repo, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) return false;
  git_repository_free(repo);
  return true;
}

bool Repository::is_shallow() const { return git_repository_is_shallow(m_repo) == 1; }

std::vector<RefTip> Repository::refs(std::vector<std::string>& problems) const {
  std::vector<RefTip> tips;
  Owned<git_reference_iterator, git_reference_iterator_free> iterator;
  if (git_reference_iterator_new(&iterator.ptr, m_repo) != 0) {
    problems.push_back(fmt::format("cannot list refs: {}", libgit2_error()));
    return tips;
  }
  git_reference* ref = nullptr;
  int rc = 0;
  while ((rc = git_reference_next(&ref, iterator.ptr)) == 0) {
    Owned<git_reference, git_reference_free> owned{ref};
    Owned<git_reference, git_reference_free> resolved;
    if (git_reference_resolve(&resolved.ptr, ref) != 0) {
      problems.push_back(fmt::format("ref {}: {}", git_reference_name(ref), libgit2_error()));
      continue;
    }
    if (const git_oid* target = git_reference_target(resolved.ptr))
      tips.push_back({git_reference_name(ref), to_object_id(target)});
  }
  if (rc != GIT_ITEROVER) problems.push_back(fmt::format("cannot list refs: {}", libgit2_error()));
  if (auto head = head_commit()) tips.push_back({"HEAD", *head});
  // Older stashes live only in refs/stash's reflog (stash@{1}, stash@{2}, …).
  Owned<git_reflog, git_reflog_free> stashes;
  if (git_reflog_read(&stashes.ptr, m_repo, "refs/stash") == 0) {
    const std::size_t count = git_reflog_entrycount(stashes.ptr);
    for (std::size_t i = 0; i < count; ++i) {
      if (const git_reflog_entry* entry = git_reflog_entry_byindex(stashes.ptr, i))
        tips.push_back({fmt::format("refs/stash@{{{}}}", i), to_object_id(git_reflog_entry_id_new(entry))});
    }
  }
  return tips;
}

Result<ObjectId> Repository::resolve_commit(const std::string& revision) const {
  Owned<git_object, git_object_free> object, commit;
  if (git_revparse_single(&object.ptr, m_repo, revision.c_str()) != 0)
    return Error{fmt::format("unknown revision '{}': {}", revision, libgit2_error())};
  if (git_object_peel(&commit.ptr, object.ptr, GIT_OBJECT_COMMIT) != 0)
    return Error{fmt::format("revision '{}' does not name a commit: {}", revision, libgit2_error())};
  return to_object_id(git_object_id(commit.ptr));
}

std::optional<ObjectId> Repository::head_commit() const {
  git_oid oid;
  if (git_reference_name_to_id(&oid, m_repo, "HEAD") != 0) return std::nullopt;
  return to_object_id(&oid);
}

std::string Repository::head_branch() const {
  // HEAD as a symbolic ref names the branch even before its first commit; a detached HEAD none.
  Owned<git_reference, git_reference_free> head;
  if (git_reference_lookup(&head.ptr, m_repo, "HEAD") != 0 || git_reference_type(head.ptr) != GIT_REFERENCE_SYMBOLIC)
    return "";
  const std::string_view target = git_reference_symbolic_target(head.ptr);
  constexpr std::string_view kBranches = "refs/heads/";
  return target.starts_with(kBranches) ? std::string(target.substr(kBranches.size())) : "";
}

Result<std::vector<IndexEntry>> Repository::index_entries(std::vector<std::string>& submodules) const {
  Owned<git_index, git_index_free> index;
  if (git_repository_index(&index.ptr, m_repo) != 0)
    return Error{fmt::format("cannot read the index: {}", libgit2_error())};
  std::vector<IndexEntry> entries;
  const std::size_t count = git_index_entrycount(index.ptr);
  entries.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const git_index_entry* entry = git_index_get_byindex(index.ptr, i);
    if (!entry || GIT_INDEX_ENTRY_STAGE(entry) != 0) continue;
    if (entry->mode == GIT_FILEMODE_COMMIT) {
      submodules.push_back(entry->path);
      continue;
    }
    entries.push_back({entry->path, to_object_id(&entry->id), entry->mode});
  }
  return entries;
}

Result<std::vector<WorktreeFile>> Repository::worktree_changes() const {
  std::vector<WorktreeFile> files;
  if (m_workdir.empty()) return files;
  git_status_options options = GIT_STATUS_OPTIONS_INIT;
  options.show = GIT_STATUS_SHOW_WORKDIR_ONLY;
  options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
                  GIT_STATUS_OPT_EXCLUDE_SUBMODULES | GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH;
  Owned<git_status_list, git_status_list_free> status;
  if (git_status_list_new(&status.ptr, m_repo, &options) != 0)
    return Error{fmt::format("cannot compare the work tree with the index: {}", libgit2_error())};
  const std::size_t count = git_status_list_entrycount(status.ptr);
  for (std::size_t i = 0; i < count; ++i) {
    const git_status_entry* entry = git_status_byindex(status.ptr, i);
    if (!entry || !entry->index_to_workdir) continue;
    const unsigned flags = entry->status;
    if (!(flags & (GIT_STATUS_WT_NEW | GIT_STATUS_WT_MODIFIED | GIT_STATUS_WT_TYPECHANGE | GIT_STATUS_WT_RENAMED)))
      continue;
    const char* path = entry->index_to_workdir->new_file.path;
    if (path) files.push_back({path, (flags & GIT_STATUS_WT_NEW) != 0});
  }
  return files;
}

}  // namespace sprawl::git
