// UTF-8 validation shared by the path printer and the JSON writer.
#pragma once

#include <cstddef>
#include <string_view>

namespace sprawl {

/// Length of the well-formed UTF-8 sequence starting at s[i] (1–4), or 0 when the bytes there
/// are not one: stray continuation bytes, truncated sequences, overlong forms, UTF-16
/// surrogates and code points above U+10FFFF are all rejected (RFC 3629).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

/// Whether all of `s` is well-formed UTF-8.
bool is_valid_utf8(std::string_view s);

}  // namespace sprawl
