// find_encoded_spans: base64 / base64url, percent-encoding and \u / \x escapes found in text and
// decoded when they decode to text; offsets, order and limits. [.benchmark] measures MB/s.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "src/source/decode/block_masks.h"
#include "src/source/decode/encoded_spans.h"

using sprawl::DecodeLimits;
using sprawl::EncodedSpan;
using sprawl::find_encoded_spans;
using sprawl::TextCoding;

namespace {

std::string base64(std::string_view bytes, bool url = false, bool pad = true) {
  const char* alphabet = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                             : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (unsigned char c : bytes) {
    bits = bits << 8 | c, count += 8;
    for (; count >= 6; count -= 6) out.push_back(alphabet[(bits >> (count - 6)) & 63]);
  }
  if (count > 0) out.push_back(alphabet[(bits << (6 - count)) & 63]);
  while (pad && out.size() % 4 != 0) out.push_back('=');
  return out;
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(rng() & 0xFF));
  return out;
}

/// The spans of `text`, after checking what every result must satisfy.
std::vector<EncodedSpan> spans_of(std::string_view text, const DecodeLimits& limits = {}) {
  std::vector<EncodedSpan> spans;
  find_encoded_spans(text, limits, spans);
  std::size_t previous_end = 0;
  for (const auto& span : spans) {
    REQUIRE(span.start >= previous_end);
    REQUIRE(span.start < span.end);
    REQUIRE(span.end <= text.size());
    REQUIRE(!span.decoded.empty());
    REQUIRE(span.decoded != text.substr(span.start, span.end - span.start));
    previous_end = span.end;
  }
  return spans;
}

std::string_view run_of(std::string_view text, const EncodedSpan& span) {
  return text.substr(span.start, span.end - span.start);
}

}  // namespace

TEST_CASE("a Kubernetes Secret's base64 value decodes to the password", "[decode]") {
  const std::string password = "correct-horse-battery-st";  // 24 characters
  const std::string encoded = base64(password);
  const std::string manifest =
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-database\ntype: Opaque\n"
      "data:\n  DB_PASSWORD: " +
      encoded + "\n  DB_USER: YXBw\n";
  const auto spans = spans_of(manifest);
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].decoded == password);
  CHECK(spans[0].coding == TextCoding::base64);
  CHECK(run_of(manifest, spans[0]) == encoded);
}

TEST_CASE("nested base64 is decoded one level per call", "[decode]") {
  const std::string credentials = "robot-deployer:correct-horse-battery-staple";
  const std::string config = R"({"auths":{"registry.example.com":{"auth":")" + base64(credentials) + R"("}}})";
  const std::string text = "data:\n  .dockerconfigjson: " + base64(config) + "\n";
  const auto outer = spans_of(text);
  REQUIRE(outer.size() == 1);
  CHECK(outer[0].decoded == config);
  const auto inner = spans_of(outer[0].decoded);
  REQUIRE(inner.size() == 1);
  CHECK(inner[0].decoded == credentials);
}

TEST_CASE("JWT header and payload decode, the binary signature does not", "[decode]") {
  const std::string header = R"({"alg":"HS256","typ":"JWT"})";
  const std::string payload = R"({"sub":"1234567890","name":"Jane Example","iat":1516239022})";
  const std::string token =
      base64(header, true, false) + "." + base64(payload, true, false) + "." + base64(random_bytes(32, 7), true, false);
  const std::string text = "Authorization: Bearer " + token + "\n";
  const auto spans = spans_of(text);
  REQUIRE(spans.size() == 2);
  CHECK(spans[0].decoded == header);
  CHECK(spans[1].decoded == payload);
  CHECK(run_of(text, spans[0]) == base64(header, true, false));
}

TEST_CASE("base64 of random bytes is not decoded", "[decode]") {
  for (unsigned seed = 1; seed <= 50; ++seed) {
    const std::string text = "key: " + base64(random_bytes(30, seed)) + "\n";
    CHECK(spans_of(text).empty());
  }
}

TEST_CASE("identifiers, hex strings, numbers and paths are not decoded", "[decode]") {
  const std::string text =
      "thisIsAVeryLongIdentifierNameForTesting = SOME_VERY_LONG_CONSTANT_NAME_HERE;\n"
      "kubernetes_service_account_token_path\n"
      "commit da39a3ee5e6b4b0d3255bfef95601890afd80709\n"
      "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709\n"
      "id 12345678901234567890123456789\n"
      "/usr/lib/x86_64-linux-gnu/libcrypto.so.3 src/source/decode/encoded_spans.cpp\n";
  CHECK(spans_of(text).empty());
}

TEST_CASE("text without encodings gives no spans", "[decode]") {
  const std::string code =
      "#include <cstdio>\n"
      "int main(int argc, char** argv) {\n"
      "  std::printf(\"%d items, %02x flags, 100%% done\\n\", argc, 3);\n"
      "  const char* path = \"C:\\\\Users\\\\build\\\\out\";  // a Windows path\n"
      "  return std::strcmp(argv[0], \"\\t\") == 0 ? 1 : 0;\n"
      "}\n";
  CHECK(spans_of(code).empty());
  CHECK(spans_of("").empty());
}

TEST_CASE("a percent-encoded URL in YAML, JSON and code decodes as one run", "[decode]") {
  const std::string scheme = "postgres";  // joined at run time: the repository scan must stay clean
  const std::string url = scheme + "://user:p%40ss%21word@db.example.com:5432/app";
  const std::string decoded = scheme + "://user:p@ss!word@db.example.com:5432/app";
  for (const std::string& text : {"database_url: " + url + "\n", R"({"url":")" + url + R"(","pool":4})",
                                  "connect(\"" + url + "\");", "connect('" + url + "')", "<a href=\"" + url + "\">"}) {
    const auto spans = spans_of(text);
    REQUIRE(spans.size() == 1);
    CHECK(spans[0].coding == TextCoding::percent);
    CHECK(spans[0].decoded == decoded);
    CHECK(run_of(text, spans[0]) == url);
  }
}

TEST_CASE("percent decoding keeps '+' and bare '%', and rejects non-text bytes", "[decode]") {
  auto spans = spans_of("q=a+b%20c%2 100%");
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].decoded == "q=a+b c%2");
  CHECK(spans_of("x=%FF%FE%00abc").empty());
  CHECK(spans_of("printf(\"%02x\")").empty());
  spans = spans_of("name=caf%C3%A9");
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].decoded == "name=caf\xC3\xA9");
}

TEST_CASE("JSON \\u escapes decode to UTF-8, surrogate pairs to one code point", "[decode]") {
  std::string text = R"({"name": "\u0067\u0068\u0070_token", "n": 1})";
  auto spans = spans_of(text);
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].coding == TextCoding::unicode_escape);
  CHECK(spans[0].decoded == "ghp_token");
  CHECK(run_of(text, spans[0]) == R"(\u0067\u0068\u0070_token)");

  spans = spans_of(R"("\uD83D\uDE00 caf\u00e9")");
  REQUIRE(spans.size() == 2);
  CHECK(spans[0].decoded == "\xF0\x9F\x98\x80");
  CHECK(spans[1].decoded == "caf\xC3\xA9");
}

TEST_CASE("simple escapes are decoded inside an escape run, escaped quotes stay in it", "[decode]") {
  const std::string text = R"(s = "\u0041\n\"quoted\"\\x\/y";)";
  const auto spans = spans_of(text);
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].decoded == "A\n\"quoted\"\\x/y");
  CHECK(run_of(text, spans[0]) == R"(\u0041\n\"quoted\"\\x\/y)");

  // The run reaches back over escaped quotes before its first \u, not over a closing quote.
  const std::string later = R"(s = "say\"hi\"\u0041" + "x\\"+"\u0042";)";
  const auto both = spans_of(later);
  REQUIRE(both.size() == 2);
  CHECK(both[0].decoded == "say\"hi\"A");
  CHECK(run_of(later, both[1]) == R"(\u0042)");
}

TEST_CASE("lone surrogates and broken escapes stay as written", "[decode]") {
  CHECK(spans_of(R"("\uD83D abc \u12G4 \x4")").empty());
  const auto spans = spans_of(R"("\uD83Dx\u0041")");
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].decoded == R"(\uD83DxA)");
  CHECK(spans_of(R"("\u0000abc" "\x1b[31m")").empty());
}

TEST_CASE("\\x escapes decode to bytes that must form UTF-8 text", "[decode]") {
  std::string text = R"(key = b"\x41\x42\x43-key")";
  auto spans = spans_of(text);
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].coding == TextCoding::hex_escape);
  CHECK(spans[0].decoded == "ABC-key");
  spans = spans_of(R"('caf\xc3\xa9')");
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].decoded == "caf\xC3\xA9");
  CHECK(spans_of(R"('\xc3\x28')").empty());
}

TEST_CASE("base64 lines ending in CRLF decode without the line ends", "[decode]") {
  const std::string first = base64("first line of the secret"), second = base64("second line of the secret");
  const std::string text = "a: " + first + "\r\nb: " + second + "\r\n";
  const auto spans = spans_of(text);
  REQUIRE(spans.size() == 2);
  CHECK(spans[0].decoded == "first line of the secret");
  CHECK(spans[1].decoded == "second line of the secret");
  CHECK(run_of(text, spans[1]) == second);
}

TEST_CASE("several encodings in one text are reported left to right with their runs", "[decode]") {
  const std::string b64 = base64("correct horse battery staple");
  const std::string text = "export A=" + b64 + "\nB='p%40ss%21word-x' C=\"\\u0067\\u0068\\u0070_x\" D=" +
                           base64("another encoded value", true, false) + "\n";
  const auto spans = spans_of(text);
  REQUIRE(spans.size() == 4);
  CHECK(run_of(text, spans[0]) == b64);
  CHECK(spans[0].decoded == "correct horse battery staple");
  CHECK(run_of(text, spans[1]) == "p%40ss%21word-x");
  CHECK(spans[1].decoded == "p@ss!word-x");
  CHECK(run_of(text, spans[2]) == "\\u0067\\u0068\\u0070_x");
  CHECK(spans[3].decoded == "another encoded value");
}

TEST_CASE("the alphabet decides the coding, and a run mixing both alphabets is not decoded", "[decode]") {
  // "~~~" encodes as "fn5+" in base64 and "fn5-" in base64url.
  auto spans = spans_of("v: fn5+fn5+fn5+fn5+fn5+\n");
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].coding == TextCoding::base64);
  CHECK(spans[0].decoded == std::string(15, '~'));
  spans = spans_of("v: fn5-fn5-fn5-fn5-fn5-\n");
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].coding == TextCoding::base64url);
  CHECK(spans_of("v: fn5+fn5-fn5+fn5+fn5+\n").empty());
}

TEST_CASE("padding ends a token, so KEY=base64 finds the value", "[decode]") {
  const std::string value = base64("correct horse battery staple!");
  const std::string text = "SOME_LONG_SETTING_NAME_HERE=" + value + "\n";
  const auto spans = spans_of(text);
  REQUIRE(spans.size() == 1);
  CHECK(run_of(text, spans[0]) == value);
}

TEST_CASE("a base64 path segment decodes when the whole path does not", "[decode]") {
  const std::string segment = base64("correct horse battery staple", true, false);
  REQUIRE(segment.find_first_of("/+") == std::string::npos);
  const std::string text = "GET https://example.com/files/" + segment + "/download HTTP/1.1\n";
  const auto spans = spans_of(text);
  REQUIRE(spans.size() == 1);
  CHECK(run_of(text, spans[0]) == segment);
}

TEST_CASE("a run one character too long for base64 is decoded without its last character", "[decode]") {
  const std::string encoded = base64("fifteen chars!!");  // 20 characters, no padding
  REQUIRE(encoded.size() == 20);
  const std::string text = "k: " + encoded + "Q\n";
  const auto spans = spans_of(text);
  REQUIRE(spans.size() == 1);
  CHECK(run_of(text, spans[0]) == encoded);
  CHECK(spans[0].decoded == "fifteen chars!!");
}

TEST_CASE("min_base64_run sets the shortest base64 run decoded", "[decode]") {
  const std::string text = "k: " + base64("twelve bytes") + "\n";  // 16 characters
  CHECK(spans_of(text).empty());
  DecodeLimits limits;
  limits.min_base64_run = 16;
  const auto spans = spans_of(text, limits);
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].decoded == "twelve bytes");
  limits.min_base64_run = 0;  // still at least 6 decoded bytes
  CHECK(spans_of("k: " + base64("hi") + " " + base64("hello") + "\n", limits).empty());
}

TEST_CASE("max_spans and max_decoded_bytes stop adding spans", "[decode]") {
  const std::string text = "a: " + base64("first value to be decoded") +
                           "\nb: " + base64("second value to be decoded") +
                           "\nc: " + base64("third value to be decoded") + "\nd: x%20y\n";
  DecodeLimits limits;
  limits.max_spans = 2;
  auto spans = spans_of(text, limits);
  REQUIRE(spans.size() == 2);
  CHECK(spans[1].decoded == "second value to be decoded");

  limits = DecodeLimits{};
  limits.max_decoded_bytes = 25 + 26;  // the first two exactly
  spans = spans_of(text, limits);
  REQUIRE(spans.size() == 2);

  limits.max_decoded_bytes = 30;  // the second and third do not fit; the short percent run does
  spans = spans_of(text, limits);
  REQUIRE(spans.size() == 2);
  CHECK(spans[0].decoded == "first value to be decoded");
  CHECK(spans[1].decoded == "x y");

  std::vector<EncodedSpan> out(1);
  find_encoded_spans(text, DecodeLimits{}, out);
  CHECK(out.size() == 5);  // appended after what was there
}

TEST_CASE("a run that decodes past max_decoded_bytes is skipped without decoding it", "[decode]") {
  std::string plain;
  while (plain.size() < (2u << 20)) plain += "All work and no play makes a dull secret. ";
  const std::string text = "blob: " + base64(plain) + "\n";
  auto spans = spans_of(text);
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].decoded == plain);
  DecodeLimits limits;
  limits.max_decoded_bytes = 1u << 20;
  CHECK(spans_of(text, limits).empty());
}

TEST_CASE("arbitrary bytes give well-formed spans", "[decode]") {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::string text = random_bytes(1u << 16, seed);
    for (std::size_t i = 0; i < text.size(); i += 997) text.replace(i, 3, seed % 2 ? "%41" : "\\u0041");
    spans_of(text);
  }
  spans_of(std::string(3u << 20, 'A'));
  spans_of(std::string(1u << 20, '%'));
  spans_of(std::string(1u << 20, '\\'));
  spans_of(std::string(1u << 16, '\0') + base64("hidden after binary bytes") + std::string(10, '\0'));
}

TEST_CASE("SIMD block masks agree with the byte table", "[decode]") {
  namespace detail = sprawl::decode_detail;
  std::string bytes = random_bytes(64 * 512, 3);
  for (int c = 0; c < 256; ++c) bytes[c] = static_cast<char>(c);  // every byte value once
  for (std::size_t at = 0; at + 64 <= bytes.size(); at += 64) {
    const detail::Masks expected = detail::scalar_masks(bytes.data() + at, 64);
    const detail::Masks picked = detail::pick_block_masks()(bytes.data() + at);
    CHECK((picked.base64 == expected.base64 && picked.trigger == expected.trigger));
#if defined(SPRAWL_DECODE_X86)
    if (__builtin_cpu_supports("ssse3")) {
      const detail::Masks ssse3 = detail::block_masks_ssse3(bytes.data() + at);
      CHECK((ssse3.base64 == expected.base64 && ssse3.trigger == expected.trigger));
    }
#endif
  }
}

TEST_CASE("coding names", "[decode]") {
  CHECK(std::string(to_string(TextCoding::base64)) == "base64");
  CHECK(std::string(to_string(TextCoding::base64url)) == "base64url");
  CHECK(std::string(to_string(TextCoding::percent)) == "percent");
  CHECK(std::string(to_string(TextCoding::unicode_escape)) == "unicode-escape");
  CHECK(std::string(to_string(TextCoding::hex_escape)) == "hex-escape");
}

// ---- throughput on source-like text (hidden: run with "[benchmark]") ---------------------------

namespace {

std::string source_like_text(std::size_t size) {
  static const char* const lines[] = {
      "  for (std::size_t i = 0; i < items.size(); ++i) {\n",
      "    std::printf(\"%s: %d of %zu (%02x)\\n\", name.c_str(), count, total, flags);\n",
      "    const auto configurationManagerInstance = ConfigurationManager::instance();\n",
      "#include \"src/source/decode/encoded_spans.h\"\n",
      "  image: registry.example.com/team/service-name:v1.2.3\n",
      "    \"integrity\": \"sha512-2d1b5c3e4f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9==\",\n",
      "  \"resolved\": \"https://registry.npmjs.org/some-package/-/some-package-1.0.0.tgz\",\n",
      "def handle_request(self, request_context, *args, **kwargs):\n",
      "    return json.dumps({\"status\": \"ok\", \"message\": \"Hello,\\tworld\\n\"})\n",
      "commit 3f786850e387550fdab836ed7e6dc881de23001b\n",
      "  log.Printf(\"request %s took %v\", req.URL.Path, time.Since(start))\n",
      "SOME_ENVIRONMENT_VARIABLE_NAME=some-value-here\n",
      "    // The quick brown fox jumps over the lazy dog; see docs/ARCHITECTURE.md.\n",
      "    throw std::runtime_error(fmt::format(\"cannot open {}: {}\", path, strerror(errno)));\n",
      "  <a href=\"https://example.com/search?q=hello+world&lang=en\">search</a> <!-- 100% -->\n",
      "    if (thisIsAVeryLongIdentifierName != nullptr && otherValue > 0x7fffffff) {\n",
      "\n",
      "  }\n",
      "  return result;\n",
      "  int count = 0;\n",
      "    value = compute(a, b, c) + offset * 2;\n",
      "// Returns the number of items that match the filter, or -1 on error.\n",
      "  if (!ok) {\n",
      "    return nullptr;\n",
      "  name: web-frontend\n",
      "    replicas: 3\n",
      "  - name: HTTP_PORT\n",
      "    value: \"8080\"\n",
      "import os, sys, json\n",
      "        self.items.append(item)\n",
      "    for key, value in sorted(data.items()):\n",
      "  \"version\": \"2.4.1\",\n",
      "  \"license\": \"MIT\",\n",
      "func (s *Server) Start(ctx context.Context) error {\n",
      "\terr := s.listener.Close()\n",
      "}\n",
      "#define MAX_BUFFER 4096\n",
      "  std::vector<std::string> names;\n",
  };
  std::mt19937 rng(1);
  std::string text;
  text.reserve(size + 256);
  const std::string secret_line = "  token: " + base64("correct horse battery staple 1234") + "\n";
  while (text.size() < size) {
    const std::uint32_t r = rng();
    text += r % 2000 == 0 ? secret_line : lines[r % std::size(lines)];
  }
  return text;
}

}  // namespace

TEST_CASE("find_encoded_spans throughput on source-like text", "[.benchmark]") {
  const std::string text = source_like_text(100u << 20);
  for (const std::size_t chunk : {text.size(), std::size_t{16} << 10}) {
    DecodeLimits limits;
    limits.max_spans = std::size_t(-1);
    std::vector<EncodedSpan> spans;
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();
    for (std::size_t at = 0; at < text.size(); at += chunk) {
      find_encoded_spans(std::string_view(text).substr(at, chunk), limits, spans);
    }
    const double cpu_seconds = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
    std::printf("find_encoded_spans: %zu MB in %zu-byte calls: %.0f MB/s (%.0f MB/s of CPU time), %zu spans\n",
                text.size() >> 20, chunk, double(text.size()) / 1e6 / seconds.count(),
                double(text.size()) / 1e6 / cpu_seconds, spans.size());
    CHECK(!spans.empty());
  }
}
