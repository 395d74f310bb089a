// Match: a confirmed rule match inside one blob's text, with its secret span and position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sprawl {

/// 1-based line and column (columns count Unicode code points).
struct TextPosition {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

/// One confirmed match of a rule in a blob's text; offsets are into the scanned text.
struct Match {
  std::uint32_t rule_index = 0;
  std::size_t match_start = 0, match_end = 0;    ///< the whole regex match
  std::size_t secret_start = 0, secret_end = 0;  ///< the secret capture group
  std::string secret;
  TextPosition start;  ///< of the secret's first character
  TextPosition end;    ///< of the secret's last character
  double entropy = 0.0;
};

}  // namespace sprawl
