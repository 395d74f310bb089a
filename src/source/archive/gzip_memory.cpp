// Single-member gzip inflation into memory (see gzip_memory.h).
#include "src/source/archive/gzip_memory.h"

#include <libdeflate.h>

#include <cstdint>
#include <memory>

namespace sprawl::archive {
namespace {

struct DecompressorFree {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

}  // namespace

bool inflate_gzip(std::string_view compressed, std::size_t max_size, std::string& out) {
  if (compressed.size() < 18 || static_cast<unsigned char>(compressed[0]) != 0x1f ||
      static_cast<unsigned char>(compressed[1]) != 0x8b)
    return false;
  // ISIZE, the last four bytes: the inflated size modulo 2^32.
  const auto* tail = reinterpret_cast<const unsigned char*>(compressed.data() + compressed.size() - 4);
  const std::uint32_t size = tail[0] | tail[1] << 8 | tail[2] << 16 | static_cast<std::uint32_t>(tail[3]) << 24;
  if (size > max_size) return false;
  std::unique_ptr<libdeflate_decompressor, DecompressorFree> d(libdeflate_alloc_decompressor());
  if (!d) return false;
  out.resize(size);
  std::size_t in_used = 0, out_used = 0;
  const libdeflate_result result = libdeflate_gzip_decompress_ex(d.get(), compressed.data(), compressed.size(),
                                                                 out.data(), out.size(), &in_used, &out_used);
  return result == LIBDEFLATE_SUCCESS && in_used == compressed.size() && out_used == size;
}

}  // namespace sprawl::archive
