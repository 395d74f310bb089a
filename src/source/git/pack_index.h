// PackIndex: a validated pack index (.idx, versions 1 and 2): id lookup and (id, offset) listing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sprawl/result.h"
#include "src/source/git/mapped_file.h"
#include "src/source/git/object_id.h"

namespace sprawl::git {

/// The ids of one pack in sorted order with each object's offset in the pack. Every structural
/// property lookups rely on (fanout, sorted unique ids, offset table bounds) is checked once when
/// the index is opened, so the accessors cannot fail. Move-only; reading is thread-safe.
class PackIndex {
 public:
  /// Maps and validates the index file at `path`; errors name the file.
  static Result<PackIndex> open(const std::string& path);

  /// Validates `data` as an index file; `data` is not copied and must outlive the index.
  /// `name` names the input in errors.
  static Result<PackIndex> parse(std::string_view data, const std::string& name);

  const std::string& path() const { return m_path; }
  int version() const { return m_version; }
  /// The number of objects.
  std::uint32_t count() const { return m_count; }

  /// The id at `position` (0 <= position < count(), ascending id order).
  ObjectId id(std::uint32_t position) const;
  /// The offset in the pack of the object at `position`.
  std::uint64_t offset(std::uint32_t position) const;
  /// The position of `id`, if the pack has it.
  std::optional<std::uint32_t> find(const ObjectId& id) const;
  /// The SHA-1 the pack file ends with, as recorded in the index.
  std::string_view pack_checksum() const;

 private:
  const unsigned char* id_bytes(std::uint32_t position) const;
  std::uint32_t fanout(unsigned byte) const;
  Status validate_entries() const;

  MappedFile m_file;
  std::string_view m_data;
  std::string m_path;
  int m_version = 2;
  std::uint32_t m_count = 0;
  std::uint64_t m_large_offsets = 0;  // v2: entries in the 8-byte offset table
};

}  // namespace sprawl::git
