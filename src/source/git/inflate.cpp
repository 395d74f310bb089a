// libdeflate-based inflation of zlib streams of known size.
#include "src/source/git/inflate.h"

#include <libdeflate.h>

namespace sprawl::git {

Inflater::Inflater() : m_decompressor(libdeflate_alloc_decompressor()) {}

Inflater::~Inflater() { libdeflate_free_decompressor(m_decompressor); }

Status Inflater::inflate(std::string_view compressed, char* out, std::size_t size) {
  if (!m_decompressor) return Error{"out of memory for a decompressor"};
  std::size_t consumed = 0, produced = 0;
  const auto result = libdeflate_zlib_decompress_ex(m_decompressor, compressed.data(), compressed.size(), out, size,
                                                    &consumed, &produced);
  switch (result) {
    case LIBDEFLATE_SUCCESS:
      if (produced != size) break;
      return Ok{};
    case LIBDEFLATE_INSUFFICIENT_SPACE:
      break;
    default:
      return Error{"corrupt zlib stream"};
  }
  return Error{"zlib stream inflates to " + std::string(produced < size ? "fewer" : "more") + " than the declared " +
               std::to_string(size) + " bytes"};
}

Inflater& thread_inflater() {
  thread_local Inflater inflater;
  return inflater;
}

}  // namespace sprawl::git
