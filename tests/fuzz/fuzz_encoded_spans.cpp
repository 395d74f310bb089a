// libFuzzer target: arbitrary bytes as text -> find_encoded_spans, and the invariants of the spans
// it returns (order, bounds, limits, decoded text), with default and with tight limits.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "src/source/decode/encoded_spans.h"
#include "src/util/utf8.h"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

/// Valid UTF-8 without control characters other than tab, CR and LF.
bool is_text(std::string_view s) {
  if (!sprawl::is_valid_utf8(s)) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) return false;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xA0) return false;  // C1
  }
  return true;
}

bool is_base64_run(std::string_view run) {
  for (char c : run) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                    c == '/' || c == '-' || c == '_' || c == '=';
    if (!ok) return false;
  }
  return true;
}

void check(std::string_view text, const sprawl::DecodeLimits& limits, const std::vector<sprawl::EncodedSpan>& spans) {
  require(spans.size() <= limits.max_spans);
  std::size_t previous_end = 0, decoded_bytes = 0;
  for (const auto& span : spans) {
    require(span.start >= previous_end && span.start < span.end && span.end <= text.size());
    const std::string_view run = text.substr(span.start, span.end - span.start);
    require(!span.decoded.empty() && span.decoded != run && is_text(span.decoded));
    switch (span.coding) {
      case sprawl::TextCoding::base64:
      case sprawl::TextCoding::base64url:
        // A run one character past a multiple of 4 loses that character (and its padding).
        require(is_base64_run(run) && run.size() + 3 >= limits.min_base64_run && span.decoded.size() >= 6);
        break;
      case sprawl::TextCoding::percent:
        require(run.find('%') != std::string_view::npos);
        break;
      case sprawl::TextCoding::unicode_escape:
      case sprawl::TextCoding::hex_escape:
        require(run.find('\\') != std::string_view::npos);
        break;
    }
    previous_end = span.end;
    decoded_bytes += span.decoded.size();
  }
  require(decoded_bytes <= limits.max_decoded_bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const sprawl::DecodeLimits defaults;
  std::vector<sprawl::EncodedSpan> all;
  sprawl::find_encoded_spans(text, defaults, all);
  check(text, defaults, all);

  // A span limit keeps a prefix of the same spans; tight byte limits and short runs stay valid.
  sprawl::DecodeLimits tight;
  tight.max_spans = size % 4;
  std::vector<sprawl::EncodedSpan> some;
  sprawl::find_encoded_spans(text, tight, some);
  check(text, tight, some);
  require(some.size() == std::min(all.size(), tight.max_spans));
  for (std::size_t i = 0; i < some.size(); ++i) {
    require(some[i].start == all[i].start && some[i].end == all[i].end && some[i].decoded == all[i].decoded);
  }
  tight.max_spans = 4096;
  tight.max_decoded_bytes = size % 64;
  tight.min_base64_run = size % 24;
  some.clear();
  sprawl::find_encoded_spans(text, tight, some);
  check(text, tight, some);
  return 0;
}
