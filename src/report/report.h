// Report writers: each renders a finished scan into text for one --format.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/pipeline/scan_pipeline.h"

namespace sprawl {

struct ReportOptions {
  bool show_secrets = false;
  bool color = false;
  bool show_suppressed = false;  ///< also list outcome.suppressed, each with its reason
};

/// Human-readable blocks, one per finding, then a summary line.
std::string render_human(const ScanOutcome& outcome, const ReportOptions& options);

/// One JSON document (schema_version 1, docs/output-schema.md).
std::string render_json(const ScanOutcome& outcome, const ReportOptions& options);

/// One JSON object per line: findings, errors, skipped inputs, then the summary.
std::string render_jsonl(const ScanOutcome& outcome, const ReportOptions& options);

/// A byte count for people: "512 B", "3.4 KiB", "12.0 MiB", "4.72 GiB".
std::string human_size(std::uint64_t bytes);

/// The one-line summary shared by the human report and the progress display.
std::string summary_line(const ScanOutcome& outcome);

}  // namespace sprawl
