// Image sources: a layout directory read file by file, or a tarball read with libarchive in two
// passes (metadata first, then every wanted layer in one front-to-back read).
#include "src/source/image/image_source.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

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
      source->m_names.insert(name);
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
                                    std::string& error) const override {
    std::set<std::string> wanted;
    for (const auto& location : locations) wanted.insert(normalise(location));
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
  std::string m_path;
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
                                    std::string&) const override {
    std::set<std::string> missing;
    for (const auto& location : locations) {
      std::error_code ec;
      const fs::path file = fs::path(m_root) / location;
      const auto size = escapes_root(location) ? 0 : fs::file_size(file, ec);
      std::FILE* in = escapes_root(location) || ec ? nullptr : std::fopen(file.c_str(), "rb");
      if (!in) {
        missing.insert(location);
        continue;
      }
      std::string buffer(1 << 20, '\0');
      reader(location, size, [&](std::string& error) -> std::string_view {
        const std::size_t got = std::fread(buffer.data(), 1, buffer.size(), in);
        if (got == 0 && std::ferror(in)) error = "read error";
        return {buffer.data(), got};
      });
      std::fclose(in);
    }
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

}  // namespace

bool has_image_prefix(const std::string& input) {
  for (const auto& t : kTransports)
    if (input.starts_with(t.prefix)) return true;
  return false;
}

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
    if (source->kind() != LayoutKind::none) return std::unique_ptr<ImageSource>(std::move(source));
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
  if ((*tarball)->kind() == LayoutKind::none) {
    if (explicit_image) return Error{"not an image tarball: no manifest.json or index.json with oci-layout"};
    return std::unique_ptr<ImageSource>();
  }
  return std::unique_ptr<ImageSource>(std::move(*tarball));
}

}  // namespace sprawl::image
