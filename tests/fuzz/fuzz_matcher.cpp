// libFuzzer target: arbitrary bytes as a blob, scanned with the built-in rules.
//
// The engine is built once from the built-in rules (no cache directory). Each input goes
// through BlobScanner::scan (UTF-16 / binary detection and decoding, Hyperscan, RE2 confirm,
// entropy and placeholder checks, line index, allow-list content conditions) and then
// findings_for at two paths (rule path filters, path allow-lists, fingerprints). Besides the
// sanitizers, a few invariants of the results are checked; a violation aborts with a message.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sprawl/blob.h"
#include "sprawl/finding.h"
#include "src/match/matcher.h"
#include "src/pipeline/blob_scanner.h"
#include "src/pipeline/scan_engine.h"
#include "src/source/text_decode.h"

namespace {

constexpr std::size_t kBinaryCap = 10;  // ScanConfig's default binary_findings_cap

struct State {
  std::unique_ptr<sprawl::ScanEngine> engine;
  std::unique_ptr<sprawl::BlobScanner> scanner;
};

State* g_state = nullptr;

[[noreturn]] void die(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_matcher: %s%s%s\n", what, detail.empty() ? "" : ": ", detail.c_str());
  std::abort();
}

void expect(bool condition, const char* what) {
  if (!condition) die("invariant violated", what);
}

bool before_or_same(const sprawl::TextPosition& a, const sprawl::TextPosition& b) {
  return a.line < b.line || (a.line == b.line && a.column <= b.column);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  auto config = sprawl::resolve_rule_config("");
  if (!config) die("cannot load the built-in rules", config.error().message);
  auto engine = sprawl::ScanEngine::create(std::move(config.value()), sprawl::DatabaseOptions{});
  if (!engine) die("cannot build the scan engine", engine.error().message);
  auto matcher = sprawl::Matcher::create((*engine)->database());
  if (!matcher) die("cannot create a matcher", matcher.error().message);
  g_state = new State;
  g_state->engine = std::move(engine.value());
  g_state->scanner = std::make_unique<sprawl::BlobScanner>(*g_state->engine, std::move(matcher.value()), kBinaryCap);
  std::fprintf(stderr, "fuzz_matcher: %zu built-in rules compiled, %zu rejected\n",
               g_state->engine->database().rules().size(), g_state->engine->database().rejected().size());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const sprawl::BlobScan scan = g_state->scanner->scan(bytes);

  // The same decoding the scanner used, to check offsets against.
  std::string scratch;
  const sprawl::DecodedText decoded = sprawl::decode_text(bytes, scratch);
  expect(decoded.encoding == scan.encoding, "scan encoding differs from decode_text");
  const std::string_view text = decoded.text;
  if (scan.encoding == sprawl::TextEncoding::binary) expect(scan.matches.size() <= kBinaryCap, "binary cap exceeded");

  std::size_t previous_start = 0;
  for (const auto& blob_match : scan.matches) {
    const sprawl::Match& m = blob_match.match;
    expect(m.rule_index < g_state->engine->database().rules().size(), "rule index out of range");
    expect(m.match_start <= m.match_end && m.match_end <= text.size(), "match span outside the text");
    expect(m.secret_start < m.secret_end, "empty secret span");
    expect(m.match_start <= m.secret_start && m.secret_end <= m.match_end, "secret outside its match");
    expect(text.substr(m.secret_start, m.secret_end - m.secret_start) == m.secret, "secret differs from its span");
    expect(m.secret_start >= previous_start, "matches not ordered by position");
    previous_start = m.secret_start;
    expect(m.start.line >= 1 && m.start.column >= 1, "start position not 1-based");
    expect(before_or_same(m.start, m.end), "end position before start position");
  }

  if (!scan.matches.empty())
    expect(scan.blob_id == sprawl::git_blob_id(bytes).hex(), "blob id is not the git blob id of the bytes");
  expect(sprawl::content_key(bytes).size == bytes.size(), "content key does not carry the size");

  std::vector<sprawl::Finding> findings;
  sprawl::DropCounts drops;
  g_state->scanner->findings_for(scan, sprawl::Provenance{"repo/src/settings.py", "src/settings.py"}, findings, drops);
  g_state->scanner->findings_for(scan, sprawl::Provenance{"repo/tests/fixtures/.env", "tests/fixtures/.env"}, findings,
                                 drops);
  for (const auto& finding : findings) {
    expect(finding.rule != nullptr, "finding without a rule");
    expect(!finding.secret.empty(), "finding with an empty secret");
    expect(finding.fingerprint.size() == 64, "fingerprint is not a hex SHA-256");
    expect(finding.blob_id.size() == 40, "blob id is not a hex SHA-1");
  }
  return 0;
}
