// PackFile: a mapped pack (.pack) with a validated header, and bounds-checked entry headers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sprawl/result.h"
#include "src/source/git/mapped_file.h"
#include "src/source/git/object_id.h"

namespace sprawl::git {

/// Entry kinds: the four object types, and the two delta encodings.
enum class PackEntryKind : std::uint8_t { commit = 1, tree = 2, blob = 3, tag = 4, ofs_delta = 6, ref_delta = 7 };

/// The header of one pack entry.
struct PackEntryHeader {
  PackEntryKind kind = PackEntryKind::blob;
  std::uint64_t size = 0;           ///< inflated size of the entry's data (the delta for deltas)
  std::uint32_t header_length = 0;  ///< bytes from the entry's offset to its zlib stream
  std::uint64_t base_offset = 0;    ///< ofs_delta: the base entry's offset in the pack
  ObjectId base_id;                 ///< ref_delta: the base object's id

  bool is_delta() const { return kind == PackEntryKind::ofs_delta || kind == PackEntryKind::ref_delta; }
  ObjectType type() const { return is_delta() ? ObjectType::none : static_cast<ObjectType>(kind); }
};

/// Parses the entry header at `offset` of a pack whose entries lie in data[12, end): every read
/// is bounds-checked, an OFS_DELTA base must lie before the entry, sizes must fit 64 bits.
Result<PackEntryHeader> parse_pack_entry_header(std::string_view data, std::uint64_t end, std::uint64_t offset);

/// A pack file: "PACK", version 2 or 3, object count, entries, SHA-1 trailer. Move-only;
/// reading is thread-safe.
class PackFile {
 public:
  static constexpr std::uint64_t kHeaderSize = 12;

  /// Maps `path` and checks its header. `expected_checksum` is the trailer the index recorded:
  /// when the file does not end with it (a truncated pack) the whole file counts as entry data
  /// and checksum_matches() is false.
  static Result<PackFile> open(const std::string& path, std::string_view expected_checksum);

  /// The same over bytes that are not copied (they must outlive the PackFile).
  static Result<PackFile> parse(std::string_view data, const std::string& name, std::string_view expected_checksum);

  const std::string& path() const { return m_path; }
  std::uint32_t object_count() const { return m_count; }
  bool checksum_matches() const { return m_checksum_matches; }
  /// Where entry data ends (the start of the trailer, or the file's end).
  std::uint64_t data_end() const { return m_end; }
  std::string_view data() const { return m_data; }

  Result<PackEntryHeader> entry_header(std::uint64_t offset) const {
    return parse_pack_entry_header(m_data, m_end, offset);
  }
  /// The entry's zlib data: from after its header up to `next` (the next entry's offset, or
  /// data_end()); clamped to the data.
  std::string_view compressed(std::uint64_t offset, const PackEntryHeader& header, std::uint64_t next) const;

 private:
  MappedFile m_file;
  std::string_view m_data;
  std::string m_path;
  std::uint32_t m_count = 0;
  std::uint64_t m_end = 0;
  bool m_checksum_matches = true;
};

}  // namespace sprawl::git
