// ArchiveReader: opens archives and compressed streams by their content (libarchive) and hands
// each member's bytes to a visitor, within limits that stop decompression bombs. It only reads:
// nothing is ever extracted or written to disk, whatever the member names say.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace sprawl::archive {

/// Bounds on what one archive (or one image layer) may make sprawl read.
struct ArchiveLimits {
  std::uint64_t max_member_size = 25ull << 20;  ///< larger members are reported and not read
  std::uint64_t max_total_size = 8ull << 30;    ///< uncompressed bytes from one archive, all members
  std::uint64_t max_ratio = 200;                ///< uncompressed : compressed, enforced past ratio_floor
  std::uint64_t ratio_floor = 16ull << 20;      ///< output below this never counts as a bomb
  std::uint64_t max_entries = 1'000'000;        ///< entries (files, dirs, links) in one archive
};

/// The decompression-bomb message when `produced` uncompressed bytes out of `consumed` compressed
/// ones break the ratio limit (past its floor); empty when within it.
std::string ratio_exceeded(const ArchiveLimits& limits, std::uint64_t produced, std::uint64_t consumed);

/// What the first bytes of some content say it is; `none` for anything sprawl does not open.
enum class ArchiveFormat { none, tar, zip, gzip, bzip2, xz, zstd };
const char* to_string(ArchiveFormat format);

/// Sniffs `head` (the first bytes of the content; 512 are enough for tar's "ustar" magic).
ArchiveFormat sniff_archive(std::string_view head);

enum class EntryType { file, directory, symlink, hardlink, other };

struct ArchiveEntry {
  /// The member's name for display and matching: leading "./" and "/" removed, "//" collapsed.
  /// Empty for the single member of a plain compressed stream (a .gz that is not a tar).
  std::string path;
  EntryType type = EntryType::file;
  std::string link_target;  ///< for symlinks and hard links, as stored
  std::uint64_t size = 0;   ///< declared size of a regular file
  /// The stored name was absolute or had a ".." component (path traversal): reported as a note
  /// by the reader; the member is still scanned under its display name.
  bool unsafe_name = false;
};

class ArchiveVisitor {
 public:
  virtual ~ArchiveVisitor() = default;
  /// Each entry in archive order. For a regular file no larger than max_member_size, `content`
  /// holds the whole member (valid only during the call); otherwise it is empty. Return false to
  /// stop reading the archive.
  virtual bool entry(const ArchiveEntry& entry, std::string_view content) = 0;
  /// A problem with one member (`member` is its display name) or with the archive as a whole
  /// (`member` empty): corrupt or truncated data, a limit reached, an unsafe name, an encrypted
  /// or oversized member. `is_error`: content that should have been scanned was not.
  virtual void problem(const std::string& member, const std::string& message, bool is_error) = 0;
};

struct ArchiveSummary {
  ArchiveFormat format = ArchiveFormat::none;  ///< outermost format sniffed
  std::uint64_t entries = 0;                   ///< entries visited
  std::uint64_t bytes_out = 0;                 ///< uncompressed member bytes read
  bool complete = false;                       ///< read to the end without error or limit
  bool opened = false;                         ///< libarchive recognised the content at all
};

/// Reads the archive or compressed stream held in `bytes`.
ArchiveSummary read_archive(std::string_view bytes, const ArchiveLimits& limits, ArchiveVisitor& visitor);

/// The next block of a stream: a view valid until the next call; empty at the end. Set `error`
/// (and return empty) when the underlying source fails.
using BlockSource = std::function<std::string_view(std::string& error)>;

/// Reads an archive from a stream of blocks (a layer inside an image tarball) without holding
/// it in memory. `compressed_size` (0: unknown) is what the ratio limit compares against.
ArchiveSummary read_archive_stream(const BlockSource& source, std::uint64_t compressed_size,
                                   const ArchiveLimits& limits, ArchiveVisitor& visitor);

/// Reads an archive from a file on disk, streaming.
ArchiveSummary read_archive_file(const std::string& path, const ArchiveLimits& limits, ArchiveVisitor& visitor);

}  // namespace sprawl::archive
