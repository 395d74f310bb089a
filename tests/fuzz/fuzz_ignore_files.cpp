// libFuzzer target: arbitrary bytes as a .sprawlignore, a .gitleaksignore and a baseline (sprawl
// baseline / gitleaks JSON report) -> the parsers, their one-line errors, and matching.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "src/check/baseline.h"
#include "src/check/fingerprint.h"
#include "src/check/ignore_file.h"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

// Errors are "NAME:LINE: reason" on one line.
void check_error(const std::string& message, std::string_view name) {
  require(message.rfind(std::string(name) + ":", 0) == 0);
  require(message.find('\n') == std::string::npos);
}

const sprawl::Rule& rule() {
  static const sprawl::Rule r = [] {
    sprawl::Rule x;
    x.id = "fuzz-rule";
    return x;
  }();
  return r;
}

// A few findings to match: fixed ones, and one whose path and secret are the input itself.
std::vector<sprawl::Finding> findings(std::string_view bytes) {
  std::vector<sprawl::Finding> out;
  auto add = [&](std::string path, std::uint32_t line, std::string secret, std::string commit) {
    sprawl::Finding f;
    f.rule = &rule();
    f.provenance.relative_path = path;
    f.provenance.path = "./" + path;
    if (!commit.empty()) f.provenance.git.emplace().commit = commit;
    f.start.line = line;
    f.secret = std::move(secret);
    f.fingerprint = sprawl::finding_fingerprint(rule().id, f.secret);
    out.push_back(std::move(f));
  };
  add("src/app.py", 3, "abc", "");
  add("a/b/c/.env", 12, "xyz", "0123456789abcdef0123456789abcdef01234567");
  add(std::string(bytes.substr(0, 512)), 1, std::string(bytes.substr(0, 64)), "abcdef1");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto probes = findings(bytes);

  auto sprawlignore = sprawl::parse_sprawlignore(bytes, "fuzz/.sprawlignore");
  if (sprawlignore) {
    for (const auto& entry : *sprawlignore) {
      require(entry.line >= 1);
      require(entry.fingerprint.empty() != entry.pattern.empty());
      require(entry.fingerprint.empty() || entry.fingerprint.size() == 64);
      for (const auto& f : probes) (void)entry.matches(f);
      (void)entry.describe();
    }
  } else {
    check_error(sprawlignore.error().message, "fuzz/.sprawlignore");
  }

  auto gitleaksignore = sprawl::parse_gitleaksignore(bytes, "fuzz/.gitleaksignore");
  if (gitleaksignore) {
    for (const auto& entry : *gitleaksignore) {
      require(entry.line >= 1 && entry.start_line >= 1);
      require(!entry.file.empty() && !entry.rule_id.empty());
      for (const auto& f : probes) (void)entry.matches(f);
    }
  } else {
    check_error(gitleaksignore.error().message, "fuzz/.gitleaksignore");
  }

  auto baseline = sprawl::Baseline::parse(bytes, "fuzz/baseline.json");
  if (baseline) {
    for (const auto& f : probes) (void)baseline->matches(f);
  } else {
    check_error(baseline.error().message, "fuzz/baseline.json");
  }

  // The bytes as one glob, matched against the bytes as a path.
  if (auto glob = sprawl::PathGlob::parse(bytes.substr(0, 256))) (void)glob->matches(bytes);
  return 0;
}
