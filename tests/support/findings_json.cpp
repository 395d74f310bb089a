// simdjson-based reader for the JSON report.
#include "tests/support/findings_json.h"

#include <simdjson.h>

namespace sprawl::test {

ReportedScan parse_report(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json);  // throws simdjson_error on bad JSON
  ReportedScan scan;
  scan.schema_version = int64_t(root["schema_version"]);
  for (simdjson::dom::element f : root["findings"].get_array()) {
    ReportedFinding r;
    r.rule_id = std::string(std::string_view(f["rule_id"]));
    r.path = std::string(std::string_view(f["path"]));
    r.secret = std::string(std::string_view(f["secret"]));
    r.fingerprint = std::string(std::string_view(f["fingerprint"]));
    r.blob_id = std::string(std::string_view(f["blob_id"]));
    r.encoding = std::string(std::string_view(f["encoding"]));
    r.line = int64_t(f["line"]);
    r.column = int64_t(f["column"]);
    r.end_line = int64_t(f["end_line"]);
    r.end_column = int64_t(f["end_column"]);
    r.redacted = bool(f["redacted"]);
    scan.findings.push_back(std::move(r));
  }
  for (simdjson::dom::element e : root["errors"].get_array())
    scan.error_paths.emplace_back(std::string_view(e["path"]));
  for (simdjson::dom::element e : root["skipped"].get_array())
    scan.skipped_paths.emplace_back(std::string_view(e["path"]));
  simdjson::dom::element summary = root["summary"];
  scan.files_scanned = int64_t(summary["files_scanned"]);
  scan.duplicate_blobs = int64_t(summary["duplicate_blobs"]);
  scan.empty_files = int64_t(summary["empty_files"]);
  scan.dropped_binary_cap = int64_t(summary["dropped"]["binary_cap"]);
  scan.dropped_allowlist = int64_t(summary["dropped"]["allowlist"]);
  return scan;
}

}  // namespace sprawl::test
