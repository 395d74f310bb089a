// Git's delta format: rebuilding a target object from a base object and a delta, strictly validated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sprawl/result.h"

namespace sprawl::git {

/// One copy instruction: `length` bytes of the base at `source_offset` became the target bytes
/// at `target_offset`.
struct DeltaCopy {
  std::uint64_t target_offset = 0, source_offset = 0, length = 0;
  bool operator==(const DeltaCopy&) const = default;
};

/// The two sizes a delta starts with.
struct DeltaHeader {
  std::uint64_t source_size = 0;  ///< the base's size
  std::uint64_t target_size = 0;  ///< the rebuilt object's size
  std::size_t length = 0;         ///< bytes the two sizes take
};

/// More than a delta of `delta_size` bytes can build from a base of `base_size` bytes: each
/// instruction byte yields at most one copy of min(base_size, 0xffffff) bytes (or one inserted
/// byte), so a larger declared size means corruption; checked before allocating the target.
std::uint64_t max_delta_target_size(std::uint64_t delta_size, std::uint64_t base_size);

/// Reads the header (two little-endian base-128 sizes) of `delta`.
Result<DeltaHeader> parse_delta_header(std::string_view delta);

/// Applies `delta` (whose parsed header is `header`) to `base`, writing exactly
/// header.target_size bytes to `out`. When `copies` is not null it is cleared and receives the
/// copy instructions in target order, contiguous ones merged. Errors: a source size other than
/// base.size(), a copy outside the base, a truncated instruction, opcode 0, a result of another
/// size than declared.
Status apply_delta(std::string_view base, std::string_view delta, const DeltaHeader& header, char* out,
                   std::vector<DeltaCopy>* copies);

/// The same, into a string (resized to the target size).
Status apply_delta(std::string_view base, std::string_view delta, std::string& target,
                   std::vector<DeltaCopy>* copies = nullptr);

}  // namespace sprawl::git
