// Delta application: copy-from-base and insert instructions, every bound checked.
#include "src/source/git/delta.h"

#include <algorithm>
#include <cstring>

namespace sprawl::git {

namespace {

/// Reads a little-endian base-128 number at `pos`; false if truncated or over 64 bits.
bool read_size(std::string_view data, std::size_t& pos, std::uint64_t& value) {
  value = 0;
  for (unsigned shift = 0;; shift += 7) {
    if (pos >= data.size() || shift > 63) return false;
    const auto byte = static_cast<unsigned char>(data[pos++]);
    const std::uint64_t bits = byte & 0x7f;
    if (shift > 0 && (bits >> (64 - shift)) != 0) return false;
    value |= bits << shift;
    if (!(byte & 0x80)) return true;
  }
}

/// Reads the little-endian bytes selected by `mask` bits of `op` (starting at bit `first`).
bool read_selected(std::string_view data, std::size_t& pos, unsigned op, unsigned first, unsigned count,
                   std::uint64_t& value) {
  value = 0;
  for (unsigned i = 0; i < count; ++i) {
    if (!(op & (1u << (first + i)))) continue;
    if (pos >= data.size()) return false;
    value |= static_cast<std::uint64_t>(static_cast<unsigned char>(data[pos++])) << (8 * i);
  }
  return true;
}

void record_copy(std::vector<DeltaCopy>& copies, std::uint64_t target, std::uint64_t source, std::uint64_t length) {
  if (!copies.empty()) {
    DeltaCopy& last = copies.back();
    if (last.target_offset + last.length == target && last.source_offset + last.length == source) {
      last.length += length;
      return;
    }
  }
  copies.push_back({target, source, length});
}

}  // namespace

std::uint64_t max_delta_target_size(std::uint64_t delta_size, std::uint64_t base_size) {
  const std::uint64_t per_byte = std::max<std::uint64_t>(1, std::min<std::uint64_t>(base_size, 0xffffff));
  std::uint64_t bound = 0;
  if (__builtin_mul_overflow(delta_size, per_byte, &bound)) return UINT64_MAX;
  return bound;
}

Result<DeltaHeader> parse_delta_header(std::string_view delta) {
  DeltaHeader header;
  std::size_t pos = 0;
  if (!read_size(delta, pos, header.source_size) || !read_size(delta, pos, header.target_size))
    return Error{"truncated or oversized delta header"};
  header.length = pos;
  return header;
}

Status apply_delta(std::string_view base, std::string_view delta, const DeltaHeader& header, char* out,
                   std::vector<DeltaCopy>* copies) {
  if (copies) copies->clear();
  if (header.source_size != base.size())
    return Error{"delta expects a base of " + std::to_string(header.source_size) + " bytes, the base has " +
                 std::to_string(base.size())};
  const std::uint64_t target_size = header.target_size;
  std::uint64_t written = 0;
  std::size_t pos = header.length;
  while (pos < delta.size()) {
    const unsigned op = static_cast<unsigned char>(delta[pos++]);
    if (op & 0x80) {
      std::uint64_t offset = 0, length = 0;
      if (!read_selected(delta, pos, op, 0, 4, offset) || !read_selected(delta, pos, op, 4, 3, length))
        return Error{"truncated delta copy instruction"};
      if (length == 0) length = 0x10000;
      if (offset > base.size() || length > base.size() - offset) return Error{"delta copy outside the base"};
      if (length > target_size - written) return Error{"delta writes past the declared target size"};
      std::memcpy(out + written, base.data() + offset, length);
      if (copies) record_copy(*copies, written, offset, length);
      written += length;
    } else if (op != 0) {
      if (op > delta.size() - pos) return Error{"truncated delta insert instruction"};
      if (op > target_size - written) return Error{"delta writes past the declared target size"};
      std::memcpy(out + written, delta.data() + pos, op);
      pos += op;
      written += op;
    } else {
      return Error{"delta uses the reserved opcode 0"};
    }
  }
  if (written != target_size)
    return Error{"delta builds " + std::to_string(written) + " bytes, declared " + std::to_string(target_size)};
  return Ok{};
}

Status apply_delta(std::string_view base, std::string_view delta, std::string& target, std::vector<DeltaCopy>* copies) {
  auto header = parse_delta_header(delta);
  if (!header) return header.error();
  if (header->target_size > max_delta_target_size(delta.size(), base.size()))
    return Error{"delta declares an impossible size"};
  target.resize(header->target_size);
  return apply_delta(base, delta, *header, target.data(), copies);
}

}  // namespace sprawl::git
