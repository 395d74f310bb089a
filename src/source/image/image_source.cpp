// Image sources: a layout directory read file by file, or a tarball read with libarchive in two
// passes (metadata first, then every wanted layer in one front-to-back read).
#include "src/source/image/image_source.h"

#include <archive.h>
#include <archive_entry.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <thread>

#include <fmt/format.h>

namespace sprawl::image {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMaxMetadataSize = 4ull << 20;

struct Transport {
  std::string_view prefix;
  bool directory;
};
constexpr Transport kTransports[] = {{"oci:", true}, {"oci-archive:", false}, {"docker-archive:", false}};

std::string normalise(std::string_view name) {
  while (name.starts_with("./") || name.starts_with("/")) name.remove_prefix(name.front() == '/' ? 1 : 2);
  return std::string(name);
}

bool escapes_root(const std::string& path) {
  if (path.empty() || path.front() == '/') return true;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    if (path.compare(start, end - start, "..") == 0) return true;
    start = end + 1;
  }
  return false;
}

struct ArchiveFree {
  void operator()(::archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<::archive, ArchiveFree>;

ArchivePtr open_tarball(const std::string& path, std::string& error) {
  ArchivePtr a(archive_read_new());
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_all(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 20) != ARCHIVE_OK) {
    error = archive_error_string(a.get()) ? archive_error_string(a.get()) : "cannot open";
    return nullptr;
  }
  return a;
}

/// A stream over the data of the current entry of `a`.
archive::BlockSource entry_blocks(::archive* a) {
  return [a](std::string& error) -> std::string_view {
    for (;;) {
      const void* block = nullptr;
      std::size_t size = 0;
      la_int64_t offset = 0;
      const int status = archive_read_data_block(a, &block, &size, &offset);
      if (status == ARCHIVE_EOF) return {};
      if (status < ARCHIVE_WARN) {
        error = archive_error_string(a) ? archive_error_string(a) : "read error";
        return {};
      }
      if (size > 0) return {static_cast<const char*>(block), size};
    }
  };
}

/// Runs `work(i)` for i in [0, count) on up to `threads` threads.
void run_parallel(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& work) {
  std::atomic<std::size_t> next{0};
  auto loop = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < count;) work(i);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < std::min<std::size_t>(threads, count); ++t) pool.emplace_back(loop);
  loop();
  for (auto& thread : pool) thread.join();
}

/// A stream over `size` bytes at `offset` of an open file, read with pread.
archive::BlockSource file_range_blocks(int fd, std::uint64_t offset, std::uint64_t size, std::string& buffer) {
  return [fd, offset, size, &buffer, done = std::uint64_t{0}](std::string& error) mutable -> std::string_view {
    if (done >= size) return {};
    buffer.resize(1 << 20);
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size - done));
    const ssize_t got = ::pread(fd, buffer.data(), want, static_cast<off_t>(offset + done));
    if (got <= 0) {
      error = got == 0 ? "unexpected end of file" : std::strerror(errno);
      return {};
    }
    done += static_cast<std::uint64_t>(got);
    return {buffer.data(), static_cast<std::size_t>(got)};
  };
}

class TarballSource : public ImageSource {
 public:
  /// First pass: every entry's name, and the bytes of those that may be metadata.
  static Result<std::unique_ptr<TarballSource>> open(const std::string& path) {
    std::string error;
    ArchivePtr a = open_tarball(path, error);
    if (!a) return Error{fmt::format("cannot open: {}", error)};
    auto source = std::unique_ptr<TarballSource>(new TarballSource(path));
    archive_entry* entry = nullptr;
    int status;
    while ((status = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK || status == ARCHIVE_WARN) {
      const std::string name = normalise(archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "");
      const std::uint64_t size = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : 0;
      // Image files sit at most three levels down (blobs/sha256/<hex>, <id>/layer.tar): deeper
      // entries of a tarball that is not an image are not remembered.
      if (std::count(name.begin(), name.end(), '/') > 2) continue;
      source->m_names.insert(name);
      // Without a compression filter, a member's data sits at a fixed offset of the file: layers
      // can then be read in parallel.
      if (archive_filter_count(a.get()) == 1 && archive_entry_filetype(entry) == AE_IFREG)
        source->m_members.emplace(name, Member{static_cast<std::uint64_t>(archive_filter_bytes(a.get(), -1)), size});
      if (archive_entry_filetype(entry) == AE_IFREG && size <= kMaxMetadataSize && is_metadata_candidate(name, size)) {
        std::string bytes(size, '\0');
        const la_ssize_t got = archive_read_data(a.get(), bytes.data(), bytes.size());
        if (got < 0) break;
        bytes.resize(static_cast<std::size_t>(got));
        source->m_files.emplace(name, std::move(bytes));
      }
    }
    if (status != ARCHIVE_EOF) {
      if (source->m_names.empty()) return Error{fmt::format("not a readable tar: {}", archive_error_string(a.get()))};
      source->m_damage = fmt::format("corrupt or truncated tarball after {} entries: {}", source->m_names.size(),
                                     archive_error_string(a.get()) ? archive_error_string(a.get()) : "read error");
    }
    source->m_kind = detect_layout([&](const std::string& name) { return source->m_names.count(name) > 0; });
    return source;
  }

  std::string damage() const override { return m_damage; }

  std::optional<std::string> lookup(const std::string& path) const override {
    auto it = m_files.find(normalise(path));
    if (it == m_files.end()) return std::nullopt;
    return it->second;
  }

  std::set<std::string> read_layers(const std::set<std::string>& locations, const LayerReader& reader,
                                    unsigned readers, std::string& error) const override {
    std::set<std::string> wanted;
    for (const auto& location : locations) wanted.insert(normalise(location));
    if (!m_members.empty()) return read_by_offset(wanted, reader, readers, error);
    ArchivePtr a = open_tarball(m_path, error);
    if (!a) return wanted;
    archive_entry* entry = nullptr;
    int status;
    while (!wanted.empty() &&
           ((status = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK || status == ARCHIVE_WARN)) {
      const std::string name = normalise(archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "");
      auto it = wanted.find(name);
      if (it == wanted.end() || archive_entry_filetype(entry) != AE_IFREG) continue;
      wanted.erase(it);
      reader(name, archive_entry_size_is_set(entry) ? archive_entry_size(entry) : 0, entry_blocks(a.get()));
    }
    if (!wanted.empty() && status != ARCHIVE_EOF)
      error = archive_error_string(a.get()) ? archive_error_string(a.get()) : "read error";
    return wanted;
  }

 private:
  explicit TarballSource(std::string path) : m_path(std::move(path)) {}

  std::set<std::string> read_by_offset(std::set<std::string> wanted, const LayerReader& reader, unsigned readers,
                                       std::string& error) const {
    const int fd = ::open(m_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      error = std::strerror(errno);
      return wanted;
    }
    std::vector<std::pair<std::string, Member>> found;
    for (auto it = wanted.begin(); it != wanted.end();) {
      auto member = m_members.find(*it);
      if (member == m_members.end()) {
        ++it;
        continue;
      }
      found.emplace_back(*it, member->second);
      it = wanted.erase(it);
    }
    run_parallel(found.size(), readers, [&](std::size_t i) {
      std::string buffer;
      reader(found[i].first, found[i].second.size,
             file_range_blocks(fd, found[i].second.offset, found[i].second.size, buffer));
    });
    ::close(fd);
    return wanted;
  }

  struct Member {
    std::uint64_t offset = 0, size = 0;
  };
  std::string m_path;
  std::map<std::string, Member> m_members;
  std::set<std::string> m_names;
  std::map<std::string, std::string> m_files;
  std::string m_damage;
};

class DirectorySource : public ImageSource {
 public:
  explicit DirectorySource(std::string root) : m_root(std::move(root)) {
    m_kind = detect_layout([&](const std::string& name) {
      std::error_code ec;
      return fs::is_regular_file(fs::path(m_root) / name, ec);
    });
  }

  std::optional<std::string> lookup(const std::string& path) const override {
    if (escapes_root(path)) return std::nullopt;
    std::error_code ec;
    const fs::path file = fs::path(m_root) / path;
    const auto size = fs::file_size(file, ec);
    if (ec || size > kMaxMetadataSize) return std::nullopt;
    std::ifstream in(file, std::ios::binary);
    std::string bytes(size, '\0');
    if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) return std::nullopt;
    return bytes;
  }

  std::set<std::string> read_layers(const std::set<std::string>& locations, const LayerReader& reader,
                                    unsigned readers, std::string&) const override {
    const std::vector<std::string> all(locations.begin(), locations.end());
    std::vector<char> absent(all.size(), 0);
    run_parallel(all.size(), readers, [&](std::size_t i) {
      std::error_code ec;
      const fs::path file = fs::path(m_root) / all[i];
      const auto size = escapes_root(all[i]) ? 0 : fs::file_size(file, ec);
      const int fd = escapes_root(all[i]) || ec ? -1 : ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        absent[i] = 1;
        return;
      }
      std::string buffer;
      reader(all[i], size, file_range_blocks(fd, 0, size, buffer));
      ::close(fd);
    });
    std::set<std::string> missing;
    for (std::size_t i = 0; i < all.size(); ++i)
      if (absent[i]) missing.insert(all[i]);
    return missing;
  }

 private:
  std::string m_root;
};

bool looks_like_tarball(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(512, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  const archive::ArchiveFormat format = archive::sniff_archive(head);
  return format == archive::ArchiveFormat::tar || format == archive::ArchiveFormat::gzip ||
         format == archive::ArchiveFormat::zstd || format == archive::ArchiveFormat::xz ||
         format == archive::ArchiveFormat::bzip2;
}

/// Whether a source that has a top-level manifest.json really is a `docker save` image: web
/// apps and browser extensions have a manifest.json too. Docker's is an array of objects with
/// "Config" and "Layers".
bool holds_docker_manifest(const ImageSource& source) {
  if (source.kind() != LayoutKind::docker_save) return true;
  const std::optional<std::string> text = source.lookup("manifest.json");
  if (!text) return false;
  const std::size_t first = text->find_first_not_of(" \t\r\n");
  return first != std::string::npos && (*text)[first] == '[' && text->find("\"Layers\"") != std::string::npos &&
         text->find("\"Config\"") != std::string::npos;
}

}  // namespace

Result<std::unique_ptr<ImageSource>> open_image(const std::string& input) {
  std::string path = input;
  bool explicit_image = false;
  for (const auto& t : kTransports) {
    if (!input.starts_with(t.prefix)) continue;
    path = input.substr(t.prefix.size());
    explicit_image = true;
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    auto source = std::make_unique<DirectorySource>(path);
    if (source->kind() != LayoutKind::none && (explicit_image || holds_docker_manifest(*source)))
      return std::unique_ptr<ImageSource>(std::move(source));
    if (explicit_image) return Error{"not an image layout: no index.json with oci-layout, or manifest.json"};
    return std::unique_ptr<ImageSource>();
  }
  if (!fs::is_regular_file(path, ec)) {
    if (explicit_image) return Error{"no such image file or directory"};
    return std::unique_ptr<ImageSource>();
  }
  if (!explicit_image && !looks_like_tarball(path)) return std::unique_ptr<ImageSource>();
  auto tarball = TarballSource::open(path);
  if (!tarball) {
    if (explicit_image) return tarball.error();
    return std::unique_ptr<ImageSource>();
  }
  if ((*tarball)->kind() == LayoutKind::none || (!explicit_image && !holds_docker_manifest(**tarball))) {
    if (explicit_image) return Error{"not an image tarball: no manifest.json or index.json with oci-layout"};
    return std::unique_ptr<ImageSource>();
  }
  return std::unique_ptr<ImageSource>(std::move(*tarball));
}

}  // namespace sprawl::image
