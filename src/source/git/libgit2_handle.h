// Owned: frees a libgit2 object (git_commit, git_index, git_diff, …) with its free function
// when it goes out of scope.
#pragma once

namespace sprawl::git {

template <class T, void (*Free)(T*)>
struct Owned {
  T* ptr = nullptr;
  explicit Owned(T* owned = nullptr) : ptr(owned) {}
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() {
    if (ptr) Free(ptr);
  }
};

}  // namespace sprawl::git
