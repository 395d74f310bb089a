// JSON string escaping and container bookkeeping.
#include "src/report/json_writer.h"

#include <array>
#include <cmath>

#include <fmt/format.h>

#include "src/util/utf8.h"

namespace sprawl {

namespace {

// Printable ASCII other than '"' and '\\': copied as is, in runs.
constexpr std::array<bool, 256> k_plain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x7F; ++c) plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return plain;
}();
bool is_plain(unsigned char c) { return k_plain[c]; }

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::size_t run = i;
    while (run < text.size() && is_plain(static_cast<unsigned char>(text[run]))) ++run;
    out.append(text.data() + i, run - i);
    if (run == text.size()) break;
    i = run;
    const auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\u{:04x}", c);
    } else if (const std::size_t n = utf8_sequence_length(text, i)) {
      out.append(text.substr(i, n));
      i += n - 1;
    } else {
      out += "\\ufffd";
    }
  }
  out.push_back('"');
}

void JsonWriter::separator() {
  if (m_after_key) {
    m_after_key = false;
    return;
  }
  if (!m_first.empty()) {
    if (!m_first.back()) m_out.push_back(',');
    m_first.back() = false;
  }
}

JsonWriter& JsonWriter::begin_object() {
  separator();
  m_out.push_back('{');
  m_first.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  m_out.push_back('}');
  m_first.pop_back();
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  separator();
  m_out.push_back('[');
  m_first.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  m_out.push_back(']');
  m_first.pop_back();
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  separator();
  append_json_string(m_out, name);
  m_out.push_back(':');
  m_after_key = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
  separator();
  append_json_string(m_out, text);
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number) {
  separator();
  m_out += std::to_string(number);
  return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t number) {
  separator();
  m_out += std::to_string(number);
  return *this;
}

JsonWriter& JsonWriter::value(double number) {
  separator();
  m_out += std::isfinite(number) ? fmt::format("{:.3f}", number) : std::string("null");
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  separator();
  m_out += flag ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::string_array(const std::vector<std::string>& items) {
  begin_array();
  for (const auto& item : items) value(item);
  return end_array();
}

}  // namespace sprawl
