// Inflating zlib streams whose inflated size is known (pack entries), with libdeflate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sprawl/result.h"

struct libdeflate_decompressor;

namespace sprawl::git {

/// A reusable libdeflate decompressor. Not thread-safe: use one per thread.
class Inflater {
 public:
  Inflater();
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  /// Inflates the zlib stream at the start of `compressed` (trailing bytes are ignored) into
  /// exactly `size` bytes at `out`. A corrupt stream or a different inflated size is an error.
  Status inflate(std::string_view compressed, char* out, std::size_t size);

 private:
  libdeflate_decompressor* m_decompressor = nullptr;
};

/// The calling thread's Inflater (created on first use).
Inflater& thread_inflater();

/// More than any zlib stream of `compressed_size` bytes can inflate to: deflate cannot
/// compress better than about 1032:1, so a larger declared size means a corrupt header.
constexpr std::uint64_t max_inflated_size(std::uint64_t compressed_size) { return compressed_size * 1040 + 1024; }

}  // namespace sprawl::git
