// UTF-16 detection (byte-order mark, or the zero-byte pattern of ASCII text) and decoding,
// and binary detection (a NUL byte near the start, as git and grep decide it).
#include "src/source/text_decode.h"

#include <algorithm>
#include <cstring>

namespace sprawl {
namespace {

constexpr std::size_t kSniffBytes = 8192;

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void decode_utf16(std::string_view bytes, bool little_endian, std::string& out) {
  out.clear();
  out.reserve(bytes.size() / 2 + 16);
  auto unit = [&](std::size_t i) -> char16_t {
    const auto a = static_cast<unsigned char>(bytes[i]), b = static_cast<unsigned char>(bytes[i + 1]);
    return static_cast<char16_t>(little_endian ? (a | (b << 8)) : ((a << 8) | b));
  };
  for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
    const char16_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF && i + 3 < bytes.size()) {
      const char16_t low = unit(i + 2);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        append_utf8(out, 0x10000 + ((static_cast<char32_t>(u) - 0xD800) << 10) + (low - 0xDC00));
        i += 2;
        continue;
      }
    }
    append_utf8(out, (u >= 0xD800 && u <= 0xDFFF) ? 0xFFFD : u);
  }
}

// Without a byte-order mark, ASCII-heavy UTF-16 has zeros in every other byte and few elsewhere.
int sniff_utf16_without_bom(std::string_view bytes) {
  const std::size_t n = std::min(bytes.size(), kSniffBytes) & ~std::size_t{1};
  if (n < 16) return 0;
  std::size_t even_zero = 0, odd_zero = 0;
  for (std::size_t i = 0; i < n; i += 2) {
    even_zero += bytes[i] == 0;
    odd_zero += bytes[i + 1] == 0;
  }
  const std::size_t units = n / 2;
  if (odd_zero * 10 >= units * 9 && even_zero * 10 <= units) return 1;   // little endian
  if (even_zero * 10 >= units * 9 && odd_zero * 10 <= units) return -1;  // big endian
  return 0;
}

}  // namespace

DecodedText decode_text(std::string_view bytes, std::string& scratch) {
  if (bytes.size() >= 2) {
    const auto b0 = static_cast<unsigned char>(bytes[0]), b1 = static_cast<unsigned char>(bytes[1]);
    const bool le_bom = b0 == 0xFF && b1 == 0xFE, be_bom = b0 == 0xFE && b1 == 0xFF;
    const int sniffed = (le_bom || be_bom) ? 0 : sniff_utf16_without_bom(bytes);
    if (le_bom || be_bom || sniffed != 0) {
      const bool little = le_bom || sniffed > 0;
      decode_utf16(bytes.substr((le_bom || be_bom) ? 2 : 0), little, scratch);
      return {little ? TextEncoding::utf16le : TextEncoding::utf16be, scratch};
    }
  }
  const std::size_t sniff = std::min(bytes.size(), kSniffBytes);
  if (std::memchr(bytes.data(), 0, sniff) != nullptr) return {TextEncoding::binary, bytes};
  return {TextEncoding::utf8, bytes};
}

const char* to_string(TextEncoding encoding) {
  switch (encoding) {
    case TextEncoding::utf8:
      return "utf-8";
    case TextEncoding::utf16le:
      return "utf-16le";
    case TextEncoding::utf16be:
      return "utf-16be";
    case TextEncoding::binary:
      return "binary";
  }
  return "utf-8";
}

}  // namespace sprawl
