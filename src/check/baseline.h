// Baseline: findings accepted earlier, read from a sprawl baseline document or a gitleaks JSON
// report and kept only as what matching needs (fingerprints, secret hashes, file:line), never secrets.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "sprawl/finding.h"
#include "sprawl/result.h"

namespace sprawl {

/// The version `sprawl_baseline` has in the documents this build writes and reads.
inline constexpr int kBaselineVersion = 1;

class Baseline {
 public:
  /// Parses a sprawl baseline (`{"sprawl_baseline": 1, "findings": [...]}`) or a gitleaks JSON
  /// report (an array of findings); errors read "NAME:LINE: reason".
  static Result<Baseline> parse(std::string_view text, std::string_view name);

  /// Whether the baseline records `finding`: by fingerprint (sprawl), by the secret's hash
  /// (gitleaks reports with secrets) or by file and start line (redacted gitleaks reports).
  bool matches(const Finding& finding) const;

  /// Records a finding fingerprint (64 hex, any case).
  void add_fingerprint(std::string_view fingerprint);
  /// Records a secret by its SHA-256 only: any finding with this secret, whatever the rule, matches.
  void add_secret(std::string_view secret);
  /// Records a location: any finding at this relative path and start line matches.
  void add_location(std::string_view file, std::uint32_t start_line);

  /// Entries recorded.
  std::size_t size() const { return m_fingerprints.size() + m_secret_hashes.size() + m_locations.size(); }

 private:
  std::unordered_set<std::string> m_fingerprints;               // Finding::fingerprint
  std::unordered_set<std::string> m_secret_hashes;              // sha256_hex(secret)
  std::set<std::pair<std::string, std::uint32_t>> m_locations;  // (file, start line)
};

}  // namespace sprawl
