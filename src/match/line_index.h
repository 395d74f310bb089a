// LineIndex: turns byte offsets into 1-based line and code-point column, cheaply for offsets
// visited in increasing order (one pass over the text for all findings of a blob).
#pragma once

#include <cstddef>
#include <string_view>

#include "sprawl/match.h"

namespace sprawl {

class LineIndex {
 public:
  explicit LineIndex(std::string_view text) : m_text(text) {}

  /// Line and column of the character at `offset` (the byte must start a character).
  TextPosition position(std::size_t offset);

  /// The line holding `offset`, without its line terminator, clipped to `reach` bytes on each
  /// side of `offset` so that a minified megabyte-long line costs no more than a short one.
  std::string_view line_at(std::size_t offset, std::size_t reach = 4096) const;

 private:
  std::string_view m_text;
  std::size_t m_cursor = 0;      // every newline before m_cursor has been counted
  std::size_t m_line_start = 0;  // start of the line holding m_cursor
  std::size_t m_line = 1;
  std::size_t m_column = 1;  // column of m_cursor
};

}  // namespace sprawl
