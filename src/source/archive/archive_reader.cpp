// ArchiveReader: libarchive behind sprawl's archive interface. Sniffs formats, reads members into a
// reused buffer within ArchiveLimits, and turns libarchive's errors into visitor problems.
#include "src/source/archive/archive_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <locale.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

namespace sprawl::archive {
namespace {

constexpr std::size_t kSniffBytes = 512;
constexpr std::size_t kFileBlockSize = 128 * 1024;
constexpr std::uint64_t kMaxHeaderRetries = 1 << 16;  // 32 MiB of tar blocks searched for a header
constexpr const char* kUnsafeNameNote =
    "unsafe member name (absolute or '..'): scanned under its name, never extracted";

// ---- Sniffing ---------------------------------------------------------------------------------

bool has_prefix(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

/// A tar numeric field: optional leading spaces, at least one octal digit, then spaces or NULs.
std::optional<std::uint64_t> parse_tar_octal(std::string_view field) {
  std::size_t i = field.find_first_not_of(' ');
  if (i == std::string_view::npos) return std::nullopt;
  const std::size_t digits = i;
  std::uint64_t value = 0;
  for (; i < field.size() && field[i] >= '0' && field[i] <= '7'; ++i) value = value * 8 + (field[i] - '0');
  if (i == digits) return std::nullopt;
  for (; i < field.size(); ++i) {
    if (field[i] != ' ' && field[i] != '\0') return std::nullopt;
  }
  return value;
}

/// A pre-POSIX (v7) tar header carries no magic: it is accepted only if its checksum adds up.
bool is_v7_tar_header(std::string_view head) {
  if (head.size() < 512 || head[0] == '\0') return false;
  const char type = head[156];
  if (type != '\0' && (type < '0' || type > '7')) return false;
  const auto stored = parse_tar_octal(head.substr(148, 8));
  if (!stored || !parse_tar_octal(head.substr(124, 12))) return false;
  std::uint64_t sum = 8 * static_cast<unsigned>(' ');  // the checksum field counts as spaces
  for (std::size_t i = 0; i < 512; ++i) {
    if (i < 148 || i >= 156) sum += static_cast<unsigned char>(head[i]);
  }
  return sum == *stored;
}

/// "BZh" + block size digit, then (when present) a block or end-of-stream magic.
bool is_bzip2(std::string_view head) {
  if (head.size() < 4 || !has_prefix(head, "BZh") || head[3] < '1' || head[3] > '9') return false;
  if (head.size() < 10) return true;
  const std::string_view magic = head.substr(4, 6);
  return magic == "\x31\x41\x59\x26\x53\x59" || magic == "\x17\x72\x45\x38\x50\x90";
}

// ---- Names ------------------------------------------------------------------------------------

bool is_separator(char c) { return c == '/' || c == '\\'; }

/// Absolute (including "C:\" style) or with a ".." component ('\\' counts as a separator too).
bool is_unsafe_name(std::string_view name) {
  if (name.empty()) return false;
  if (is_separator(name[0])) return true;
  const auto first = static_cast<unsigned char>(name[0]);
  if (name.size() >= 2 && name[1] == ':' && ((first | 0x20) >= 'a' && (first | 0x20) <= 'z')) return true;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = start;
    while (end < name.size() && !is_separator(name[end])) ++end;
    if (name.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

/// Leading "./" and "/" removed, runs of '/' collapsed; every other byte kept as stored.
std::string display_path(std::string_view stored) {
  std::size_t i = 0;
  while (i < stored.size()) {
    if (stored[i] == '/') {
      ++i;
    } else if (stored.substr(i, 2) == "./") {
      i += 2;
    } else {
      break;
    }
  }
  std::string path;
  path.reserve(stored.size() - i);
  for (; i < stored.size(); ++i) {
    if (stored[i] == '/' && !path.empty() && path.back() == '/') continue;
    path += stored[i];
  }
  if (path.empty() && !stored.empty()) return std::string(1, '.');  // "./" or "/": the root directory
  return path;
}

std::string_view entry_text(const char* text) { return text ? std::string_view(text) : std::string_view(); }

EntryType entry_type(archive_entry* raw) {
  if (archive_entry_hardlink(raw) != nullptr) return EntryType::hardlink;
  const auto type = archive_entry_filetype(raw);
  if (type == 0 || type == AE_IFREG) return EntryType::file;
  if (type == AE_IFDIR) return EntryType::directory;
  return type == AE_IFLNK ? EntryType::symlink : EntryType::other;
}

/// The member as the visitor sees it; a single compressed stream has no name.
ArchiveEntry describe(archive_entry* raw, bool single_stream) {
  ArchiveEntry entry;
  entry.type = entry_type(raw);
  if (!single_stream) {
    const char* name = archive_entry_pathname(raw);
    if (name == nullptr) name = archive_entry_pathname_utf8(raw);
    entry.path = display_path(entry_text(name));
    entry.unsafe_name = is_unsafe_name(entry_text(name));
  }
  if (entry.type == EntryType::hardlink) entry.link_target = entry_text(archive_entry_hardlink(raw));
  if (entry.type == EntryType::symlink) entry.link_target = entry_text(archive_entry_symlink(raw));
  if (entry.type == EntryType::file && archive_entry_size_is_set(raw) && archive_entry_size(raw) > 0) {
    entry.size = static_cast<std::uint64_t>(archive_entry_size(raw));
  }
  return entry;
}

// ---- libarchive handles -----------------------------------------------------------------------

/// libarchive converts member names to the calling thread's locale charset; in the C locale a
/// UTF-8 name (zip, pax) cannot be converted and comes back NULL. This switches the calling
/// thread (only) to C.UTF-8 for one read, so names arrive as their stored bytes.
class Utf8NamesScope {
 public:
  Utf8NamesScope() {
    static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    if (utf8 != static_cast<locale_t>(nullptr)) previous_ = uselocale(utf8);
  }
  ~Utf8NamesScope() {
    if (previous_ != static_cast<locale_t>(nullptr)) uselocale(previous_);
  }
  Utf8NamesScope(const Utf8NamesScope&) = delete;
  Utf8NamesScope& operator=(const Utf8NamesScope&) = delete;

 private:
  locale_t previous_ = static_cast<locale_t>(nullptr);
};

struct ArchiveFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveFree>;

enum class Access { seekable, streaming };
enum class Formats { archives, plain_stream };

/// tar (ustar, pax, GNU, v7) and zip, over any in-library decompression filter (no filter that
/// runs an external program). Raw bids lowest: it only wins for a compressed non-archive.
/// `plain_stream`: raw only, for content that must be read as one compressed stream.
ArchivePtr new_reader(Access access, Formats formats) {
  ArchivePtr a(archive_read_new());
  if (!a) return a;
  struct archive* r = a.get();
  if (formats == Formats::archives) {
    archive_read_support_format_tar(r);
    if (access == Access::seekable) {
      archive_read_support_format_zip(r);  // the central-directory reader when seekable, else streaming
    } else {
      archive_read_support_format_zip_streamable(r);
    }
  }
  archive_read_support_format_empty(r);
  archive_read_support_format_raw(r);
  // Not lzma-alone (.lzma): rare, and liblzma reserves whatever dictionary its header declares
  // (up to 4 GiB). xz caps it at 1.5 GiB, lzip at 512 MiB.
  for (auto* add : {archive_read_support_filter_gzip, archive_read_support_filter_bzip2, archive_read_support_filter_xz,
                    archive_read_support_filter_zstd, archive_read_support_filter_lzip, archive_read_support_filter_lz4,
                    archive_read_support_filter_compress}) {
    add(r);
  }
  return a;
}

/// Opens a fresh reader on the same content (archive_read_open_memory, _fd, a callback).
using Opener = std::function<int(struct archive*)>;

/// A reader opened on the content, with its first header read.
struct Opened {
  ArchivePtr a;
  int open_result = ARCHIVE_FATAL;
  int first = ARCHIVE_FATAL;
  archive_entry* raw = nullptr;
  int format = 0;  ///< libarchive's format code, without the variant bits
};

Opened open_reader(Access access, Formats formats, const Opener& open) {
  Opened opened;
  opened.a = new_reader(access, formats);
  if (!opened.a) return opened;
  opened.open_result = open(opened.a.get());
  if (opened.open_result < ARCHIVE_WARN) return opened;
  opened.first = archive_read_next_header(opened.a.get(), &opened.raw);
  opened.format = archive_format(opened.a.get()) & ARCHIVE_FORMAT_BASE_MASK;
  return opened;
}

std::string error_text(struct archive* a) {
  const char* text = archive_error_string(a);
  return text ? text : "unknown error";
}

std::uint64_t non_negative(la_int64_t value) { return value > 0 ? static_cast<std::uint64_t>(value) : 0; }

/// The format libarchive found, for content whose first bytes sniff_archive did not recognise.
ArchiveFormat detected_format(struct archive* a) {
  static constexpr std::pair<int, ArchiveFormat> kKnown[] = {
      {ARCHIVE_FILTER_GZIP, ArchiveFormat::gzip},
      {ARCHIVE_FILTER_BZIP2, ArchiveFormat::bzip2},
      {ARCHIVE_FILTER_XZ, ArchiveFormat::xz},
      {ARCHIVE_FILTER_ZSTD, ArchiveFormat::zstd},
  };
  const int filters = archive_filter_count(a);
  if (filters > 1) {
    const int outermost = archive_filter_code(a, filters - 2);
    for (const auto& [code, format] : kKnown) {
      if (code == outermost) return format;
    }
    return ArchiveFormat::none;
  }
  const int format = archive_format(a) & ARCHIVE_FORMAT_BASE_MASK;
  if (format == ARCHIVE_FORMAT_TAR) return ArchiveFormat::tar;
  return format == ARCHIVE_FORMAT_ZIP ? ArchiveFormat::zip : ArchiveFormat::none;
}

// ---- One read -------------------------------------------------------------------------------

/// What one read shares: the archive, the limits, the visitor and the running summary.
class Session {
 public:
  Session(const ArchiveLimits& limits, ArchiveVisitor& visitor, ArchiveFormat sniffed, std::uint64_t compressed_size,
          const std::string* source_error)
      : limits_(limits), visitor_(visitor), compressed_size_(compressed_size), source_error_(source_error) {
    summary_.format = sniffed;
  }

  /// Opens the content with `open` and reads every entry. `rewindable`: `open` may be called again.
  ArchiveSummary run(Access access, const Opener& open, bool rewindable);

  /// Gives up before libarchive saw the content; `always`: report even if nothing was sniffed.
  ArchiveSummary unopened(const std::string& reason, bool always) {
    if (summary_.format != ArchiveFormat::none) {
      problem("", fmt::format("cannot open as {}: {}", to_string(summary_.format), reason));
    } else if (always) {
      problem("", "cannot open: " + reason);
    }
    return summary_;
  }

 private:
  enum class Read { done, oversize, failed, stop };

  void read_entries(int result, archive_entry* raw);
  bool skip_damage(std::uint64_t retries);
  bool visit(archive_entry* raw);
  bool visit_file(ArchiveEntry& entry, archive_entry* raw);
  void visit_empty_stream();
  Read read_member(const ArchiveEntry& entry, bool size_known, std::string_view& content);
  void place(const void* block, std::size_t length, std::uint64_t offset);
  Read member_failure(const std::string& member, int result);
  bool skip_member(const std::string& member, bool size_known);
  bool drain(const std::string& member);
  bool count_output(std::size_t length);
  bool within_ratio();
  void report_oversize(const std::string& member, const std::string& sizes);
  void report_corrupt(const std::string& member);
  void problem(const std::string& member, const std::string& message) { visitor_.problem(member, message, true); }
  bool emit(const ArchiveEntry& entry, std::string_view content) {
    ++summary_.entries;
    return visitor_.entry(entry, content);
  }

  const ArchiveLimits& limits_;
  ArchiveVisitor& visitor_;
  const std::uint64_t compressed_size_;  ///< 0: judge the ratio by the raw bytes consumed so far
  const std::string* source_error_;      ///< a stream source's error, if any
  struct archive* a_ = nullptr;
  bool single_stream_ = false;  ///< a plain compressed stream (raw format): one unnamed member
  bool damaged_ = false;        ///< a damaged header was skipped: the read is not complete
  std::uint64_t headers_ = 0;   ///< entries met, visited or not (the entry limit counts these)
  ArchiveSummary summary_;
  std::string buffer_;  ///< a member's content when libarchive hands it over in pieces
};

ArchiveSummary Session::run(Access access, const Opener& open, bool rewindable) {
  Opened opened = open_reader(access, Formats::archives, open);
  // libarchive's tar reader takes a leading block of zeros for an empty archive; content that
  // merely starts with zeros (a compressed disk image, say) is read again as a plain stream.
  if (rewindable && opened.first == ARCHIVE_EOF && opened.format == ARCHIVE_FORMAT_TAR) {
    opened.a.reset();
    opened = open_reader(access, Formats::plain_stream, open);
  }
  if (!opened.a) return unopened("out of memory", false);
  a_ = opened.a.get();
  if (source_error_ != nullptr && !source_error_->empty() && opened.first != ARCHIVE_OK) {
    return unopened("cannot read the stream: " + *source_error_, true);
  }
  if (opened.open_result < ARCHIVE_WARN) return unopened(error_text(a_), false);
  single_stream_ = opened.format == ARCHIVE_FORMAT_RAW || opened.format == ARCHIVE_FORMAT_EMPTY;
  if (single_stream_ && archive_filter_count(a_) <= 1) return unopened("not a tar or zip archive", false);
  summary_.opened = true;
  if (summary_.format == ArchiveFormat::none) summary_.format = detected_format(a_);
  if (opened.format == ARCHIVE_FORMAT_EMPTY && opened.first == ARCHIVE_EOF) {
    visit_empty_stream();
  } else {
    read_entries(opened.first, opened.raw);
  }
  return summary_;
}

void Session::read_entries(int result, archive_entry* raw) {
  std::uint64_t retries = 0;
  for (;; result = archive_read_next_header(a_, &raw)) {
    if (result == ARCHIVE_RETRY) {  // a damaged header: libarchive scans on for the next one
      if (!skip_damage(++retries)) return;
      continue;
    }
    retries = 0;
    if (result == ARCHIVE_EOF) {
      summary_.complete = !damaged_;
      return;
    }
    if (result < ARCHIVE_WARN) {  // a warning (a name libarchive could not convert) is read on
      report_corrupt("");
      return;
    }
    if (!visit(raw)) return;
  }
}

/// One step of libarchive's search past a damaged header (512 bytes of tar each): reported once
/// per damaged stretch, bounded in length and by the ratio limit.
bool Session::skip_damage(std::uint64_t retries) {
  damaged_ = true;
  if (retries == 1) problem("", "corrupt or truncated archive: " + error_text(a_) + " (looking for the next member)");
  if (retries > kMaxHeaderRetries) {
    problem("", fmt::format("no readable member in {} blocks after a damaged header: stopped", kMaxHeaderRetries));
    return false;
  }
  return within_ratio();
}

bool Session::visit(archive_entry* raw) {
  if (headers_ >= limits_.max_entries) {
    problem("", fmt::format("more than {} entries: stopped reading (archive limit, raise with --archive-max-entries)",
                            limits_.max_entries));
    return false;
  }
  if (!within_ratio()) return false;
  ++headers_;
  ArchiveEntry entry = describe(raw, single_stream_);
  if (entry.unsafe_name) visitor_.problem(entry.path, kUnsafeNameNote, false);
  if (entry.type != EntryType::file) return emit(entry, {}) && drain(entry.path);
  return visit_file(entry, raw);
}

bool Session::visit_file(ArchiveEntry& entry, archive_entry* raw) {
  if (archive_entry_is_data_encrypted(raw)) {
    visitor_.problem(entry.path, "encrypted, not scanned", false);
    if (!emit(entry, {})) return false;
    if (archive_read_data_skip(a_) >= ARCHIVE_WARN) return true;
    report_corrupt(entry.path);
    return false;
  }
  const bool size_known = archive_entry_size_is_set(raw) != 0 && archive_entry_size(raw) >= 0;
  if (size_known && entry.size > limits_.max_member_size) {
    report_oversize(entry.path, fmt::format("{} > {}", entry.size, limits_.max_member_size));
    return emit(entry, {}) && skip_member(entry.path, true);
  }
  std::string_view content;
  switch (read_member(entry, size_known, content)) {
    case Read::done:
      if (!size_known) entry.size = content.size();
      return emit(entry, content) && drain(entry.path);
    case Read::oversize:
      report_oversize(entry.path,
                      fmt::format("at least {} > {}", limits_.max_member_size + 1, limits_.max_member_size));
      return emit(entry, {}) && skip_member(entry.path, false);
    case Read::failed:
      return emit(entry, {});
    case Read::stop:
      break;
  }
  return false;
}

/// A compressed stream that decompresses to nothing: one empty member, like any other stream.
void Session::visit_empty_stream() {
  if (limits_.max_entries == 0) {
    problem("", "more than 0 entries: stopped reading (archive limit, raise with --archive-max-entries)");
    return;
  }
  summary_.complete = emit(ArchiveEntry{}, {});
}

/// The whole member, or `oversize` once it passes max_member_size. A member that arrives as one
/// block (any member of an uncompressed tar or stored zip in memory) is passed without a copy.
Session::Read Session::read_member(const ArchiveEntry& entry, bool size_known, std::string_view& content) {
  buffer_.clear();
  if (size_known) buffer_.reserve(entry.size);
  bool warned = false;
  for (bool first = true;; first = false) {
    const void* block = nullptr;
    std::size_t length = 0;
    la_int64_t offset = 0;
    const int result = archive_read_data_block(a_, &block, &length, &offset);
    if (result == ARCHIVE_EOF) break;
    if (result < ARCHIVE_WARN || result == ARCHIVE_RETRY) return member_failure(entry.path, result);
    if (result == ARCHIVE_WARN && !warned) {
      visitor_.problem(entry.path, error_text(a_), false);
      warned = true;
    }
    if (!count_output(length)) return Read::stop;
    if (offset < 0 || static_cast<std::uint64_t>(offset) + length > limits_.max_member_size) return Read::oversize;
    if (first && offset == 0 && size_known && length == entry.size) {
      content = std::string_view(static_cast<const char*>(block), length);
      return Read::done;
    }
    place(block, length, static_cast<std::uint64_t>(offset));
  }
  // A sparse member may end in a hole that no block covers.
  if (size_known && buffer_.size() < entry.size) buffer_.resize(entry.size, '\0');
  content = buffer_;
  return Read::done;
}

/// Puts a block at its offset; holes between blocks (sparse members) read as zeros.
void Session::place(const void* block, std::size_t length, std::uint64_t offset) {
  if (offset == buffer_.size()) {
    buffer_.append(static_cast<const char*>(block), length);
    return;
  }
  if (buffer_.size() < offset + length) buffer_.resize(offset + length, '\0');
  if (length != 0) std::memcpy(buffer_.data() + offset, block, length);
}

Session::Read Session::member_failure(const std::string& member, int result) {
  if (result == ARCHIVE_FAILED || result == ARCHIVE_RETRY) {  // this member only (say, an unsupported method)
    problem(member, "cannot read member: " + error_text(a_));
    return Read::failed;
  }
  report_corrupt(member);
  return Read::stop;
}

/// Passes over the rest of an oversized member. Uncompressed input is skipped without reading;
/// compressed input is decompressed block by block so that the limits still apply.
bool Session::skip_member(const std::string& member, bool size_known) {
  if (single_stream_) {  // nothing follows the one member of a plain compressed stream
    summary_.complete = true;
    return false;
  }
  if (!size_known || archive_filter_count(a_) > 1) return drain(member);
  if (archive_read_data_skip(a_) >= ARCHIVE_WARN) return true;
  report_corrupt(member);
  return false;
}

/// Reads and discards what is left of the current member (usually nothing), within the limits.
bool Session::drain(const std::string& member) {
  for (;;) {
    const void* block = nullptr;
    std::size_t length = 0;
    la_int64_t offset = 0;
    const int result = archive_read_data_block(a_, &block, &length, &offset);
    if (result == ARCHIVE_EOF) return true;
    if (result < ARCHIVE_WARN || result == ARCHIVE_RETRY) return member_failure(member, result) != Read::stop;
    if (!count_output(length)) return false;
  }
}

bool Session::count_output(std::size_t length) {
  summary_.bytes_out += length;
  if (summary_.bytes_out > limits_.max_total_size) {
    problem("", fmt::format("more than {} bytes uncompressed: stopped reading (archive limit, raise with "
                            "--archive-max-size)",
                            limits_.max_total_size));
    return false;
  }
  return within_ratio();
}

/// Output (member bytes, or everything the format reader consumed, headers included) against the
/// compressed size: the whole input when known, else the raw bytes read so far.
bool Session::within_ratio() {
  const std::uint64_t produced = std::max(summary_.bytes_out, non_negative(archive_filter_bytes(a_, 0)));
  if (produced <= limits_.ratio_floor) return true;
  const std::uint64_t consumed = compressed_size_ != 0 ? compressed_size_ : non_negative(archive_filter_bytes(a_, -1));
  const std::string bomb = ratio_exceeded(limits_, produced, consumed);
  if (bomb.empty()) return true;
  problem("", bomb);
  return false;
}

// A note, as for a file over --max-file-size: a size policy, not damage.
void Session::report_oversize(const std::string& member, const std::string& sizes) {
  visitor_.problem(
      member, fmt::format("larger than the member size limit ({} bytes), not scanned (raise with --max-file-size)", sizes),
      false);
}

void Session::report_corrupt(const std::string& member) {
  if (source_error_ != nullptr && !source_error_->empty()) {
    problem(member, "cannot read the archive: " + *source_error_);
  } else {
    problem(member, "corrupt or truncated archive: " + error_text(a_));
  }
}

// ---- Sources ----------------------------------------------------------------------------------

/// A BlockSource seen through libarchive's read callback; the first block is pulled early (to
/// sniff it) and handed over first.
struct StreamSource {
  const BlockSource& next;
  std::string_view first;
  bool first_pending = true;
  std::string error;

  std::string_view pull() {
    try {
      return next(error);
    } catch (const std::exception& e) {
      error = *e.what() ? e.what() : "exception in the block source";
    } catch (...) {
      error = "exception in the block source";
    }
    return {};
  }
};

la_ssize_t read_stream_block(struct archive* a, void* data, const void** block) {
  auto& stream = *static_cast<StreamSource*>(data);
  std::string_view view;
  if (stream.first_pending) {
    stream.first_pending = false;
    view = stream.first;
  } else if (stream.error.empty()) {
    view = stream.pull();
  }
  if (!stream.error.empty()) {
    archive_set_error(a, EIO, "%s", stream.error.c_str());
    return -1;
  }
  *block = view.data();
  return static_cast<la_ssize_t>(view.size());
}

/// A regular file opened for reading, closed on scope exit, with its size and first bytes.
struct OpenFile {
  explicit OpenFile(const std::string& path) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is then refused below).
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat info {};
    if (fd < 0 || ::fstat(fd, &info) != 0) {
      error = std::error_code(errno, std::generic_category()).message();
    } else if (!S_ISREG(info.st_mode)) {
      error = "not a regular file";
    } else {
      size = static_cast<std::uint64_t>(info.st_size);
      const ssize_t got = ::pread(fd, head_bytes.data(), head_bytes.size(), 0);
      head = std::string_view(head_bytes.data(), got > 0 ? static_cast<std::size_t>(got) : 0);
    }
  }
  ~OpenFile() {
    if (fd >= 0) ::close(fd);
  }
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;

  int fd = -1;
  std::string error;  ///< why the file cannot be read; empty if it can
  std::uint64_t size = 0;
  std::array<char, kSniffBytes> head_bytes{};
  std::string_view head;
};

}  // namespace

std::string ratio_exceeded(const ArchiveLimits& limits, std::uint64_t produced, std::uint64_t consumed) {
  if (produced <= limits.ratio_floor) return {};
  // produced > ratio * consumed, without overflowing the product.
  if (limits.max_ratio != 0 && (produced - 1) / limits.max_ratio < consumed) return {};
  return fmt::format("decompression bomb suspected: {} bytes out of {} (ratio > {}), stopped (raise with "
                     "--archive-max-ratio)",
                     produced, consumed, limits.max_ratio);
}

const char* to_string(ArchiveFormat format) {
  static constexpr const char* kNames[] = {"none", "tar", "zip", "gzip", "bzip2", "xz", "zstd"};
  const auto index = static_cast<std::size_t>(format);
  return index < std::size(kNames) ? kNames[index] : "none";
}

ArchiveFormat sniff_archive(std::string_view head) {
  if (head.size() >= 263 && head.substr(257, 5) == "ustar" && (head[262] == '\0' || head[262] == ' ')) {
    return ArchiveFormat::tar;  // POSIX "ustar\0" or GNU "ustar  \0"
  }
  if (has_prefix(head, "PK\x03\x04") || has_prefix(head, "PK\x05\x06")) return ArchiveFormat::zip;
  if (has_prefix(head, "\x1f\x8b\x08")) return ArchiveFormat::gzip;
  if (is_bzip2(head)) return ArchiveFormat::bzip2;
  if (has_prefix(head, std::string_view("\xfd"
                                        "7zXZ\0",
                                        6)))
    return ArchiveFormat::xz;
  if (has_prefix(head, "\x28\xb5\x2f\xfd")) return ArchiveFormat::zstd;
  if (is_v7_tar_header(head)) return ArchiveFormat::tar;
  return ArchiveFormat::none;
}

ArchiveSummary read_archive(std::string_view bytes, const ArchiveLimits& limits, ArchiveVisitor& visitor) {
  const Utf8NamesScope names;
  Session session(limits, visitor, sniff_archive(bytes.substr(0, kSniffBytes)), bytes.size(), nullptr);
  const Opener open = [bytes](struct archive* a) { return archive_read_open_memory(a, bytes.data(), bytes.size()); };
  return session.run(Access::seekable, open, true);
}

ArchiveSummary read_archive_stream(const BlockSource& source, std::uint64_t compressed_size,
                                   const ArchiveLimits& limits, ArchiveVisitor& visitor) {
  const Utf8NamesScope names;
  StreamSource stream{source, {}, true, {}};
  stream.first = stream.pull();
  Session session(limits, visitor, sniff_archive(stream.first.substr(0, kSniffBytes)), compressed_size, &stream.error);
  if (!stream.error.empty()) return session.unopened("cannot read the stream: " + stream.error, true);
  const Opener open = [&stream](struct archive* a) {
    return archive_read_open(a, &stream, nullptr, read_stream_block, nullptr);
  };
  return session.run(Access::streaming, open, false);
}

ArchiveSummary read_archive_file(const std::string& path, const ArchiveLimits& limits, ArchiveVisitor& visitor) {
  const Utf8NamesScope names;
  const OpenFile file(path);
  Session session(limits, visitor, sniff_archive(file.head), file.size, nullptr);
  if (!file.error.empty()) return session.unopened(path + ": " + file.error, true);
  const Opener open = [&file](struct archive* a) {
    if (::lseek(file.fd, 0, SEEK_SET) != 0) {
      archive_set_error(a, errno, "cannot rewind the file");
      return ARCHIVE_FATAL;
    }
    return archive_read_open_fd(a, file.fd, kFileBlockSize);
  };
  return session.run(Access::seekable, open, true);
}

}  // namespace sprawl::archive
