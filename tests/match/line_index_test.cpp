// LineIndex: byte offsets to 1-based line and code-point column; line_at.
#include <catch2/catch.hpp>

#include <string>

#include "src/match/line_index.h"

using sprawl::LineIndex;
using sprawl::TextPosition;

namespace {

void check_position(LineIndex& index, std::size_t offset, std::uint32_t line, std::uint32_t column) {
  INFO("offset " << offset);
  const TextPosition p = index.position(offset);
  CHECK(p.line == line);
  CHECK(p.column == column);
}

}  // namespace

TEST_CASE("line index positions are 1-based", "[match]") {
  const std::string text = "abc\ndef\n\nxyz";
  LineIndex index(text);
  check_position(index, 0, 1, 1);
  check_position(index, 2, 1, 3);
  check_position(index, 3, 1, 4);  // the newline itself belongs to line 1
  check_position(index, 4, 2, 1);
  check_position(index, 6, 2, 3);
  check_position(index, 8, 3, 1);  // empty line
  check_position(index, 9, 4, 1);
  check_position(index, 11, 4, 3);
}

TEST_CASE("line index counts CRLF as one line break", "[match]") {
  const std::string text = "ab\r\ncd\r\nef";
  LineIndex index(text);
  check_position(index, 2, 1, 3);  // the \r
  check_position(index, 4, 2, 1);
  check_position(index, 5, 2, 2);
  check_position(index, 8, 3, 1);
}

TEST_CASE("line index handles text without a final newline", "[match]") {
  const std::string text = "first\nlast";
  LineIndex index(text);
  check_position(index, 9, 2, 4);
  check_position(index, text.size(), 2, 5);  // end of text
}

TEST_CASE("line index columns count code points, not bytes", "[match]") {
  // "é" is 2 bytes, "€" 3 bytes, U+1F600 4 bytes.
  const std::string text = "x\n\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80key";
  LineIndex index(text);
  check_position(index, 2, 2, 1);   // é
  check_position(index, 4, 2, 2);   // €
  check_position(index, 7, 2, 3);   // emoji
  check_position(index, 11, 2, 4);  // k
  check_position(index, 13, 2, 6);  // y
}

TEST_CASE("line index answers out-of-order queries", "[match]") {
  const std::string text = "l1\nl2\nl3\nl4";
  LineIndex index(text);
  check_position(index, 9, 4, 1);
  check_position(index, 0, 1, 1);
  check_position(index, 7, 3, 2);
  check_position(index, 3, 2, 1);
  check_position(index, 10, 4, 2);
  check_position(index, 10, 4, 2);  // the same offset twice
}

TEST_CASE("line index position agrees with a naive count over a long text", "[match]") {
  std::string text;
  for (int i = 0; i < 500; ++i) text += std::string(static_cast<std::size_t>(i % 37), 'a') + (i % 3 ? "\n" : "\r\n");
  LineIndex index(text);
  std::uint32_t line = 1, column = 1;
  for (std::size_t offset = 0; offset < text.size(); ++offset) {
    if (offset % 97 == 0) {
      const TextPosition p = index.position(offset);
      REQUIRE(p.line == line);
      REQUIRE(p.column == column);
    }
    if (text[offset] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
}

TEST_CASE("line_at returns the line without its terminator", "[match]") {
  const std::string text = "one\r\ntwo words\nthree\r\n\nlast";
  LineIndex index(text);
  CHECK(index.line_at(0) == "one");
  CHECK(index.line_at(2) == "one");
  CHECK(index.line_at(3) == "one");  // on the \r
  CHECK(index.line_at(5) == "two words");
  CHECK(index.line_at(9) == "two words");
  CHECK(index.line_at(15) == "three");
  CHECK(index.line_at(22).empty());  // the empty line
  CHECK(index.line_at(23) == "last");
  CHECK(index.line_at(text.size() - 1) == "last");
}

TEST_CASE("line_at of a single line without newline is the whole text", "[match]") {
  const std::string text = "token=abc";
  LineIndex index(text);
  CHECK(index.line_at(6) == "token=abc");
  CHECK(index.line_at(0) == "token=abc");
}

// Regression: columns were recounted from the line start for every query, quadratic for many
// matches on one minified line; the cursor now moves by the distance between queries.
TEST_CASE("line index agrees with a naive count for queries in any order", "[match]") {
  std::string text;
  for (int i = 0; i < 400; ++i) text += (i % 7 == 0) ? "\r\n" : (i % 5 == 0 ? "\xc3\xa9" : "ab");
  auto naive = [&](std::size_t offset) {
    std::uint32_t line = 1, column = 1;
    for (std::size_t i = 0; i < offset; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
        ++column;
      }
    }
    return std::make_pair(line, column);
  };
  sprawl::LineIndex index(text);
  std::uint32_t seed = 12345;
  for (int q = 0; q < 2000; ++q) {
    seed = seed * 1103515245u + 12345u;
    const std::size_t offset = (seed >> 8) % (text.size() + 1);
    const auto expected = naive(offset);
    const auto got = index.position(offset);
    INFO("offset " << offset);
    REQUIRE(got.line == expected.first);
    REQUIRE(got.column == expected.second);
  }
}

// Regression: a 1.6 MB minified line with 50,000 matches took 22 s because every match's line
// (for `regexTarget = "line"` allow-lists) was searched from the line start.
TEST_CASE("line_at clips a very long line to its reach around the offset", "[match]") {
  const std::string text = "head\n" + std::string(10000, 'x') + "KEY" + std::string(10000, 'y') + "\ntail";
  sprawl::LineIndex index(text);
  const std::size_t key = text.find("KEY");
  CHECK(index.line_at(key, 4) == "xxxxKEYy");
  CHECK(index.line_at(key).size() == 2 * 4096);
  CHECK(index.line_at(2, 4) == "head");
}
