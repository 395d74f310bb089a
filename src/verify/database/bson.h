// Minimal BSON (bsonspec.org): a builder for the few commands a MongoDB handshake sends, and a
// bounds-checked reader of server replies that rejects malformed documents instead of reading
// past them. Implemented in bson.cpp; for_each stays here because it is a template.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sprawl::verify::bson {

constexpr std::size_t kMaxDocument = 16 * 1024 * 1024;
constexpr int kMaxDepth = 32;

namespace detail {
/// Appends the low `bytes` bytes of `v`, little-endian.
inline void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>(v >> (8 * i));
}
/// The little-endian number in the first `count` bytes of `bytes` (which must hold them).
inline std::uint64_t get_le(std::string_view bytes, int count) {
  std::uint64_t v = 0;
  for (int i = count; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
  return v;
}
}  // namespace detail

/// Appends elements in order; finish() returns the document's bytes. Keys must not hold NUL.
class Builder {
 public:
  Builder& int32(std::string_view key, std::int32_t v);
  Builder& int64(std::string_view key, std::int64_t v);
  Builder& float64(std::string_view key, double v);
  Builder& boolean(std::string_view key, bool v);
  Builder& string(std::string_view key, std::string_view v);
  Builder& binary(std::string_view key, std::string_view v, unsigned char subtype = 0);
  /// A nested document (`array`: an array, whose keys must be "0", "1", …) from finish()ed bytes.
  Builder& document(std::string_view key, std::string_view bytes, bool array = false);
  /// The document: its length, the elements so far and the closing NUL.
  std::string finish() const;

 private:
  void head(char type, std::string_view key);
  std::string m_body;
};

/// One element of a document: its type byte, key and raw value bytes (views into the document).
struct Element {
  unsigned char type = 0;
  std::string_view key, value;

  /// int32, int64 or double as a double.
  std::optional<double> number() const;
  /// A boolean, or a number read as one (servers answer ok: 1.0).
  std::optional<bool> truth() const;
  /// A string's text, without its length and NUL.
  std::optional<std::string_view> string() const;
  /// A binary's bytes, without its length and subtype.
  std::optional<std::string_view> binary() const;
  /// A nested document's or array's bytes (check them with valid() before reading them).
  std::optional<std::string_view> document() const;
};

namespace detail {
/// The non-negative int32 at `pos` in `bytes`, or nullopt when it does not fit or is negative.
std::optional<std::size_t> int32_at(std::string_view bytes, std::size_t pos);
/// The size of the value of `type` starting at `pos` in `doc`, or nullopt when it does not fit.
std::optional<std::size_t> value_size(unsigned char type, std::string_view doc, std::size_t pos);
}  // namespace detail

/// Calls `visit(const Element&)` for each top-level element of `doc`, in order, stopping when
/// it returns false. False when the document is malformed (what was visited stays visited).
template <typename Visit>
bool for_each(std::string_view doc, Visit&& visit) {
  const auto total = detail::int32_at(doc, 0);
  if (!total || *total < 5 || *total > doc.size() || *total > kMaxDocument || doc[*total - 1] != '\0') return false;
  doc = doc.substr(0, *total - 1);  // without the trailing NUL: elements lie in [4, size)
  std::size_t pos = 4;
  while (pos < doc.size()) {
    Element e;
    e.type = static_cast<unsigned char>(doc[pos]);
    const std::size_t key_end = doc.find('\0', pos + 1);
    if (key_end == std::string_view::npos) return false;
    e.key = doc.substr(pos + 1, key_end - pos - 1);
    const auto size = detail::value_size(e.type, doc, key_end + 1);
    if (!size || *size > doc.size() - (key_end + 1)) return false;  // a value cut off by the document's end
    e.value = doc.substr(key_end + 1, *size);
    pos = key_end + 1 + *size;
    if (!visit(e)) return true;
  }
  return true;
}

/// Whether `doc` and every document nested in it are well formed (nesting up to kMaxDepth).
bool valid(std::string_view doc, int depth = 0);

/// The first element of `doc` named `key`, or nullopt (also for a malformed document).
std::optional<Element> find(std::string_view doc, std::string_view key);

}  // namespace sprawl::verify::bson
