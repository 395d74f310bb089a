// Incremental newline counting for match positions.
#include "src/match/line_index.h"

#include <algorithm>
#include <cstring>

namespace sprawl {

namespace {

// Characters (UTF-8 lead bytes) in [from, to).
std::size_t characters(const char* base, std::size_t from, std::size_t to) {
  std::size_t count = 0;
  for (std::size_t i = from; i < to; ++i) count += (static_cast<unsigned char>(base[i]) & 0xC0) != 0x80;
  return count;
}

}  // namespace

// Moves a cursor (offset, line, line start, column) forwards or backwards, so each query costs
// the distance from the previous one: many matches on one long minified line stay linear.
TextPosition LineIndex::position(std::size_t offset) {
  if (offset > m_text.size()) offset = m_text.size();
  const char* base = m_text.data();
  if (offset >= m_cursor) {
    while (const void* nl = std::memchr(base + m_cursor, '\n', offset - m_cursor)) {
      m_cursor = static_cast<std::size_t>(static_cast<const char*>(nl) - base) + 1;
      m_line_start = m_cursor;
      m_column = 1;
      ++m_line;
      if (m_cursor >= offset) break;
    }
    m_column += characters(base, m_cursor, offset);
  } else if (offset >= m_line_start) {
    m_column -= characters(base, offset, m_cursor);
  } else {
    m_line -= static_cast<std::size_t>(std::count(base + offset, base + m_line_start, '\n'));
    const std::size_t newline = offset == 0 ? std::string_view::npos : m_text.rfind('\n', offset - 1);
    m_line_start = newline == std::string_view::npos ? 0 : newline + 1;
    m_column = 1 + characters(base, m_line_start, offset);
  }
  m_cursor = offset;
  return {static_cast<std::uint32_t>(m_line), static_cast<std::uint32_t>(m_column)};
}

std::string_view LineIndex::line_at(std::size_t offset, std::size_t reach) const {
  if (offset > m_text.size()) offset = m_text.size();
  const char* base = m_text.data();
  const std::size_t floor = offset > reach ? offset - reach : 0;
  std::size_t start = floor;
  for (std::size_t i = offset; i > floor; --i) {
    if (base[i - 1] == '\n') {
      start = i;
      break;
    }
  }
  const std::size_t ceiling = std::min(m_text.size(), offset + reach);
  const void* nl = std::memchr(base + offset, '\n', ceiling - offset);
  std::size_t end = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - base) : ceiling;
  if (end > start && base[end - 1] == '\r') --end;
  return m_text.substr(start, end - start);
}

}  // namespace sprawl
