// Suppressions applied after a scan: the baseline (--baseline) and the ignore files at the scan
// root (.sprawlignore, .gitleaksignore); and the baseline document `sprawl baseline create` writes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sprawl/result.h"
#include "src/check/baseline.h"
#include "src/check/ignore_file.h"
#include "src/pipeline/scan_pipeline.h"

namespace sprawl {

/// Everything that can suppress a finding after the scan, loaded once.
struct Suppressions {
  std::optional<Baseline> baseline;                 ///< absent without --baseline
  std::vector<SprawlIgnoreEntry> sprawlignore;      ///< from ROOT/.sprawlignore
  std::vector<GitleaksIgnoreEntry> gitleaksignore;  ///< from ROOT/.gitleaksignore

  bool empty() const { return !baseline && sprawlignore.empty() && gitleaksignore.empty(); }
  /// Why `finding` is suppressed (".sprawlignore:3 fingerprint", ".gitleaksignore:7", "baseline"),
  /// or empty. The ignore files are asked first: they are deliberate, a baseline is a debt.
  std::string reason(const Finding& finding) const;
};

/// Loads the baseline (`baseline_path`, may be empty) and the ignore files found in `root`
/// (.sprawlignore and .gitleaksignore; absent files are fine; an empty root reads none).
/// Errors name the file and line: "PATH:LINE: reason".
Result<Suppressions> load_suppressions(const std::string& baseline_path, const std::string& root);

/// Moves every finding of outcome.findings that a suppression matches to outcome.suppressed
/// (Finding::suppressed = the reason: "baseline", ".sprawlignore:LINE fingerprint",
/// ".sprawlignore:LINE path glob 'x'", ".gitleaksignore:LINE"), keeping both lists in their
/// order, and updates summary.suppressed and summary.baselined.
void apply_suppressions(const Suppressions& suppressions, ScanOutcome& outcome);

/// The baseline document `sprawl baseline create` writes: every active finding of the outcome,
/// by fingerprint, never the secret (docs/baselines-and-ignores.md).
std::string render_baseline(const ScanOutcome& outcome);

}  // namespace sprawl
