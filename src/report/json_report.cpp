// JSON and JSON Lines output, schema version 1 (docs/output-schema.md).
#include "src/report/json_writer.h"
#include "src/report/provenance_json.h"
#include "src/report/redact.h"
#include "src/report/report.h"

namespace sprawl {
namespace {

constexpr int kSchemaVersion = 1;

void finding_fields(JsonWriter& json, const Finding& f, const ReportOptions& options) {
  json.field("rule_id", f.rule->id)
      .field("description", f.rule->description)
      .field("provider", f.rule->provider)
      .field("nhi_type", f.rule->nhi_type)
      .field("severity", to_string(f.rule->severity))
      .field("path", f.provenance.path)
      .field("line", f.start.line)
      .field("column", f.start.column)
      .field("end_line", f.end.line)
      .field("end_column", f.end.column)
      .field("secret", options.show_secrets ? f.secret : redact_secret(f.secret))
      .field("redacted", !options.show_secrets)
      .field("fingerprint", f.fingerprint)
      .field("entropy", f.entropy)
      .field("blob_id", f.blob_id)
      .field("encoding", to_string(f.encoding));
  if (!f.suppressed.empty()) json.field("suppressed", f.suppressed);
  write_provenance_fields(json, f);
}

void summary_fields(JsonWriter& json, const ScanSummary& s, std::size_t findings) {
  json.field("findings", static_cast<std::uint64_t>(findings))
      .field("files_scanned", s.files_scanned)
      .field("bytes_scanned", s.bytes_scanned)
      .field("duplicate_blobs", s.duplicate_blobs)
      .field("empty_files", s.empty_files)
      .field("errors", s.errors)
      .field("skipped", s.skipped)
      .field("suppressed", s.suppressed)
      .field("baselined", s.baselined);
  json.key("dropped")
      .begin_object()
      .field("entropy", s.dropped.entropy)
      .field("placeholder", s.dropped.placeholder)
      .field("allowlist", s.dropped.allowlist)
      .field("binary_cap", s.dropped.binary_cap)
      .field("checksum", s.dropped.checksum)
      .end_object();
  json.field("duration_ms", static_cast<std::uint64_t>(s.seconds * 1000.0 + 0.5));
  if (const auto& v = s.validation; v.ran) {
    json.key("validation")
        .begin_object()
        .field("credentials", v.credentials)
        .field("valid", v.valid)
        .field("invalid", v.invalid)
        .field("unknown", v.unknown)
        .field("cached", v.cached)
        .field("not_checked", v.not_checked)
        .field("not_valid_hidden", s.not_valid_hidden)
        .field("duration_ms", static_cast<std::uint64_t>(v.seconds * 1000.0 + 0.5))
        .end_object();
  }
}

void diagnostic_fields(JsonWriter& json, const InputDiagnostic& d, const char* reason_key) {
  json.field("path", d.path).field(reason_key, d.message);
}

}  // namespace

std::string render_json(const ScanOutcome& outcome, const ReportOptions& options) {
  std::string out;
  JsonWriter json(out);
  json.begin_object().field("schema_version", kSchemaVersion);
  json.key("tool").begin_object().field("name", "sprawl").field("version", SPRAWL_VERSION).end_object();
  json.key("findings").begin_array();
  for (const auto& f : outcome.findings) {
    json.begin_object();
    finding_fields(json, f, options);
    json.end_object();
  }
  json.end_array();
  if (options.show_suppressed) {
    json.key("suppressed").begin_array();
    for (const auto& f : outcome.suppressed) {
      json.begin_object();
      finding_fields(json, f, options);
      json.end_object();
    }
    json.end_array();
  }
  json.key("errors").begin_array();
  for (const auto& d : outcome.errors) diagnostic_fields(json.begin_object(), d, "message"), json.end_object();
  json.end_array().key("skipped").begin_array();
  for (const auto& d : outcome.skipped) diagnostic_fields(json.begin_object(), d, "reason"), json.end_object();
  json.end_array().key("summary").begin_object();
  summary_fields(json, outcome.summary, outcome.findings.size());
  json.end_object().end_object();
  out.push_back('\n');
  return out;
}

std::string render_jsonl(const ScanOutcome& outcome, const ReportOptions& options) {
  std::string out;
  auto line = [&](const char* type, auto&& fill) {
    JsonWriter json(out);
    json.begin_object().field("schema_version", kSchemaVersion).field("type", type);
    fill(json);
    json.end_object();
    out.push_back('\n');
  };
  for (const auto& f : outcome.findings) line("finding", [&](JsonWriter& j) { finding_fields(j, f, options); });
  if (options.show_suppressed)
    for (const auto& f : outcome.suppressed) line("suppressed", [&](JsonWriter& j) { finding_fields(j, f, options); });
  for (const auto& d : outcome.errors) line("error", [&](JsonWriter& j) { diagnostic_fields(j, d, "message"); });
  for (const auto& d : outcome.skipped) line("skipped", [&](JsonWriter& j) { diagnostic_fields(j, d, "reason"); });
  line("summary", [&](JsonWriter& j) { summary_fields(j, outcome.summary, outcome.findings.size()); });
  return out;
}

}  // namespace sprawl
