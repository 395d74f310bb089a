// Pack index parsing and validation (formats per gitformat-pack: v1 and v2), binary-search lookup.
#include "src/source/git/pack_index.h"

#include <cstring>
#include <utility>

namespace sprawl::git {

namespace {

constexpr std::size_t kFanoutBytes = 256 * 4;
constexpr std::size_t kTrailerBytes = 40;  // pack checksum + index checksum
constexpr std::size_t kV2Header = 8;       // magic + version
constexpr unsigned char kV2Magic[4] = {0xff, 't', 'O', 'c'};

std::uint32_t be32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
}

std::uint64_t be64(const char* p) { return (std::uint64_t{be32(p)} << 32) | be32(p + 4); }

}  // namespace

Result<PackIndex> PackIndex::open(const std::string& path) {
  auto file = MappedFile::open(path);
  if (!file) return file.error();
  auto index = parse(file->data(), path);
  if (index) index->m_file = std::move(*file);  // the mapping's address does not change
  return index;
}

Result<PackIndex> PackIndex::parse(std::string_view data, const std::string& name) {
  PackIndex index;
  index.m_data = data;
  index.m_path = name;
  const bool v2 = data.size() >= 4 && std::memcmp(data.data(), kV2Magic, 4) == 0;
  index.m_version = v2 ? 2 : 1;
  const std::size_t header = v2 ? kV2Header : 0;
  if (data.size() < header + kFanoutBytes + kTrailerBytes) return Error{name + ": pack index is truncated"};
  if (v2 && be32(data.data() + 4) != 2)
    return Error{name + ": unsupported pack index version " + std::to_string(be32(data.data() + 4))};
  for (unsigned byte = 1; byte < 256; ++byte)
    if (index.fanout(byte) < index.fanout(byte - 1)) return Error{name + ": pack index fanout is not monotonic"};
  index.m_count = index.fanout(255);
  const std::uint64_t n = index.m_count;
  const std::uint64_t fixed = header + kFanoutBytes + n * (v2 ? 28 : 24) + kTrailerBytes;
  if (data.size() < fixed || (!v2 && data.size() != fixed) || (data.size() - fixed) % 8 != 0)
    return Error{name + ": pack index size " + std::to_string(data.size()) + " does not fit its " + std::to_string(n) +
                 " objects"};
  index.m_large_offsets = (data.size() - fixed) / 8;
  if (auto valid = index.validate_entries(); !valid) return Error{name + ": " + valid.error().message};
  return index;
}

std::uint32_t PackIndex::fanout(unsigned byte) const {
  return be32(m_data.data() + (m_version == 2 ? kV2Header : 0) + 4 * byte);
}

const unsigned char* PackIndex::id_bytes(std::uint32_t position) const {
  const char* p = m_version == 2 ? m_data.data() + kV2Header + kFanoutBytes + 20 * std::size_t{position}
                                 : m_data.data() + kFanoutBytes + 24 * std::size_t{position} + 4;
  return reinterpret_cast<const unsigned char*>(p);
}

ObjectId PackIndex::id(std::uint32_t position) const {
  ObjectId id;
  std::memcpy(id.bytes.data(), id_bytes(position), 20);
  return id;
}

std::uint64_t PackIndex::offset(std::uint32_t position) const {
  if (m_version == 1) return be32(m_data.data() + kFanoutBytes + 24 * std::size_t{position});
  const char* table = m_data.data() + kV2Header + kFanoutBytes + 24 * std::size_t{m_count};
  const std::uint32_t small = be32(table + 4 * std::size_t{position});
  if (!(small & 0x80000000u)) return small;
  return be64(table + 4 * std::size_t{m_count} + 8 * std::size_t{small & 0x7fffffffu});
}

std::string_view PackIndex::pack_checksum() const { return m_data.substr(m_data.size() - kTrailerBytes, 20); }

/// Ids strictly ascending and inside their fanout bucket; v2 large-offset references in range.
Status PackIndex::validate_entries() const {
  unsigned bucket = 0;
  for (std::uint32_t i = 0; i < m_count; ++i) {
    const unsigned char* id = id_bytes(i);
    while (fanout(bucket) <= i) ++bucket;  // fanout(255) == m_count > i ends the loop
    if (id[0] != bucket) return Error{"pack index fanout does not match the ids"};
    if (i > 0 && std::memcmp(id_bytes(i - 1), id, 20) >= 0) return Error{"pack index ids are not sorted"};
    if (m_version != 2) continue;
    const char* table = m_data.data() + kV2Header + kFanoutBytes + 24 * std::size_t{m_count};
    const std::uint32_t small = be32(table + 4 * std::size_t{i});
    if ((small & 0x80000000u) && (small & 0x7fffffffu) >= m_large_offsets)
      return Error{"pack index refers past its 64-bit offset table"};
  }
  return Ok{};
}

std::optional<std::uint32_t> PackIndex::find(const ObjectId& id) const {
  const unsigned first = id.bytes[0];
  std::uint32_t low = first == 0 ? 0 : fanout(first - 1), high = fanout(first);
  while (low < high) {
    const std::uint32_t middle = low + (high - low) / 2;
    const int order = std::memcmp(id_bytes(middle), id.bytes.data(), 20);
    if (order == 0) return middle;
    if (order < 0)
      low = middle + 1;
    else
      high = middle;
  }
  return std::nullopt;
}

}  // namespace sprawl::git
