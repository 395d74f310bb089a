// POSIX reads into a caller-owned buffer: one allocation per worker, reused for every file.
#include "src/source/file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace sprawl {
namespace {

// Reads fd to EOF; reading one byte past max_size tells "too large" without a stat race.
ReadOutcome read_fd(int fd, std::uint64_t max_size, std::string& buffer, std::size_t size_hint) {
  ReadOutcome outcome;
  buffer.resize(std::max<std::size_t>(size_hint + 1, 4096));
  std::size_t used = 0;
  for (;;) {
    if (used == buffer.size()) {
      if (used > max_size) break;
      buffer.resize(std::min<std::size_t>(buffer.size() * 2, max_size + 1));
      if (used == buffer.size()) break;
    }
    const ssize_t n = ::read(fd, buffer.data() + used, buffer.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      outcome.status = ReadStatus::error;
      outcome.message = std::strerror(errno);
      buffer.clear();
      return outcome;
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used > max_size) {
    outcome.status = ReadStatus::too_large;
    outcome.size = used;
    buffer.clear();
    return outcome;
  }
  buffer.resize(used);
  outcome.size = used;
  return outcome;
}

}  // namespace

ReadOutcome read_file(const std::string& path, std::uint64_t max_size, std::string& buffer) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return {ReadStatus::error, 0, std::strerror(errno)};
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return {ReadStatus::error, 0, "not a regular file"};
  }
  if (static_cast<std::uint64_t>(info.st_size) > max_size) {
    ::close(fd);
    return {ReadStatus::too_large, static_cast<std::uint64_t>(info.st_size), {}};
  }
  ReadOutcome outcome = read_fd(fd, max_size, buffer, static_cast<std::size_t>(info.st_size));
  ::close(fd);
  return outcome;
}

ReadOutcome read_stdin(std::uint64_t max_size, std::string& buffer) { return read_fd(0, max_size, buffer, 1 << 16); }

}  // namespace sprawl
