// The filesystem source: expands command-line inputs (files, directories, "-") into the list of
// files to read, reporting every input it cannot or will not read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sprawl {

/// One file to scan.
struct InputFile {
  std::string path;           ///< to open
  std::string display_path;   ///< to show: the argument joined with the path below it
  std::string relative_path;  ///< below the argument; what allow-list paths are matched against
  bool is_stdin = false;
};

/// Something about an input the user should know. Errors make the scan's exit code 2 when
/// nothing was found; notes (skipped special files, odd names) do not.
struct InputDiagnostic {
  std::string path;
  std::string message;
  bool is_error = true;
};

class WalkSink {
 public:
  virtual ~WalkSink() = default;
  virtual void file(InputFile file) = 0;
  virtual void diagnostic(InputDiagnostic diagnostic) = 0;
};

/// Walks `inputs` in order. Directories are followed through symlinks, with loops detected;
/// inside a `.git` directory the object store is left to the git source.
void walk_inputs(const std::vector<std::string>& inputs, WalkSink& sink);

/// `name` with bytes that are not valid UTF-8 written as \xNN.
std::string printable_path(const std::string& name);

}  // namespace sprawl
