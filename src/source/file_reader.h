// Reads one input (a regular file or stdin) into a reusable buffer, bounded by a size limit.
#pragma once

#include <cstdint>
#include <string>

namespace sprawl {

enum class ReadStatus { ok, too_large, error };

struct ReadOutcome {
  ReadStatus status = ReadStatus::ok;
  std::uint64_t size = 0;  ///< bytes read, or the file's size when too large
  std::string message;     ///< why it failed (no path: the caller names the input)
};

/// Reads the file at `path` into `buffer` (resized to the content).
ReadOutcome read_file(const std::string& path, std::uint64_t max_size, std::string& buffer);

/// Reads standard input to its end into `buffer`.
ReadOutcome read_stdin(std::uint64_t max_size, std::string& buffer);

}  // namespace sprawl
