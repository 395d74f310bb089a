// Baseline reading: a small JSON reader that keeps line numbers for its messages, and the two
// document shapes it accepts (sprawl's baseline, gitleaks' JSON report).
#include "src/check/baseline.h"

#include <charconv>
#include <vector>

#include <fmt/format.h>

#include "src/check/fingerprint.h"
#include "src/check/ignore_file.h"

namespace sprawl {
namespace {

struct JsonValue {
  enum class Kind { null, boolean, number, string, array, object };
  Kind kind = Kind::null;
  std::uint32_t line = 0;
  bool flag = false;
  std::string text;               // a string's contents, or a number as written
  std::vector<JsonValue> items;   // an array's elements, or an object's member values
  std::vector<std::string> keys;  // an object's member names, parallel to items

  const JsonValue* member(std::string_view key, bool ignore_case = false) const {
    auto same = [&](std::string_view a) {
      if (!ignore_case) return a == key;
      if (a.size() != key.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i)
        if ((a[i] | 0x20) != (key[i] | 0x20)) return false;
      return true;
    };
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (same(keys[i])) return &items[i];
    return nullptr;
  }
  const std::string* string(std::string_view key, bool ignore_case = false) const {
    const JsonValue* v = member(key, ignore_case);
    return v && v->kind == Kind::string ? &v->text : nullptr;
  }
};

/// Strict JSON (RFC 8259) with a nesting limit; the first error is kept as "NAME:LINE: reason".
class JsonReader {
 public:
  JsonReader(std::string_view text, std::string_view name) : m_text(text), m_name(name) {
    if (m_text.substr(0, 3) == "\xEF\xBB\xBF") m_pos = 3;  // a BOM, as some Windows tools write
  }

  Result<JsonValue> document() {
    JsonValue root;
    skip_space();
    if (m_pos == m_text.size()) fail("empty file (expected a sprawl baseline or a gitleaks JSON report)");
    if (m_error.empty() && value(root, 0)) {
      skip_space();
      if (m_pos != m_text.size()) fail("unexpected text after the JSON document");
    }
    if (!m_error.empty()) return Error{m_error};
    return root;
  }

 private:
  static constexpr int kMaxDepth = 64;
  std::string_view m_text, m_name;
  std::size_t m_pos = 0;
  std::uint32_t m_line = 1;
  std::string m_error;

  bool fail(std::string_view why) {
    if (m_error.empty()) m_error = fmt::format("{}:{}: {}", m_name, m_line, why);
    return false;
  }
  bool at(char c) const { return m_pos < m_text.size() && m_text[m_pos] == c; }
  void skip_space() {
    for (; m_pos < m_text.size(); ++m_pos) {
      const char c = m_text[m_pos];
      if (c == '\n')
        ++m_line;
      else if (c != ' ' && c != '\t' && c != '\r')
        break;
    }
  }

  bool value(JsonValue& out, int depth) {
    out.line = m_line;
    if (depth > kMaxDepth) return fail("JSON nested too deeply");
    if (m_pos >= m_text.size()) return fail("unexpected end of file");
    switch (m_text[m_pos]) {
      case '{':
        out.kind = JsonValue::Kind::object;
        return object(out, depth);
      case '[':
        out.kind = JsonValue::Kind::array;
        return array(out, depth);
      case '"':
        out.kind = JsonValue::Kind::string;
        return string(out.text);
      case 't':
        out.kind = JsonValue::Kind::boolean, out.flag = true;
        return literal("true");
      case 'f':
        out.kind = JsonValue::Kind::boolean;
        return literal("false");
      case 'n':
        return literal("null");
      default:
        out.kind = JsonValue::Kind::number;
        return number(out.text);
    }
  }

  bool literal(std::string_view word) {
    if (m_text.substr(m_pos, word.size()) != word) return fail("invalid JSON value");
    m_pos += word.size();
    return true;
  }

  bool object(JsonValue& out, int depth) {
    ++m_pos;
    skip_space();
    if (at('}')) return ++m_pos, true;
    while (true) {
      skip_space();
      if (!at('"')) return fail("expected a quoted key in JSON object");
      if (!string(out.keys.emplace_back())) return false;
      skip_space();
      if (!at(':')) return fail("expected ':' after a key in JSON object");
      ++m_pos;
      skip_space();
      if (!value(out.items.emplace_back(), depth + 1)) return false;
      skip_space();
      if (at('}')) return ++m_pos, true;
      if (!at(',')) return fail("expected ',' or '}' in JSON object");
      ++m_pos;
    }
  }

  bool array(JsonValue& out, int depth) {
    ++m_pos;
    skip_space();
    if (at(']')) return ++m_pos, true;
    while (true) {
      skip_space();
      if (!value(out.items.emplace_back(), depth + 1)) return false;
      skip_space();
      if (at(']')) return ++m_pos, true;
      if (!at(',')) return fail("expected ',' or ']' in JSON array");
      ++m_pos;
    }
  }

  bool number(std::string& out) {
    const std::size_t start = m_pos;
    auto digits = [&] {
      const std::size_t from = m_pos;
      while (m_pos < m_text.size() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9') ++m_pos;
      return m_pos > from;
    };
    if (at('-')) ++m_pos;
    if (at('0'))
      ++m_pos;
    else if (!digits())
      return fail("invalid JSON value");
    if (at('.') && (++m_pos, !digits())) return fail("invalid JSON number");
    if (at('e') || at('E')) {
      ++m_pos;
      if (at('+') || at('-')) ++m_pos;
      if (!digits()) return fail("invalid JSON number");
    }
    out.assign(m_text.substr(start, m_pos - start));
    return true;
  }

  bool hex4(std::uint32_t& code) {
    if (m_text.size() - m_pos < 4) return fail("truncated \\u escape in JSON string");
    const auto [end, ec] = std::from_chars(m_text.data() + m_pos, m_text.data() + m_pos + 4, code, 16);
    if (ec != std::errc{} || end != m_text.data() + m_pos + 4) return fail("invalid \\u escape in JSON string");
    m_pos += 4;
    return true;
  }

  static void append_utf8(std::string& out, std::uint32_t c) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }

  // \uXXXX, with surrogate pairs joined; a lone surrogate becomes U+FFFD.
  bool unicode_escape(std::string& out) {
    std::uint32_t code = 0;
    if (!hex4(code)) return false;
    if (code >= 0xD800 && code <= 0xDBFF && m_text.substr(m_pos, 2) == "\\u") {
      const std::size_t saved = m_pos;
      m_pos += 2;
      std::uint32_t low = 0;
      if (!hex4(low)) return false;
      if (low >= 0xDC00 && low <= 0xDFFF) {
        append_utf8(out, 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00));
        return true;
      }
      m_pos = saved;
    }
    append_utf8(out, code >= 0xD800 && code <= 0xDFFF ? 0xFFFD : code);
    return true;
  }

  bool string(std::string& out) {
    ++m_pos;  // the opening quote
    while (m_pos < m_text.size()) {
      const char c = m_text[m_pos++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in JSON string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (m_pos >= m_text.size()) break;
      switch (const char e = m_text[m_pos++]) {
        case '"':
        case '\\':
        case '/':
          out.push_back(e);
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u':
          if (!unicode_escape(out)) return false;
          break;
        default:
          return fail("invalid escape in JSON string");
      }
    }
    return fail("unterminated JSON string");
  }
};

Error error_at(std::string_view name, std::uint32_t line, std::string_view why) {
  return Error{fmt::format("{}:{}: {}", name, line, why)};
}

bool is_fingerprint(std::string_view text) {
  if (text.size() != 64) return false;
  for (const char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

// sprawl's baseline, or sprawl's own JSON report (its findings carry fingerprints too).
Status add_sprawl_findings(Baseline& baseline, const JsonValue& root, std::string_view name) {
  const JsonValue* findings = root.member("findings");
  if (!findings || findings->kind != JsonValue::Kind::array)
    return error_at(name, findings ? findings->line : root.line, "expected a \"findings\" array");
  for (const auto& entry : findings->items) {
    const std::string* fingerprint = entry.kind == JsonValue::Kind::object ? entry.string("fingerprint") : nullptr;
    if (!fingerprint || !is_fingerprint(*fingerprint))
      return error_at(name, entry.line, "baseline finding without a 64-hex \"fingerprint\"");
    baseline.add_fingerprint(*fingerprint);
  }
  return Ok{};
}

Status add_sprawl_baseline(Baseline& baseline, const JsonValue& root, std::string_view name) {
  const JsonValue* version = root.member("sprawl_baseline");
  if (version->kind != JsonValue::Kind::number || version->text != std::to_string(kBaselineVersion))
    return error_at(name, version->line,
                    fmt::format("unsupported \"sprawl_baseline\" version (this sprawl reads {})", kBaselineVersion));
  return add_sprawl_findings(baseline, root, name);
}

bool redacted(std::string_view secret) {
  // --redact writes "REDACTED"; --redact=N keeps a prefix and appends "...".
  return secret.empty() || secret == "REDACTED" || (secret.size() >= 3 && secret.substr(secret.size() - 3) == "...");
}

std::uint32_t positive_line(const JsonValue* value) {
  if (!value || value->kind != JsonValue::Kind::number) return 0;
  std::uint32_t line = 0;
  const auto [end, ec] = std::from_chars(value->text.data(), value->text.data() + value->text.size(), line);
  return ec == std::errc{} && end == value->text.data() + value->text.size() ? line : 0;
}

Status add_gitleaks_finding(Baseline& baseline, const JsonValue& entry, std::string_view name) {
  if (entry.kind != JsonValue::Kind::object) return error_at(name, entry.line, "gitleaks finding is not an object");
  if (const std::string* secret = entry.string("Secret", true); secret && !redacted(*secret)) {
    baseline.add_secret(*secret);
    return Ok{};
  }
  const std::string* file = entry.string("File", true);
  const std::uint32_t line = positive_line(entry.member("StartLine", true));
  if (file && !file->empty() && line > 0) {
    baseline.add_location(*file, line);
    return Ok{};
  }
  // Without File/StartLine, the fingerprint "[commit:]file:rule:line" says the same.
  if (const std::string* fingerprint = entry.string("Fingerprint", true); fingerprint && !fingerprint->empty()) {
    if (auto parsed = parse_gitleaksignore(*fingerprint, name); parsed && parsed->size() == 1) {
      baseline.add_location(parsed->front().file, parsed->front().start_line);
      return Ok{};
    }
  }
  return error_at(name, entry.line, "gitleaks finding without a \"Secret\", or a \"File\" and \"StartLine\"");
}

}  // namespace

Result<Baseline> Baseline::parse(std::string_view text, std::string_view name) {
  auto root = JsonReader(text, name).document();
  if (!root) return root.error();
  Baseline baseline;
  Status status = Ok{};
  if (root->kind == JsonValue::Kind::array) {
    for (const auto& entry : root->items)
      if (status = add_gitleaks_finding(baseline, entry, name); !status) break;
  } else if (root->kind == JsonValue::Kind::object && root->member("sprawl_baseline")) {
    status = add_sprawl_baseline(baseline, *root, name);
  } else if (root->kind == JsonValue::Kind::object && root->member("schema_version")) {
    status = add_sprawl_findings(baseline, *root, name);
  } else {
    return error_at(name, root->line,
                    "neither a sprawl baseline (\"sprawl_baseline\") nor a gitleaks JSON report (an array)");
  }
  if (!status) return status.error();
  return baseline;
}

void Baseline::add_fingerprint(std::string_view fingerprint) {
  std::string folded(fingerprint);
  for (auto& c : folded)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  m_fingerprints.insert(std::move(folded));
}

void Baseline::add_secret(std::string_view secret) { m_secret_hashes.insert(sha256_hex(secret)); }

void Baseline::add_location(std::string_view file, std::uint32_t start_line) {
  m_locations.emplace(std::string(normalized_path(file)), start_line);
}

bool Baseline::matches(const Finding& finding) const {
  if (m_fingerprints.count(finding.fingerprint)) return true;
  if (!m_secret_hashes.empty() && m_secret_hashes.count(sha256_hex(finding.secret))) return true;
  if (m_locations.empty()) return false;
  const auto at = [&](std::string_view path) {
    return !path.empty() && m_locations.count({std::string(normalized_path(path)), finding.start.line}) > 0;
  };
  return at(finding.provenance.relative_path) || at(finding.provenance.path);
}

}  // namespace sprawl
