// Reads sprawl's JSON report (schema version 1) back into plain values for assertions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sprawl::test {

struct ReportedFinding {
  std::string rule_id, path, secret, fingerprint, blob_id, encoding;
  std::int64_t line = 0, column = 0, end_line = 0, end_column = 0;
  bool redacted = true;
};

struct ReportedScan {
  std::int64_t schema_version = 0;
  std::vector<ReportedFinding> findings;
  std::vector<std::string> error_paths, skipped_paths;
  std::int64_t files_scanned = 0, duplicate_blobs = 0, empty_files = 0, dropped_binary_cap = 0, dropped_allowlist = 0;
};

/// Parses `sprawl scan --format json` output; throws if it is not valid JSON of that shape.
ReportedScan parse_report(const std::string& json);

}  // namespace sprawl::test
