// decode_text: UTF-8 as is, UTF-16 (with or without BOM) decoded to UTF-8, NUL → binary.
#include <catch2/catch.hpp>

#include <string>

#include "src/source/text_decode.h"

using sprawl::decode_text;
using sprawl::TextEncoding;

namespace {

std::string utf16le(const std::u16string& units, bool bom) {
  std::string out;
  if (bom) out += "\xFF\xFE";
  for (char16_t u : units) {
    out.push_back(static_cast<char>(u & 0xFF));
    out.push_back(static_cast<char>(u >> 8));
  }
  return out;
}

std::string utf16be(const std::u16string& units, bool bom) {
  std::string out;
  if (bom) out += "\xFE\xFF";
  for (char16_t u : units) {
    out.push_back(static_cast<char>(u >> 8));
    out.push_back(static_cast<char>(u & 0xFF));
  }
  return out;
}

}  // namespace

TEST_CASE("plain UTF-8 is scanned as is without copying", "[source]") {
  const std::string bytes = "token = \"abc\"\nnaïve café €\n";
  std::string scratch;
  const auto decoded = decode_text(bytes, scratch);
  CHECK(decoded.encoding == TextEncoding::utf8);
  CHECK(decoded.text == bytes);
  CHECK(decoded.text.data() == bytes.data());
}

TEST_CASE("empty and one-byte input is UTF-8", "[source]") {
  std::string scratch;
  CHECK(decode_text("", scratch).encoding == TextEncoding::utf8);
  CHECK(decode_text("a", scratch).encoding == TextEncoding::utf8);
}

TEST_CASE("UTF-16LE with a BOM is decoded to UTF-8 without the BOM", "[source]") {
  const std::string bytes = utf16le(u"key=abc\u00e9\u20ac\n", true);
  std::string scratch;
  const auto decoded = decode_text(bytes, scratch);
  CHECK(decoded.encoding == TextEncoding::utf16le);
  CHECK(decoded.text == "key=abc\xC3\xA9\xE2\x82\xAC\n");
}

TEST_CASE("UTF-16BE with a BOM is decoded to UTF-8 without the BOM", "[source]") {
  const std::string bytes = utf16be(u"key=abc\u00e9\u20ac\n", true);
  std::string scratch;
  const auto decoded = decode_text(bytes, scratch);
  CHECK(decoded.encoding == TextEncoding::utf16be);
  CHECK(decoded.text == "key=abc\xC3\xA9\xE2\x82\xAC\n");
}

TEST_CASE("UTF-16LE without a BOM is recognised by its zero bytes", "[source]") {
  const std::string bytes = utf16le(u"export API_TOKEN=abcdef0123\r\n", false);
  std::string scratch;
  const auto decoded = decode_text(bytes, scratch);
  CHECK(decoded.encoding == TextEncoding::utf16le);
  CHECK(decoded.text == "export API_TOKEN=abcdef0123\r\n");
}

TEST_CASE("UTF-16BE without a BOM is recognised by its zero bytes", "[source]") {
  const std::string bytes = utf16be(u"export API_TOKEN=abcdef0123\r\n", false);
  std::string scratch;
  const auto decoded = decode_text(bytes, scratch);
  CHECK(decoded.encoding == TextEncoding::utf16be);
  CHECK(decoded.text == "export API_TOKEN=abcdef0123\r\n");
}

TEST_CASE("UTF-16 surrogate pairs decode to one 4-byte UTF-8 character", "[source]") {
  // U+1F600 is D83D DE00.
  const std::u16string units = u"a\U0001F600b";
  REQUIRE(units.size() == 4);
  std::string scratch;
  const auto le = decode_text(utf16le(units, true), scratch);
  CHECK(le.encoding == TextEncoding::utf16le);
  CHECK(le.text ==
        "a\xF0\x9F\x98\x80"
        "b");
  std::string scratch2;
  const auto be = decode_text(utf16be(units, true), scratch2);
  CHECK(be.text ==
        "a\xF0\x9F\x98\x80"
        "b");
}

TEST_CASE("unpaired UTF-16 surrogates decode to U+FFFD", "[source]") {
  std::u16string units = u"ab";
  units.insert(units.begin() + 1, static_cast<char16_t>(0xD800));  // high surrogate followed by 'b'
  units.push_back(static_cast<char16_t>(0xDC00));                  // lone low surrogate at the end
  std::string scratch;
  const auto decoded = decode_text(utf16le(units, true), scratch);
  CHECK(decoded.text ==
        "a\xEF\xBF\xBD"
        "b\xEF\xBF\xBD");
}

TEST_CASE("a NUL byte near the start marks content as binary", "[source]") {
  std::string bytes =
      "\x7f"
      "ELF";
  bytes += std::string("\x02\x01\x01\x00\x00\x00", 6);
  bytes += "some readable text that follows the header";
  std::string scratch;
  const auto decoded = decode_text(bytes, scratch);
  CHECK(decoded.encoding == TextEncoding::binary);
  CHECK(decoded.text.size() == bytes.size());  // scanned as is
  CHECK(decoded.text.data() == bytes.data());
}

TEST_CASE("a NUL byte beyond the sniffed prefix does not make content binary", "[source]") {
  std::string bytes(10000, 'a');
  for (std::size_t i = 50; i < bytes.size(); i += 51) bytes[i] = '\n';
  bytes[9000] = '\0';
  std::string scratch;
  CHECK(decode_text(bytes, scratch).encoding == TextEncoding::utf8);
  bytes[100] = '\0';
  CHECK(decode_text(bytes, scratch).encoding == TextEncoding::binary);
}

TEST_CASE("content of only NUL bytes is binary, not UTF-16", "[source]") {
  const std::string bytes(64, '\0');
  std::string scratch;
  CHECK(decode_text(bytes, scratch).encoding == TextEncoding::binary);
}

TEST_CASE("encoding names match the output schema", "[source]") {
  CHECK(std::string(sprawl::to_string(TextEncoding::utf8)) == "utf-8");
  CHECK(std::string(sprawl::to_string(TextEncoding::utf16le)) == "utf-16le");
  CHECK(std::string(sprawl::to_string(TextEncoding::utf16be)) == "utf-16be");
  CHECK(std::string(sprawl::to_string(TextEncoding::binary)) == "binary");
}
