// Pack header validation and entry header parsing (gitformat-pack), bounds-checked throughout.
#include "src/source/git/pack_file.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace sprawl::git {

namespace {

constexpr std::size_t kTrailerBytes = 20;

std::uint32_t be32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
}

bool valid_kind(unsigned kind) { return (kind >= 1 && kind <= 4) || kind == 6 || kind == 7; }

/// OFS_DELTA's distance: big-endian base-128 where each continuation adds one before shifting.
Result<std::uint64_t> read_base_distance(std::string_view data, std::uint64_t end, std::uint64_t& pos) {
  if (pos >= end) return Error{"truncated delta base offset"};
  auto byte = static_cast<unsigned char>(data[pos++]);
  std::uint64_t distance = byte & 0x7f;
  while (byte & 0x80) {
    if (pos >= end) return Error{"truncated delta base offset"};
    if (distance >= (std::uint64_t{1} << 56)) return Error{"delta base offset overflows"};
    byte = static_cast<unsigned char>(data[pos++]);
    distance = ((distance + 1) << 7) | (byte & 0x7f);
  }
  return distance;
}

}  // namespace

Result<PackEntryHeader> parse_pack_entry_header(std::string_view data, std::uint64_t end, std::uint64_t offset) {
  end = std::min<std::uint64_t>(end, data.size());
  if (offset < PackFile::kHeaderSize || offset >= end) return Error{"entry offset outside the pack data"};
  std::uint64_t pos = offset;
  auto byte = static_cast<unsigned char>(data[pos++]);
  const unsigned kind = (byte >> 4) & 7;
  if (!valid_kind(kind)) return Error{"invalid entry type " + std::to_string(kind)};
  PackEntryHeader header;
  header.kind = static_cast<PackEntryKind>(kind);
  header.size = byte & 0x0f;
  for (unsigned shift = 4; byte & 0x80; shift += 7) {
    if (pos >= end) return Error{"truncated entry header"};
    byte = static_cast<unsigned char>(data[pos++]);
    const std::uint64_t bits = byte & 0x7f;
    if (shift > 63 || (bits >> (64 - shift)) != 0) return Error{"entry size overflows 64 bits"};
    header.size |= bits << shift;
  }
  if (header.kind == PackEntryKind::ofs_delta) {
    auto distance = read_base_distance(data, end, pos);
    if (!distance) return distance.error();
    if (*distance == 0 || *distance > offset - PackFile::kHeaderSize)
      return Error{"delta base offset points outside the pack"};
    header.base_offset = offset - *distance;
  } else if (header.kind == PackEntryKind::ref_delta) {
    if (end - pos < 20) return Error{"truncated delta base id"};
    std::memcpy(header.base_id.bytes.data(), data.data() + pos, 20);
    pos += 20;
  }
  header.header_length = static_cast<std::uint32_t>(pos - offset);
  return header;
}

Result<PackFile> PackFile::open(const std::string& path, std::string_view expected_checksum) {
  auto file = MappedFile::open(path);
  if (!file) return file.error();
  auto pack = parse(file->data(), path, expected_checksum);
  if (pack) pack->m_file = std::move(*file);  // the mapping's address does not change
  return pack;
}

Result<PackFile> PackFile::parse(std::string_view data, const std::string& name, std::string_view expected_checksum) {
  if (data.size() < kHeaderSize) return Error{name + ": pack file is truncated"};
  if (std::memcmp(data.data(), "PACK", 4) != 0) return Error{name + ": not a pack file (bad signature)"};
  const std::uint32_t version = be32(data.data() + 4);
  if (version != 2 && version != 3) return Error{name + ": unsupported pack version " + std::to_string(version)};
  PackFile pack;
  pack.m_data = data;
  pack.m_path = name;
  pack.m_count = be32(data.data() + 8);
  pack.m_checksum_matches =
      data.size() >= kHeaderSize + kTrailerBytes && data.substr(data.size() - kTrailerBytes) == expected_checksum;
  pack.m_end = pack.m_checksum_matches ? data.size() - kTrailerBytes : data.size();
  return pack;
}

std::string_view PackFile::compressed(std::uint64_t offset, const PackEntryHeader& header, std::uint64_t next) const {
  const std::uint64_t begin = std::min(offset + header.header_length, m_end);
  const std::uint64_t stop = std::clamp(next, begin, m_end);
  return m_data.substr(begin, stop - begin);
}

}  // namespace sprawl::git
