// Encoded spans: bit masks of 64-byte blocks (block_masks.h) find the candidates - long base64
// runs, '%' and '\' - and each is decoded once to check that it is text, and only then to keep it.
#include "src/source/decode/encoded_spans.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <utility>

#include "src/source/decode/block_masks.h"

namespace sprawl {

const char* to_string(TextCoding coding) {
  switch (coding) {
    case TextCoding::base64:
      return "base64";
    case TextCoding::base64url:
      return "base64url";
    case TextCoding::percent:
      return "percent";
    case TextCoding::unicode_escape:
      return "unicode-escape";
    case TextCoding::hex_escape:
      return "hex-escape";
  }
  return "unknown";
}

namespace {

using decode_detail::BlockMasksFn;
using decode_detail::Masks;

constexpr std::size_t npos = std::string_view::npos;
constexpr std::size_t kMinBase64Bytes = 6;  // shorter decoded base64 is too short to hold a secret
constexpr std::size_t kMinBase64Run = 8;    // the fewest characters that decode to kMinBase64Bytes

// Byte classes of the run scanners (the block scan's own classes are in block_masks.h).
enum : std::uint8_t {
  kUrl = 1 << 0,        // what a percent-encoded run may hold
  kEscapeRun = 1 << 1,  // not whitespace, not a quote, not a control character
  kUpper = 1 << 2,
  kLower = 1 << 3,
  kNonHexLetter = 1 << 4,
  kPlusSlash = 1 << 5,
  kDashUnderscore = 1 << 6,
};

constexpr bool one_of(const char* set, int c) {
  for (; *set != '\0'; ++set) {
    if (*set == c) return true;
  }
  return false;
}

constexpr std::uint8_t classify(int c) {
  const bool upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z', digit = c >= '0' && c <= '9';
  const bool alnum = upper || lower || digit;
  std::uint8_t f = 0;
  if (upper) f |= kUpper;
  if (lower) f |= kLower;
  if ((upper && c > 'F') || (lower && c > 'f')) f |= kNonHexLetter;
  if (c == '+' || c == '/') f |= kPlusSlash;
  if (c == '-' || c == '_') f |= kDashUnderscore;
  // URL characters, less the delimiters that end a value in code, YAML and JSON.
  if (alnum || one_of("-._~:/?#@!$&*+=%", c)) f |= kUrl;
  if (c > 0x20 && c != 0x7F && !one_of("\"'`", c)) f |= kEscapeRun;
  return f;
}

constexpr std::array<std::uint8_t, 256> make_classes() {
  std::array<std::uint8_t, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = classify(c);
  return table;
}

constexpr std::array<std::uint8_t, 256> make_base64_values() {
  std::array<std::uint8_t, 256> table{};  // 0 for non-alphabet bytes, which never reach the decoder
  for (int i = 0; i < 26; ++i) table['A' + i] = i, table['a' + i] = 26 + i;
  for (int i = 0; i < 10; ++i) table['0' + i] = 52 + i;
  table['+'] = table['-'] = 62;
  table['/'] = table['_'] = 63;
  return table;
}

constexpr auto kClasses = make_classes();
constexpr auto kBase64Values = make_base64_values();

std::uint8_t class_of(char c) { return kClasses[static_cast<unsigned char>(c)]; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// The value of `digits` hex digits at text[i], or -1.
int read_hex(std::string_view text, std::size_t i, std::size_t digits) {
  if (i + digits > text.size()) return -1;
  int value = 0;
  for (std::size_t k = 0; k < digits; ++k) {
    const int v = hex_value(text[i + k]);
    if (v < 0) return -1;
    value = value * 16 + v;
  }
  return value;
}

// ---- candidate search ----------------------------------------------------------------------

/// Finds runs of at least `length` set bits in a 64-bit mask with a fixed list of shifts: after
/// `run &= run >> s` for each, bit k is set where bits k .. k+length-1 all were.
class LongRunFilter {
 public:
  explicit LongRunFilter(std::size_t length) : m_possible(length <= 64) {
    std::size_t have = 1, count = 0;
    for (; have * 2 <= length && m_possible; have *= 2) m_shifts[count++] = static_cast<unsigned>(have);
    if (have < length && m_possible) m_shifts[count++] = static_cast<unsigned>(length - have);  // windows touch
  }
  std::uint64_t starts(std::uint64_t run) const {
    if (!m_possible) return 0;
    const auto& s = m_shifts;  // unused entries are 0: no effect
    run &= run >> s[0], run &= run >> s[1], run &= run >> s[2];
    run &= run >> s[3], run &= run >> s[4], run &= run >> s[5];
    return run;
  }

 private:
  bool m_possible;
  std::array<unsigned, 6> m_shifts{};
};

struct Candidate {
  std::size_t start = npos;  ///< a '%', a '\', or the start of a long base64-class run
  std::size_t end = npos;    ///< the end of that run; start + 1 for '%' and '\'
};

/// Walks the text in aligned 64-byte blocks and keeps the masks of the last block it read, so
/// that the many candidates of one block (identifiers, escapes) cost one mask computation.
class CandidateCursor {
 public:
  CandidateCursor(std::string_view text, std::size_t min_run)
      : m_text(text), m_min_run(min_run), m_long_runs(min_run), m_block_masks(decode_detail::pick_block_masks()) {}

  /// The first candidate at or after `from`. A base64-class run is counted from `from` even if
  /// text[from - 1] is in the class.
  Candidate next(std::size_t from) {
    std::size_t carry = 0;  // length of the class run (from `from` on) that ends before block b
    for (std::size_t b = from & ~std::size_t{63}; b < m_text.size(); b += 64) {
      Masks m = masks(b);
      if (from > b) m.base64 &= ~std::uint64_t{0} << (from - b), m.trigger &= ~std::uint64_t{0} << (from - b);
      if (carry > 0 && carry + std::countr_one(m.base64) >= m_min_run) return {b - carry, run_end(b, 0)};
      const std::size_t trigger = m.trigger != 0 ? b + std::countr_zero(m.trigger) : npos;
      const std::uint64_t starts = m_long_runs.starts(m.base64);
      const std::size_t start = starts != 0 ? b + std::countr_zero(starts) : npos;
      if (start < trigger) return {start, run_end(b, start - b)};
      if (trigger != npos) return {trigger, trigger + 1};
      carry = m.base64 == ~std::uint64_t{0} ? carry + 64 : std::countl_one(m.base64);
    }
    return {};
  }

 private:
  const Masks& masks(std::size_t b) {
    if (b != m_block) {
      const std::size_t n = std::min<std::size_t>(64, m_text.size() - b);
      m_masks = n == 64 ? m_block_masks(m_text.data() + b) : decode_detail::scalar_masks(m_text.data() + b, n);
      m_block = b;
    }
    return m_masks;
  }

  /// The end of the class run through bit `offset` of block b.
  std::size_t run_end(std::size_t b, std::size_t offset) {
    for (; b < m_text.size(); b += 64, offset = 0) {
      const std::uint64_t outside = ~masks(b).base64 >> offset;
      if (outside != 0) return std::min(m_text.size(), b + offset + std::countr_zero(outside));
    }
    return m_text.size();
  }

  std::string_view m_text;
  std::size_t m_min_run;
  LongRunFilter m_long_runs;
  BlockMasksFn m_block_masks;
  std::size_t m_block = npos;
  Masks m_masks;
};

/// The first position in [from, to) holding a or b, or `to`.
std::size_t find_either(std::string_view text, std::size_t from, std::size_t to, char a, char b) {
#if defined(SPRAWL_DECODE_X86) && defined(__SSE2__)
  const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b);
  for (; from < to && from + 16 <= text.size(); from += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + from));
    unsigned hits =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb))));
    if (to - from < 16) hits &= (1u << (to - from)) - 1;
    if (hits != 0) return from + std::countr_zero(hits);
  }
#endif
  for (; from < to; ++from) {
    if (text[from] == a || text[from] == b) return from;
  }
  return to;
}

// ---- decoders, written once for a checking sink and once for a collecting one --------------

/// Streaming check that bytes are UTF-8 text: well-formed (RFC 3629) and free of control
/// characters (C0 other than tab, CR, LF; DEL; C1).
class TextChecker {
 public:
  bool feed(unsigned char c) {
    if (m_need == 0) {
      if (c < 0x80) return (c >= 0x20 && c != 0x7F) || c == '\t' || c == '\n' || c == '\r';
      return lead(c);
    }
    if (c < m_low || c > m_high) return false;
    m_low = 0x80, m_high = 0xBF, --m_need;
    return true;
  }
  bool complete() const { return m_need == 0; }

 private:
  bool lead(unsigned char c) {
    m_low = 0x80, m_high = 0xBF;
    if (c == 0xC2)
      m_need = 1, m_low = 0xA0;  // U+0080..U+009F are C1 control characters
    else if (c >= 0xC3 && c <= 0xDF)
      m_need = 1;
    else if (c == 0xE0)
      m_need = 2, m_low = 0xA0;
    else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
      m_need = 2;
    else if (c == 0xED)
      m_need = 2, m_high = 0x9F;  // no UTF-16 surrogates
    else if (c == 0xF0)
      m_need = 3, m_low = 0x90;
    else if (c >= 0xF1 && c <= 0xF3)
      m_need = 3;
    else if (c == 0xF4)
      m_need = 3, m_high = 0x8F;  // nothing above U+10FFFF
    else
      return false;
    return true;
  }
  int m_need = 0;
  unsigned char m_low = 0x80, m_high = 0xBF;
};

/// Checks decoded bytes without keeping them; stops at the first non-text byte or past `limit`.
class CheckSink {
 public:
  explicit CheckSink(std::size_t limit) : m_limit(limit) {}
  bool put(unsigned char c) { return ++m_size <= m_limit && m_checker.feed(c); }
  bool text() const { return m_checker.complete(); }
  std::size_t size() const { return m_size; }

 private:
  std::size_t m_limit, m_size = 0;
  TextChecker m_checker;
};

struct AppendSink {
  std::string& out;
  bool put(unsigned char c) {
    out.push_back(static_cast<char>(c));
    return true;
  }
};

/// Decodes base64 or base64url without padding (body.size() % 4 != 1, alphabet already known).
template <class Sink>
bool decode_base64(std::string_view body, Sink& sink) {
  auto value = [&](std::size_t i) -> std::uint32_t { return kBase64Values[static_cast<unsigned char>(body[i])]; };
  std::size_t i = 0;
  for (; i + 4 <= body.size(); i += 4) {
    const std::uint32_t q = value(i) << 18 | value(i + 1) << 12 | value(i + 2) << 6 | value(i + 3);
    if (!sink.put(q >> 16) || !sink.put((q >> 8) & 0xFF) || !sink.put(q & 0xFF)) return false;
  }
  const std::size_t rest = body.size() - i;
  if (rest < 2) return true;
  const std::uint32_t q = value(i) << 18 | value(i + 1) << 12 | (rest == 3 ? value(i + 2) << 6 : 0);
  return sink.put(q >> 16) && (rest == 2 || sink.put((q >> 8) & 0xFF));
}

/// Decodes %XX; other bytes, '+' included, stay as they are. Returns the number of escapes
/// decoded, or npos if the sink stopped.
template <class Sink>
std::size_t decode_percent(std::string_view run, Sink& sink) {
  std::size_t escapes = 0;
  for (std::size_t i = 0; i < run.size(); ++i) {
    const int value = run[i] == '%' ? read_hex(run, i + 1, 2) : -1;
    if (value >= 0) ++escapes, i += 2;
    if (!sink.put(value >= 0 ? static_cast<unsigned char>(value) : static_cast<unsigned char>(run[i]))) return npos;
  }
  return escapes;
}

template <class Sink>
bool put_code_point(std::uint32_t cp, Sink& sink) {
  if (cp < 0x80) return sink.put(cp);
  if (cp < 0x800) return sink.put(0xC0 | cp >> 6) && sink.put(0x80 | (cp & 0x3F));
  if (cp < 0x10000)
    return sink.put(0xE0 | cp >> 12) && sink.put(0x80 | (cp >> 6 & 0x3F)) && sink.put(0x80 | (cp & 0x3F));
  return sink.put(0xF0 | cp >> 18) && sink.put(0x80 | (cp >> 12 & 0x3F)) && sink.put(0x80 | (cp >> 6 & 0x3F)) &&
         sink.put(0x80 | (cp & 0x3F));
}

struct EscapeCount {
  std::size_t unicode = 0, hex = 0;
  bool stopped = false;  ///< the sink refused a byte
};

/// The code point of the \uXXXX escape (or surrogate pair) at run[i], and its length; 0 if none.
std::pair<std::uint32_t, std::size_t> unicode_escape_at(std::string_view run, std::size_t i) {
  const int unit = read_hex(run, i + 2, 4);
  if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF)) return {0, 0};
  if (unit < 0xD800 || unit > 0xDBFF) return {static_cast<std::uint32_t>(unit), 6};
  const bool pair = run.substr(i + 6, 2) == "\\u";
  const int low = pair ? read_hex(run, i + 8, 4) : -1;
  if (low < 0xDC00 || low > 0xDFFF) return {0, 0};  // a lone surrogate stays as it is written
  return {0x10000 + ((static_cast<std::uint32_t>(unit) - 0xD800) << 10) + (static_cast<std::uint32_t>(low) - 0xDC00),
          12};
}

char simple_escape(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case '"':
    case '\'':
    case '\\':
    case '/':
      return c;
    default:
      return '\0';
  }
}

/// Decodes \uXXXX (and surrogate pairs), \xNN and \n \t \r \" \' \\ \/; anything else stays.
template <class Sink>
EscapeCount decode_escapes(std::string_view run, Sink& sink) {
  EscapeCount count;
  for (std::size_t i = 0; i < run.size() && !count.stopped;) {
    const char next = run[i] == '\\' && i + 1 < run.size() ? run[i + 1] : '\0';
    if (next == 'u') {
      if (const auto [cp, length] = unicode_escape_at(run, i); length != 0) {
        ++count.unicode, i += length, count.stopped = !put_code_point(cp, sink);
        continue;
      }
    } else if (next == 'x') {
      if (const int value = read_hex(run, i + 2, 2); value >= 0) {
        ++count.hex, i += 4, count.stopped = !sink.put(static_cast<unsigned char>(value));
        continue;
      }
    } else if (const char simple = simple_escape(next); simple != '\0') {
      i += 2, count.stopped = !sink.put(static_cast<unsigned char>(simple));
      continue;
    }
    count.stopped = !sink.put(static_cast<unsigned char>(run[i++]));
  }
  return count;
}

/// Whether a \uXXXX or \xNN escape starts at text[i] (a lone surrogate counts too).
bool code_escape_at(std::string_view text, std::size_t i) {
  if (i + 1 >= text.size()) return false;
  return (text[i + 1] == 'u' && read_hex(text, i + 2, 4) >= 0) || (text[i + 1] == 'x' && read_hex(text, i + 2, 2) >= 0);
}

/// Whether a run's mix of characters can be base64: one alphabet, some letters, not just hex
/// digits. Runs of letters alone are kept: the base64 of 1 in 13 random 15-character passwords
/// has no digit, and identifiers fail the decodes-to-text test (none of 30,000 in real code passed).
bool plausible_base64(std::string_view body) {
  std::uint8_t seen = 0;
  for (char c : body) seen |= class_of(c);
  if ((seen & kPlusSlash) && (seen & kDashUnderscore)) return false;
  if (!(seen & (kUpper | kLower))) return false;
  const bool one_case = !(seen & kUpper) || !(seen & kLower);
  return !(one_case && !(seen & (kNonHexLetter | kPlusSlash | kDashUnderscore)));
}

bool is_base64url(std::string_view body) {
  return std::any_of(body.begin(), body.end(), [](char c) { return (class_of(c) & kDashUnderscore) != 0; });
}

// ---- the scan --------------------------------------------------------------------------------

class SpanScanner {
 public:
  SpanScanner(std::string_view text, const DecodeLimits& limits, std::vector<EncodedSpan>& out)
      : m_text(text),
        m_out(out),
        m_min_run(std::max(limits.min_base64_run, kMinBase64Run)),
        m_max_spans(limits.max_spans),
        m_max_bytes(limits.max_decoded_bytes) {}

  void run() {
    CandidateCursor cursor(m_text, m_min_run);
    for (std::size_t pos = 0; !full();) {
      const Candidate candidate = cursor.next(pos);
      if (candidate.start == npos) return;
      if (m_text[candidate.start] == '%')
        pos = on_percent(candidate.start);
      else if (m_text[candidate.start] == '\\')
        pos = on_backslash(candidate.start);
      else
        pos = on_base64_run(candidate.start, candidate.end);
    }
  }

 private:
  bool full() const { return m_full; }
  std::size_t budget() const { return m_max_bytes - m_decoded_bytes; }

  /// The first position of c in [from, to), or `to`.
  std::size_t find_byte(std::size_t from, std::size_t to, char c) const {
    return std::find(m_text.begin() + from, m_text.begin() + to, c) - m_text.begin();
  }

  /// Decodes a run that passed the check again, keeping the bytes this time. Out of line: few
  /// candidates get here, and the checks stay small without it.
  template <class Decode>
  [[gnu::noinline]] void keep(std::size_t start, std::size_t end, TextCoding coding, std::size_t size,
                              const Decode& decode) {
    std::string decoded;
    decoded.reserve(size);
    AppendSink sink{decoded};
    decode(sink);
    ++m_added, m_decoded_bytes += decoded.size(), m_last_end = end;
    m_full = m_added >= m_max_spans || m_decoded_bytes >= m_max_bytes;
    m_out.push_back(EncodedSpan{start, end, coding, std::move(decoded)});
  }

  /// A base64-class run [start, end): split it into tokens that end after their padding.
  std::size_t on_base64_run(std::size_t start, std::size_t end) {
    for (std::size_t s = start; s < end && !full();) {
      while (s < end && m_text[s] == '=') ++s;
      const std::size_t special = find_either(m_text, s, end, '=', '/');
      const bool slash = special < end && m_text[special] == '/';
      const std::size_t body_end = slash ? find_byte(special, end, '=') : special;
      std::size_t token_end = body_end;
      while (token_end < end && token_end < body_end + 2 && m_text[token_end] == '=') ++token_end;
      if (token_end - s >= m_min_run) on_base64_token(s, body_end, token_end, slash);
      s = token_end;
    }
    return end;
  }

  /// Tries the token as a whole, then, if it was decoded and is not text, each '/'-separated
  /// segment (a path that holds a base64 segment).
  void on_base64_token(std::size_t start, std::size_t body_end, std::size_t end, bool slash) {
    if (try_base64(start, body_end, end) || !slash || (body_end - start) / 4 * 3 > budget()) return;
    for (std::size_t a = start; a < body_end && !full();) {
      const std::size_t b = find_byte(a, body_end, '/');
      try_base64(a, b, b == body_end ? end : b);
      a = b + 1;
    }
  }

  /// Decodes [start, body_end) followed by padding up to `end`, if it is base64 of text.
  bool try_base64(std::size_t start, std::size_t body_end, std::size_t end) {
    if (end - start < m_min_run) return false;
    std::size_t length = body_end - start;
    if (length % 4 == 1) end = start + --length;  // a stray last character: decode without it
    const std::size_t size = length / 4 * 3 + (length % 4 == 0 ? 0 : length % 4 - 1);
    if (size < kMinBase64Bytes || size > budget()) return false;
    const std::string_view body = m_text.substr(start, length);
    CheckSink check(size);
    if (!decode_base64(body, check) || !check.text() || !plausible_base64(body)) return false;
    const TextCoding coding = is_base64url(body) ? TextCoding::base64url : TextCoding::base64;
    keep(start, end, coding, size, [&](AppendSink& sink) { decode_base64(body, sink); });
    return true;
  }

  /// A run holding an escape is found from its first escape: a '%' that starts none (a format
  /// directive, "100%") costs no more than a look at the two bytes after it.
  std::size_t on_percent(std::size_t p) {
    if (p < m_percent_checked || read_hex(m_text, p + 1, 2) < 0) return p + 1;
    std::size_t start = p, end = p + 1;
    while (start > m_last_end && (class_of(m_text[start - 1]) & kUrl)) --start;
    while (end < m_text.size() && (class_of(m_text[end]) & kUrl)) ++end;
    m_percent_checked = end;
    const std::string_view run = m_text.substr(start, end - start);
    CheckSink check(budget());
    const std::size_t escapes = decode_percent(run, check);
    if (escapes == 0 || escapes == npos || !check.text()) return p + 1;
    keep(start, end, TextCoding::percent, check.size(), [&](AppendSink& sink) { decode_percent(run, sink); });
    return end;
  }

  /// The start of the escape run through p: back over run bytes and escaped quotes (a quote
  /// after an odd number of backslashes), never past the last span.
  std::size_t escape_run_start(std::size_t p) const {
    std::size_t start = p;
    while (start > m_last_end) {
      const char c = m_text[start - 1];
      if (class_of(c) & kEscapeRun) {
        --start;
        continue;
      }
      std::size_t backslashes = 0;
      while (start - 1 - backslashes > m_last_end && m_text[start - 2 - backslashes] == '\\') ++backslashes;
      if (!one_of("\"'`", c) || backslashes % 2 == 0) break;
      --start;
    }
    return start;
  }

  /// The end of the escape run through p: a backslash keeps the byte after it (\" inside).
  std::size_t escape_run_end(std::size_t p) const {
    std::size_t end = p;
    while (end < m_text.size()) {
      const std::uint8_t f = class_of(m_text[end]);
      if (!(f & kEscapeRun)) break;
      const bool pair = m_text[end] == '\\' && end + 1 < m_text.size() &&
                        ((class_of(m_text[end + 1]) & kEscapeRun) || one_of("\"'`", m_text[end + 1]));
      end += pair ? 2 : 1;
    }
    return end;
  }

  /// As on_percent: \n, \t, regular expressions and Windows paths cost a look after the '\'.
  std::size_t on_backslash(std::size_t p) {
    if (p < m_escape_checked || !code_escape_at(m_text, p)) return p + 1;
    const std::size_t start = escape_run_start(p), end = escape_run_end(p);
    m_escape_checked = end;
    const std::string_view run = m_text.substr(start, end - start);
    CheckSink check(budget());
    const EscapeCount count = decode_escapes(run, check);
    if (count.unicode + count.hex == 0 || count.stopped || !check.text()) return p + 1;
    const TextCoding coding = count.unicode > 0 ? TextCoding::unicode_escape : TextCoding::hex_escape;
    keep(start, end, coding, check.size(), [&](AppendSink& sink) { decode_escapes(run, sink); });
    return end;
  }

  std::string_view m_text;
  std::vector<EncodedSpan>& m_out;
  std::size_t m_min_run, m_max_spans, m_max_bytes;
  std::size_t m_added = 0, m_decoded_bytes = 0;
  bool m_full = m_max_spans == 0 || m_max_bytes == 0;  // no span may be added any more
  std::size_t m_last_end = 0;                          // end of the last span: runs never reach back past it
  std::size_t m_percent_checked = 0;                   // '%' before this lies in a percent run already tried
  std::size_t m_escape_checked = 0;                    // '\' before this lies in an escape run already tried
};

}  // namespace

void find_encoded_spans(std::string_view text, const DecodeLimits& limits, std::vector<EncodedSpan>& out) {
  SpanScanner(text, limits, out).run();
}

}  // namespace sprawl
