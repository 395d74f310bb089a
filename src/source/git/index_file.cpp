// Reads git's index file: header, entries (v2/v3 padded, v4 prefix-compressed), extensions.
// Layout: Documentation/gitformat-index.txt. Each read is checked against the end of the entries
// and extensions (the file less its 20-byte checksum), so no input can make it read outside.
#include "src/source/git/index_file.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>

#include "src/source/git/mapped_file.h"

namespace sprawl::git {
namespace {

constexpr std::size_t kHashSize = 20;
constexpr std::size_t kHeaderSize = 12;
constexpr std::size_t kEntryFixedSize = 62;  // stat data (40 bytes), object id (20), flags (2)
constexpr std::size_t kMinEntrySize = 64;    // v2/v3: padded to 8; v4: a varint and a NUL at least
constexpr std::uint16_t kNameMask = 0x0FFF;
constexpr std::uint16_t kExtendedFlag = 0x4000;
constexpr std::uint16_t kSkipWorktree = 0x4000;  // in the v3 extended flags
constexpr std::uint16_t kIntentToAdd = 0x2000;
// Paths are bounded so that v4 prefix compression (each entry may add to the previous path)
// cannot turn a small file into gigabytes of paths; real paths are bounded by PATH_MAX.
constexpr std::size_t kMaxPathLength = 65535;
// Cache-tree paths are built from nested components; a deep chain could do the same. They may
// total no more than the entries' paths plus this much.
constexpr std::size_t kCacheTreePathSlack = std::size_t{16} << 20;

std::uint32_t be32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (std::uint32_t{u[0]} << 24) | (std::uint32_t{u[1]} << 16) | (std::uint32_t{u[2]} << 8) | u[3];
}

std::uint16_t be16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<std::uint16_t>((u[0] << 8) | u[1]);
}

bool valid_mode(std::uint32_t mode) {
  return mode == 0100644 || mode == 0100755 || mode == 0120000 || mode == 0160000 || mode == 040000;
}

/// Bytes from the file for a one-line message: printable ASCII as is, anything else as \xNN,
/// cut short after 200 bytes.
std::string printable(std::string_view bytes) {
  std::string out;
  for (const char c : bytes.substr(0, 200)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? std::string(1, c) : fmt::format("\\x{:02x}", u);
  }
  if (bytes.size() > 200) out += "...";
  return out;
}

class IndexParser {
 public:
  IndexParser(std::string_view bytes, const std::string& name) : m_bytes(bytes), m_name(name) {}

  Result<IndexFile> parse() {
    if (Status s = parse_header(); !s) return s.error();
    for (std::size_t i = 0; i < m_count; ++i)
      if (Status s = parse_entry(i); !s) return s.error();
    while (m_pos < m_end)
      if (Status s = parse_extension(); !s) return s.error();
    if (!m_index.split_index && m_late_problem) return fail(*m_late_problem);
    return std::move(m_index);
  }

 private:
  Error fail(const std::string& what) const { return Error{m_name + ": " + what}; }
  Error fail_entry(std::size_t i, const std::string& what) const { return fail(fmt::format("entry {} {}", i, what)); }

  Status parse_header() {
    if (m_bytes.size() < kHeaderSize + kHashSize)
      return fail(fmt::format("{} bytes is too short for an index file", m_bytes.size()));
    if (m_bytes.substr(0, 4) != "DIRC") return fail("not a git index file (no DIRC signature)");
    m_index.version = be32(m_bytes.data() + 4);
    if (m_index.version < 2 || m_index.version > 4)
      return fail(fmt::format("unsupported index version {}", m_index.version));
    m_count = be32(m_bytes.data() + 8);
    m_pos = kHeaderSize;
    m_end = m_bytes.size() - kHashSize;
    if (m_count > (m_end - m_pos) / kMinEntrySize)
      return fail(fmt::format("the header claims {} entries, more than the file can hold", m_count));
    m_index.entries.reserve(m_count);
    return Ok{};
  }

  Status parse_entry(std::size_t i) {
    const std::size_t start = m_pos;
    if (m_end - start < kEntryFixedSize) return fail_entry(i, "runs past the end of the file");
    const char* p = m_bytes.data() + start;
    IndexFileEntry entry;
    entry.mode = be32(p + 24);
    if (!valid_mode(entry.mode)) return fail_entry(i, fmt::format("has an invalid mode {:o}", entry.mode));
    std::memcpy(entry.id.bytes.data(), p + 40, kHashSize);
    const std::uint16_t flags = be16(p + 60);
    entry.stage = static_cast<std::uint16_t>((flags >> 12) & 3);
    std::size_t name_start = start + kEntryFixedSize;
    if (flags & kExtendedFlag) {
      if (m_index.version < 3) return fail_entry(i, "has extended flags in a version 2 index");
      if (m_end - name_start < 2) return fail_entry(i, "runs past the end of the file");
      const std::uint16_t extended = be16(p + kEntryFixedSize);
      if (extended & ~(kSkipWorktree | kIntentToAdd))
        return fail_entry(i, fmt::format("has unknown extended flags {:#06x}", extended));
      entry.skip_worktree = extended & kSkipWorktree;
      entry.intent_to_add = extended & kIntentToAdd;
      name_start += 2;
    }
    const std::size_t length_field = flags & kNameMask;
    Status s = m_index.version == 4 ? read_compressed_path(i, name_start, length_field, entry.path)
                                    : read_padded_path(i, start, name_start, length_field, entry.path);
    if (!s) return s;
    check_order(i, entry);
    m_index.sparse = m_index.sparse || entry.mode == 040000;
    m_index.entries.push_back(std::move(entry));
    return Ok{};
  }

  /// v2/v3: the path, a NUL and up to 7 more NULs so that the entry is a multiple of 8 bytes.
  Status read_padded_path(std::size_t i, std::size_t start, std::size_t name_start, std::size_t length_field,
                          std::string& path) {
    const char* name = m_bytes.data() + name_start;
    const std::size_t room = m_end - name_start;
    std::size_t length = length_field;
    if (length_field < kNameMask) {
      if (room <= length) return fail_entry(i, "runs past the end of the file");
      if (std::memchr(name, 0, length)) return fail_entry(i, "has a NUL byte inside its path");
    } else {
      const void* nul = std::memchr(name, 0, room);
      if (!nul) return fail_entry(i, "runs past the end of the file");
      length = static_cast<std::size_t>(static_cast<const char*>(nul) - name);
      if (length < kNameMask)
        return fail_entry(i, fmt::format("has a {}-byte path but a long-path length field", length));
    }
    if (length > kMaxPathLength) return fail_entry(i, fmt::format("has a path longer than {} bytes", kMaxPathLength));
    const std::size_t fixed = name_start - start;
    const std::size_t size = (fixed + length + 8) & ~std::size_t{7};
    if (m_end - start < size) return fail_entry(i, "runs past the end of the file");
    for (std::size_t k = name_start + length; k < start + size; ++k)
      if (m_bytes[k] != '\0') return fail_entry(i, "has padding that is not NUL bytes");
    path.assign(name, length);
    m_pos = start + size;
    return Ok{};
  }

  /// v4: a varint N, then a NUL-terminated suffix; the path is the previous path less its
  /// last N bytes, plus the suffix. No padding.
  Status read_compressed_path(std::size_t i, std::size_t name_start, std::size_t length_field, std::string& path) {
    std::size_t pos = name_start;
    std::uint64_t strip = 0;
    if (Status s = read_varint(i, pos, strip); !s) return s;
    const std::string_view previous = m_index.entries.empty() ? std::string_view() : m_index.entries.back().path;
    if (strip > previous.size())
      return fail_entry(i, fmt::format("strips {} bytes from a {}-byte previous path", strip, previous.size()));
    const char* suffix = m_bytes.data() + pos;
    const void* nul = std::memchr(suffix, 0, m_end - pos);
    if (!nul) return fail_entry(i, "runs past the end of the file");
    const std::size_t suffix_length = static_cast<std::size_t>(static_cast<const char*>(nul) - suffix);
    const std::size_t keep = previous.size() - static_cast<std::size_t>(strip);
    const std::size_t length = keep + suffix_length;
    if (length > kMaxPathLength) return fail_entry(i, fmt::format("has a path longer than {} bytes", kMaxPathLength));
    if (length_field < kNameMask ? length != length_field : length < kNameMask)
      return fail_entry(i, fmt::format("has a {}-byte path but a length field of {}", length, length_field));
    path.reserve(length);
    path.assign(previous.data(), keep);
    path.append(suffix, suffix_length);
    m_pos = pos + suffix_length + 1;
    return Ok{};
  }

  /// The varint of OFS_DELTA offsets: 7 bits a byte, most significant first, each continuation
  /// adding one.
  Status read_varint(std::size_t i, std::size_t& pos, std::uint64_t& value) {
    if (pos >= m_end) return fail_entry(i, "runs past the end of the file");
    auto c = static_cast<unsigned char>(m_bytes[pos++]);
    value = c & 0x7f;
    while (c & 0x80) {
      if (pos >= m_end) return fail_entry(i, "runs past the end of the file");
      if (value >= (std::uint64_t{1} << 56) - 1) return fail_entry(i, "has an overlong prefix length");
      c = static_cast<unsigned char>(m_bytes[pos++]);
      value = ((value + 1) << 7) | (c & 0x7f);
    }
    return Ok{};
  }

  /// Git's own rule: paths ascend, and entries for one path ascend by stage, with no stage 0
  /// beside conflict stages. Reported at the end, and only if the index is not split: a split
  /// index stores replaced entries (with empty paths) before added ones.
  void check_order(std::size_t i, const IndexFileEntry& entry) {
    if (entry.path.empty() && !m_late_problem) m_late_problem = fmt::format("entry {} has an empty path", i);
    if (m_index.entries.empty() || m_late_problem) return;
    const IndexFileEntry& previous = m_index.entries.back();
    const int order = std::string_view(previous.path).compare(entry.path);
    if (order > 0 || (order == 0 && (previous.stage == 0 || previous.stage > entry.stage)))
      m_late_problem = fmt::format("entry {} ('{}', stage {}) is out of order", i, printable(entry.path), entry.stage);
  }

  Status parse_extension() {
    if (m_end - m_pos < 8) return fail(fmt::format("{} stray bytes before the checksum", m_end - m_pos));
    const std::string_view signature = m_bytes.substr(m_pos, 4);
    const std::size_t size = be32(m_bytes.data() + m_pos + 4);
    m_pos += 8;
    if (size > m_end - m_pos)
      return fail(fmt::format("extension '{}' ({} bytes) runs past the end of the file", printable(signature), size));
    const std::string_view data = m_bytes.substr(m_pos, size);
    m_pos += size;
    if (signature == "TREE") return parse_cache_tree(data);
    if (signature == "link") {
      m_index.split_index = true;
    } else if (signature == "sdir") {
      m_index.sparse = true;
    } else if (signature[0] < 'A' || signature[0] > 'Z') {
      return fail(fmt::format("unknown required extension '{}'", printable(signature)));
    }
    return Ok{};
  }

  Status parse_cache_tree(std::string_view data);
  Status read_cache_tree_node(std::string_view data, std::size_t& pos, std::string_view& component,
                              CacheTreeNode& node);

  std::string_view m_bytes;
  const std::string& m_name;
  std::size_t m_count = 0;
  std::size_t m_pos = 0;
  std::size_t m_end = 0;                      // where the checksum starts
  std::optional<std::string> m_late_problem;  // an error unless a "link" extension comes
  IndexFile m_index;
};

/// A decimal number (an optional '-' and 1-10 digits) that fits 32 bits, then `terminator`.
bool read_decimal(std::string_view data, std::size_t& pos, char terminator, std::int64_t& value) {
  const bool negative = pos < data.size() && data[pos] == '-';
  if (negative) ++pos;
  const std::size_t first = pos;
  value = 0;
  while (pos < data.size() && data[pos] >= '0' && data[pos] <= '9' && pos - first < 11)
    value = value * 10 + (data[pos++] - '0');
  if (pos == first || pos >= data.size() || data[pos] != terminator) return false;
  ++pos;
  if (negative) value = -value;
  return value >= std::numeric_limits<std::int32_t>::min() && value <= std::numeric_limits<std::int32_t>::max();
}

/// One node: "component NUL entry_count SP subtrees LF [id if entry_count >= 0]".
Status IndexParser::read_cache_tree_node(std::string_view data, std::size_t& pos, std::string_view& component,
                                         CacheTreeNode& node) {
  const std::size_t number = m_index.cache_tree.size();
  const auto bad = [&](const char* what) { return fail(fmt::format("TREE extension: node {} {}", number, what)); };
  const std::size_t nul = data.find('\0', pos);
  if (nul == std::string_view::npos) return bad("has no NUL after its name");
  component = data.substr(pos, nul - pos);
  pos = nul + 1;
  std::int64_t entry_count = 0, subtrees = 0;
  if (!read_decimal(data, pos, ' ', entry_count)) return bad("has a malformed entry count");
  if (!read_decimal(data, pos, '\n', subtrees) || subtrees < 0) return bad("has a malformed subtree count");
  // A split index holds only some of the entries the tree covers, so this waits for the end.
  if (entry_count > static_cast<std::int64_t>(m_index.entries.size()) && !m_late_problem)
    m_late_problem = fmt::format("TREE extension: node {} covers more entries than the index has", number);
  node.entry_count = entry_count < 0 ? -1 : static_cast<std::int32_t>(entry_count);
  node.subtrees = static_cast<std::int32_t>(subtrees);
  if (node.entry_count >= 0) {
    if (data.size() - pos < kHashSize) return bad("runs past the end of the extension");
    ObjectId id;
    std::memcpy(id.bytes.data(), data.data() + pos, kHashSize);
    node.id = id;
    pos += kHashSize;
  }
  return Ok{};
}

/// The nodes in pre-order; each node's subtree count says how many of the following subtrees
/// are its children. Walked with an explicit stack, so deep nesting cannot exhaust the C stack.
Status IndexParser::parse_cache_tree(std::string_view data) {
  if (!m_index.cache_tree.empty()) return fail("more than one TREE extension");
  struct Open {
    std::size_t node;
    std::int32_t remaining;
  };
  std::vector<Open> open;
  std::size_t budget = kCacheTreePathSlack;
  for (const IndexFileEntry& entry : m_index.entries) budget += entry.path.size();
  std::size_t pos = 0;
  do {
    CacheTreeNode node;
    std::string_view component;
    if (Status s = read_cache_tree_node(data, pos, component, node); !s) return s;
    const std::size_t number = m_index.cache_tree.size();
    if (open.empty() != component.empty() || component.find('/') != std::string_view::npos)
      return fail(fmt::format("TREE extension: node {} has a bad name '{}'", number, printable(component)));
    if (!open.empty()) {
      const std::string& parent = m_index.cache_tree[open.back().node].path;
      if (parent.size() + component.size() + 1 > budget) return fail("TREE extension: paths are implausibly long");
      budget -= parent.size() + component.size() + 1;
      node.path.reserve(parent.size() + 1 + component.size());
      node.path = parent;
      if (!node.path.empty()) node.path += '/';
      node.path += component;
      --open.back().remaining;
    }
    if (node.subtrees > 0) open.push_back({number, node.subtrees});
    m_index.cache_tree.push_back(std::move(node));
    while (!open.empty() && open.back().remaining == 0) open.pop_back();
  } while (!open.empty());
  if (pos != data.size())
    return fail(fmt::format("TREE extension: {} bytes after the last subtree", data.size() - pos));
  return Ok{};
}

}  // namespace

Result<IndexFile> parse_index_file(std::string_view bytes, const std::string& name) {
  return IndexParser(bytes, name).parse();
}

Result<IndexFile> read_index_file(const std::string& path) {
  Result<MappedFile> file = MappedFile::open(path);
  if (!file) return file.error();
  return parse_index_file(file->data(), path);
}

}  // namespace sprawl::git
