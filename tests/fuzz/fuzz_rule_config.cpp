// libFuzzer target: arbitrary bytes as a sprawl rule file or gitleaks config.
//
// Parses the input with parse_rule_config; when that succeeds and the config has rules, builds
// the scan engine from it (Hyperscan + RE2 + allow-lists, no cache directory), scans a small
// fixed text at two paths, and runs the rules' own examples through `rules check`. Errors are
// expected and ignored; only crashes, sanitizer reports, leaks and hangs are findings.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sprawl/finding.h"
#include "src/match/matcher.h"
#include "src/pipeline/blob_scanner.h"
#include "src/pipeline/scan_engine.h"
#include "src/rules/config_loader.h"
#include "src/rules/rules_check.h"

namespace {

// Bigger configs only make each run slower (Hyperscan compile time grows with the rule set);
// they do not reach code that smaller ones cannot.
constexpr std::size_t kMaxInput = 64 * 1024;

// Generic assignments, quoting styles, CRLF, a UTF-8 character and a line without a newline.
// The values are deliberately not secret-shaped (low entropy or marked as examples).
constexpr std::string_view kText =
    "# fuzz fixture\n"
    "api_key = \"example-value-1234\"\n"
    "password: 'aaaa-bbbb-cccc'\r\n"
    "token=placeholder_token_value\n"
    "export SECRET_KEY=\"${SECRET_FROM_ENV}\"\n"
    "{\"client_secret\": \"dummy\", \"id\": 42}\n"
    "caf\xc3\xa9 = \"s\xc3\xa9same\"\n"
    "last line without newline";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return 0;
  const std::string_view toml(reinterpret_cast<const char*>(data), size);
  auto config = sprawl::parse_rule_config(toml, "fuzz.toml");
  if (!config || config->rules.empty()) return 0;

  auto engine = sprawl::ScanEngine::create(std::move(config.value()), sprawl::DatabaseOptions{});
  if (!engine) return 0;

  auto matcher = sprawl::Matcher::create((*engine)->database());
  if (!matcher) return 0;
  sprawl::BlobScanner scanner(**engine, std::move(matcher.value()), 10);
  const sprawl::BlobScan scan = scanner.scan(kText);
  std::vector<sprawl::Finding> findings;
  sprawl::DropCounts drops;
  scanner.findings_for(scan, sprawl::Provenance{"repo/config/app.env", "config/app.env"}, findings, drops);
  scanner.findings_for(scan, sprawl::Provenance{"repo/test/fixtures/x.py", "test/fixtures/x.py"}, findings, drops);

  // Every example and negative example of every compiled rule, scanned as its own blob.
  (void)sprawl::check_rules(**engine);
  return 0;
}
