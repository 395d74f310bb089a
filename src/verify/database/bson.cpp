// The BSON builder's encoders and the reader's bounds checks (value sizes by type, nested
// validation, lookup by key) declared in bson.h.
#include "src/verify/database/bson.h"

#include <cstring>

namespace sprawl::verify::bson {

Builder& Builder::int32(std::string_view key, std::int32_t v) {
  head(0x10, key);
  detail::put_le(m_body, static_cast<std::uint32_t>(v), 4);
  return *this;
}

Builder& Builder::int64(std::string_view key, std::int64_t v) {
  head(0x12, key);
  detail::put_le(m_body, static_cast<std::uint64_t>(v), 8);
  return *this;
}

Builder& Builder::float64(std::string_view key, double v) {
  head(0x01, key);
  std::uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  detail::put_le(m_body, bits, 8);
  return *this;
}

Builder& Builder::boolean(std::string_view key, bool v) {
  head(0x08, key);
  m_body += static_cast<char>(v ? 1 : 0);
  return *this;
}

Builder& Builder::string(std::string_view key, std::string_view v) {
  head(0x02, key);
  detail::put_le(m_body, v.size() + 1, 4);
  m_body += v;
  m_body += '\0';
  return *this;
}

Builder& Builder::binary(std::string_view key, std::string_view v, unsigned char subtype) {
  head(0x05, key);
  detail::put_le(m_body, v.size(), 4);
  m_body += static_cast<char>(subtype);
  m_body += v;
  return *this;
}

Builder& Builder::document(std::string_view key, std::string_view bytes, bool array) {
  head(array ? 0x04 : 0x03, key);
  m_body += bytes;
  return *this;
}

std::string Builder::finish() const {
  std::string out;
  detail::put_le(out, m_body.size() + 5, 4);
  out += m_body;
  out += '\0';
  return out;
}

void Builder::head(char type, std::string_view key) {
  m_body += type;
  m_body += key;
  m_body += '\0';
}

std::optional<double> Element::number() const {
  if (type == 0x10) return static_cast<double>(static_cast<std::int32_t>(detail::get_le(value, 4)));
  if (type == 0x12) return static_cast<double>(static_cast<std::int64_t>(detail::get_le(value, 8)));
  if (type == 0x01) {
    const std::uint64_t bits = detail::get_le(value, 8);
    double d = 0;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  return std::nullopt;
}

std::optional<bool> Element::truth() const {
  if (type == 0x08) return value[0] != 0;
  if (auto n = number()) return *n != 0;
  return std::nullopt;
}

std::optional<std::string_view> Element::string() const {
  if (type != 0x02) return std::nullopt;
  return value.substr(4, value.size() - 5);
}

std::optional<std::string_view> Element::binary() const {
  if (type != 0x05) return std::nullopt;
  return value.substr(5);
}

std::optional<std::string_view> Element::document() const {
  if (type != 0x03 && type != 0x04) return std::nullopt;
  return value;
}

namespace detail {

std::optional<std::size_t> int32_at(std::string_view bytes, std::size_t pos) {
  if (pos + 4 > bytes.size()) return std::nullopt;
  const auto v = static_cast<std::int32_t>(get_le(bytes.substr(pos), 4));
  if (v < 0) return std::nullopt;
  return static_cast<std::size_t>(v);
}

std::optional<std::size_t> value_size(unsigned char type, std::string_view doc, std::size_t pos) {
  switch (type) {
    case 0x01:
    case 0x09:
    case 0x11:
    case 0x12:
      return 8;
    case 0x07:
      return 12;
    case 0x08:
      return 1;
    case 0x06:
    case 0x0A:
    case 0xFF:
    case 0x7F:
      return 0;
    case 0x10:
      return 4;
    case 0x13:
      return 16;
    case 0x02:
    case 0x0D:
    case 0x0E: {  // int32 length (with the NUL), bytes, NUL
      const auto n = int32_at(doc, pos);
      if (!n || *n < 1 || pos + 4 + *n > doc.size() || doc[pos + 4 + *n - 1] != '\0') return std::nullopt;
      return 4 + *n;
    }
    case 0x0C: {  // DBPointer: string and 12-byte id
      const auto s = value_size(0x02, doc, pos);
      if (!s) return std::nullopt;
      return *s + 12;
    }
    case 0x03:
    case 0x04:
    case 0x0F: {  // int32 total length including itself
      const auto n = int32_at(doc, pos);
      if (!n || *n < 5 || pos + *n > doc.size()) return std::nullopt;
      return *n;
    }
    case 0x05: {  // int32 length, subtype, bytes
      const auto n = int32_at(doc, pos);
      if (!n || pos + 5 + *n > doc.size()) return std::nullopt;
      return 5 + *n;
    }
    case 0x0B: {  // regex: two C strings
      const std::size_t a = doc.find('\0', pos);
      if (a == std::string_view::npos) return std::nullopt;
      const std::size_t b = doc.find('\0', a + 1);
      if (b == std::string_view::npos) return std::nullopt;
      return b + 1 - pos;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace detail

bool valid(std::string_view doc, int depth) {
  if (depth > kMaxDepth) return false;
  bool nested_ok = true;
  const bool ok = for_each(doc, [&](const Element& e) {
    if (const auto inner = e.document()) nested_ok = valid(*inner, depth + 1);
    return nested_ok;
  });
  return ok && nested_ok;
}

std::optional<Element> find(std::string_view doc, std::string_view key) {
  std::optional<Element> found;
  for_each(doc, [&](const Element& e) {
    if (e.key == key) found = e;
    return !found;
  });
  return found;
}

}  // namespace sprawl::verify::bson
