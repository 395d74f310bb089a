// TempDir: a scratch directory for one test, removed with everything in it afterwards.
#pragma once

#include <string>

namespace sprawl::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return m_path; }
  /// Absolute path of `relative` inside the directory.
  std::string operator/(const std::string& relative) const { return m_path + "/" + relative; }
  /// Writes `content` to `relative`, creating parent directories.
  std::string write(const std::string& relative, const std::string& content) const;

 private:
  std::string m_path;
};

/// Reads a whole file (empty if it cannot be read).
std::string read_text(const std::string& path);

}  // namespace sprawl::test
