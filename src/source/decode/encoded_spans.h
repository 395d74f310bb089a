// Encoded spans: finds runs of base64, base64url, percent-encoding and \uXXXX / \xNN escapes in
// text, and decodes those whose decoded form is text, so that it can be scanned again.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sprawl {

enum class TextCoding { base64, base64url, percent, unicode_escape, hex_escape };
/// "base64", "base64url", "percent", "unicode-escape", "hex-escape".
const char* to_string(TextCoding coding);

struct EncodedSpan {
  std::size_t start = 0, end = 0;  ///< the encoded run in the input text
  TextCoding coding = TextCoding::base64;
  std::string decoded;  ///< valid UTF-8 text (printable characters, tabs and line ends)
};

struct DecodeLimits {
  std::size_t min_base64_run = 20;          ///< shorter base64 runs are not decoded
  std::size_t max_spans = 4096;             ///< per call
  std::size_t max_decoded_bytes = 4u << 20;  ///< per call, over all spans
};

/// Appends to `out`, left to right and without overlaps, each encoded run of `text` that
/// decodes to text different from the run itself. Runs that decode to binary are left out.
///  - base64 / base64url: maximal runs of the alphabet, each ending after its '=' padding (so
///    `KEY=value` yields `value`); one alphabet per run; a path-like run that fails as a whole is
///    tried per '/'-separated segment; a run one character past a multiple of 4 is decoded
///    without its last character (and the span ends before it); at least 6 decoded bytes.
///  - percent: a run of A-Z a-z 0-9 and - . _ ~ : / ? # @ ! $ & * + = % (what a URL holds,
///    less the delimiters of code, YAML and JSON) holding a %XX escape; '+' stays '+'.
///  - \uXXXX (surrogate pairs joined) and \xNN: a run of non-whitespace, non-quote bytes (an
///    escaped quote stays inside) holding one; \n \t \r \" \' \\ \/ in it are decoded too.
/// Decoded text is valid UTF-8 with no control characters but tab, CR and LF. Not recursive:
/// call again on a span's `decoded` to find what it encodes. Stops when `max_spans` spans were
/// added; a run whose decoded text would pass `max_decoded_bytes` (over this call) is skipped
/// without being decoded. Linear in the size of `text`; allocates only for the spans it adds.
void find_encoded_spans(std::string_view text, const DecodeLimits& limits, std::vector<EncodedSpan>& out);

}  // namespace sprawl
