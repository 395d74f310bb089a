// SARIF 2.1.0 output (--format sarif), shaped for GitHub code scanning: one run, the rules the
// results use, redacted messages only, and GitHub's upload limits applied (docs/output-schema.md).
#pragma once

#include <cstddef>
#include <string>

#include "src/pipeline/scan_pipeline.h"
#include "src/report/report.h"

namespace sprawl {

/// GitHub code scanning's upload limits; a report over them keeps the most severe results.
struct SarifLimits {
  std::size_t max_results = 25000;          ///< results per run
  std::size_t max_gzip_bytes = 10'000'000;  ///< the whole file, gzip-compressed
};

/// A rendered SARIF log and how many results the limits left out.
struct SarifDocument {
  std::string text;
  std::size_t results_left_out = 0;
  std::size_t results_total = 0;  ///< findings (and, with show_suppressed, suppressed ones) before the cap
};

/// Renders `outcome` as one SARIF 2.1.0 log. Secrets are always redacted, whatever
/// `options.show_secrets` says; suppressed findings appear (with `suppressions`) only with
/// `options.show_suppressed`. Over `limits`, the most severe results are kept and an
/// invocation notification says how many were left out. Pure: writes nothing.
SarifDocument build_sarif(const ScanOutcome& outcome, const ReportOptions& options, const SarifLimits& limits = {});

/// `build_sarif` with GitHub's limits; prints one "sprawl: warning: …" line on stderr when
/// results were left out.
std::string render_sarif(const ScanOutcome& outcome, const ReportOptions& options);

/// `path` as a URI reference: every byte outside A-Z a-z 0-9 - . _ ~ / percent-encoded.
std::string sarif_uri_encode(const std::string& path);

/// A rule id as a SARIF rule name: "aws-access-key-id" → "AwsAccessKeyId".
std::string sarif_rule_name(const std::string& rule_id);

}  // namespace sprawl
