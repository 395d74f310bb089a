// Read-only file mappings (mmap) for pack and index files.
#include "src/source/git/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace sprawl::git {

MappedFile::~MappedFile() {
  if (m_address) ::munmap(m_address, m_size);
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : m_address(std::exchange(other.m_address, nullptr)), m_size(std::exchange(other.m_size, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (m_address) ::munmap(m_address, m_size);
    m_address = std::exchange(other.m_address, nullptr);
    m_size = std::exchange(other.m_size, 0);
  }
  return *this;
}

Result<MappedFile> MappedFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{path + ": cannot open: " + std::strerror(errno)};
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return Error{path + ": not a regular file"};
  }
  MappedFile file;
  file.m_size = static_cast<std::size_t>(info.st_size);
  if (file.m_size > 0) {
    void* address = ::mmap(nullptr, file.m_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (address == MAP_FAILED) {
      const int error = errno;
      ::close(fd);
      file.m_size = 0;
      return Error{path + ": cannot map: " + std::strerror(error)};
    }
    file.m_address = address;
  }
  ::close(fd);
  return file;
}

}  // namespace sprawl::git
