// The scan pipeline: sources → blobs → matcher → checks → findings, on all cores.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "sprawl/finding.h"
#include "sprawl/scan_config.h"
#include "src/check/match_checks.h"
#include "src/pipeline/scan_engine.h"
#include "src/source/filesystem_walker.h"
#include "src/verify/live_validation.h"

namespace sprawl {

struct ScanSummary {
  std::uint64_t files_scanned = 0, bytes_scanned = 0, duplicate_blobs = 0, empty_files = 0;
  std::uint64_t errors = 0, skipped = 0;
  std::uint64_t suppressed = 0;  ///< findings suppressed (allow-lists, inline comments, ignore files, baseline)
  std::uint64_t baselined = 0;   ///< of those, by the baseline
  DropCounts dropped;
  double seconds = 0.0;
  verify::ValidationSummary validation;  ///< --validate: what the providers said
  std::uint64_t not_valid_hidden = 0;    ///< --only-valid: findings left out of the report
};

/// Everything a scan produced, ready for the report writers.
struct ScanOutcome {
  std::vector<Finding> findings;         ///< sorted by path, line, column, rule
  std::vector<Finding> suppressed;       ///< findings a suppression matched (`suppressed` says which), same order
  std::vector<InputDiagnostic> errors;   ///< inputs that could not be read
  std::vector<InputDiagnostic> skipped;  ///< inputs left out on purpose, with the reason
  ScanSummary summary;
};

/// A snapshot for the progress line.
struct ScanProgress {
  std::uint64_t files = 0, bytes = 0, findings = 0;
  double seconds = 0.0;
};

struct ScanCallbacks {
  std::function<void(const InputDiagnostic&)> diagnostic;  ///< called as problems are found
  std::function<void(const ScanProgress&)> progress;       ///< called periodically after a delay
};

/// Keeps `diagnostic` in the outcome: errors for unreadable inputs, skipped for notes.
void keep_diagnostic(ScanOutcome& outcome, InputDiagnostic diagnostic);

/// Hands `diagnostic` to the callback (shown as it happens), then keeps it in the outcome.
void record_diagnostic(const ScanCallbacks& callbacks, ScanOutcome& outcome, InputDiagnostic diagnostic);

/// The order findings are reported in: files before repositories, then path, line, column, rule.
bool finding_order(const Finding& a, const Finding& b);

/// The indexes of `findings` in finding_order, equal ones in their order.
std::vector<std::size_t> finding_permutation(std::span<const Finding* const> findings);

/// Sorts `findings` by finding_order (stable; a no-op when sorted already): the order is worked
/// out on indexes (finding_permutation), then each finding is moved once (sorting the findings
/// themselves moved each ~log n times).
void sort_findings(std::vector<Finding>& findings);

/// Runs a scan of `config.inputs` with `engine`: git repositories by their history (or the
/// configured git scope), everything else as files.
ScanOutcome run_scan(const ScanConfig& config, const ScanEngine& engine, const ScanCallbacks& callbacks);

/// Scans `config.inputs` as files and directories (also repositories: their work tree).
ScanOutcome scan_files(const ScanConfig& config, const ScanEngine& engine, const ScanCallbacks& callbacks);

}  // namespace sprawl
