// Shannon entropy of a candidate secret, in bits per character.
#pragma once

#include <string_view>

namespace sprawl {

/// Shannon entropy of the byte distribution of `text` (0 for empty text).
double shannon_entropy(std::string_view text);

}  // namespace sprawl
