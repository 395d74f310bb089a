// Whole-buffer gzip inflation with libdeflate: two to three times faster than zlib's streaming
// inflate, for compressed image layers small enough to hold in memory.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sprawl::archive {

/// Inflates `compressed`, a single-member gzip stream whose trailer says it inflates to at most
/// `max_size` bytes, into `out`. False (and `out` unspecified) for anything else — several
/// members, a trailer that lies, corrupt data, a larger result: the caller then reads the
/// stream with libarchive, which says what is wrong.
bool inflate_gzip(std::string_view compressed, std::size_t max_size, std::string& out);

}  // namespace sprawl::archive
