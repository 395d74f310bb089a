// Incremental newline counting for match positions.
#include "src/match/line_index.h"

#include <cstring>

namespace sprawl {

TextPosition LineIndex::position(std::size_t offset) {
  if (offset > m_text.size()) offset = m_text.size();
  if (offset < m_cursor) {  // out of order: start again from the top
    m_cursor = 0;
    m_line_start = 0;
    m_line = 1;
  }
  const char* base = m_text.data();
  while (m_cursor < offset) {
    const void* nl = std::memchr(base + m_cursor, '\n', offset - m_cursor);
    if (!nl) break;
    m_cursor = static_cast<std::size_t>(static_cast<const char*>(nl) - base) + 1;
    m_line_start = m_cursor;
    ++m_line;
  }
  m_cursor = offset;
  std::size_t column = 1;
  for (std::size_t i = m_line_start; i < offset; ++i) {
    if ((static_cast<unsigned char>(base[i]) & 0xC0) != 0x80) ++column;  // count UTF-8 lead bytes
  }
  return {static_cast<std::uint32_t>(m_line), static_cast<std::uint32_t>(column)};
}

std::string_view LineIndex::line_at(std::size_t offset) const {
  if (offset > m_text.size()) offset = m_text.size();
  std::size_t start = 0;
  if (offset > 0) {
    const std::size_t newline = m_text.rfind('\n', offset - 1);
    if (newline != std::string_view::npos) start = newline + 1;
  }
  std::size_t end = m_text.find('\n', offset);
  if (end == std::string_view::npos) end = m_text.size();
  if (end > start && m_text[end - 1] == '\r') --end;
  return m_text.substr(start, end - start);
}

}  // namespace sprawl
