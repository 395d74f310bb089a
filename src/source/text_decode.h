// Decides how a blob's bytes are scanned: as UTF-8/ASCII text, as UTF-16 decoded to UTF-8,
// or as binary (scanned, but with fewer rules and a cap on findings).
#pragma once

#include <string>
#include <string_view>

#include "sprawl/finding.h"

namespace sprawl {

struct DecodedText {
  TextEncoding encoding = TextEncoding::utf8;
  std::string_view text;  ///< the bytes themselves, or `scratch` for UTF-16
};

/// Classifies `bytes` and, for UTF-16, decodes into `scratch` (reused across calls).
DecodedText decode_text(std::string_view bytes, std::string& scratch);

}  // namespace sprawl
