// MappedFile: a whole file mapped read-only into memory (pack and index files).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "sprawl/result.h"

namespace sprawl::git {

/// A read-only, private mapping of a whole file; move-only. An empty file maps to an empty view.
class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  /// Maps the regular file at `path`; the error names the file.
  static Result<MappedFile> open(const std::string& path);

  std::string_view data() const { return {static_cast<const char*>(m_address), m_size}; }
  std::size_t size() const { return m_size; }

 private:
  void* m_address = nullptr;
  std::size_t m_size = 0;
};

}  // namespace sprawl::git
