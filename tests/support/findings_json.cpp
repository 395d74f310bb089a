// simdjson-based reader for the JSON report.
#include "tests/support/findings_json.h"

#include <simdjson.h>

#include <cctype>

namespace sprawl::test {

namespace {

/// The string member `key` of `object`, or "" when it is absent.
std::string text_of(simdjson::dom::element object, const char* key) {
  std::string_view value;
  return object[key].get(value) == simdjson::SUCCESS ? std::string(value) : std::string();
}

ReportedFinding parse_finding(simdjson::dom::element f) {
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
  simdjson::dom::element git;
  if (f["git"].get(git) == simdjson::SUCCESS) {
    ReportedGit g;
    auto text = [&](const char* key) { return text_of(git, key); };
    g.repository = text("repository");
    g.location = text("location");
    g.commit = text("commit");
    g.author_name = text("author_name");
    g.author_email = text("author_email");
    g.author_date = text("author_date");
    g.summary = text("summary");
    bool flag = true;
    if (git["reachable"].get(flag) == simdjson::SUCCESS) g.reachable = flag;
    g.at_head = bool(git["at_head"]);
    g.other_commits = int64_t(git["other_commits"]);
    g.other_paths = int64_t(git["other_paths"]);
    r.git = std::move(g);
  }
  simdjson::dom::element image;
  if (f["image"].get(image) == simdjson::SUCCESS) {
    ReportedImage m;
    auto text = [&](const char* key) { return text_of(image, key); };
    m.image = text("image");
    m.reference = text("reference");
    m.image_id = text("image_id");
    m.manifest_digest = text("manifest_digest");
    m.layer_digest = text("layer_digest");
    m.created_by = text("created_by");
    m.path = text("path");
    m.config_field = text("config_field");
    m.removal = text("removal");
    std::int64_t number = 0;
    if (image["layer"].get(number) == simdjson::SUCCESS) m.layer = number;
    if (image["deleted_in_layer"].get(number) == simdjson::SUCCESS) m.deleted_in_layer = number;
    bool flag = false;
    if (image["in_final_filesystem"].get(flag) == simdjson::SUCCESS) m.in_final_filesystem = flag;
    r.image = std::move(m);
  }
  auto strings = [&](const char* key, std::vector<std::string>& out) {
    simdjson::dom::array items;
    if (f[key].get(items) != simdjson::SUCCESS) return;
    for (auto item : items) out.emplace_back(std::string_view(item));
  };
  strings("archive_members", r.archive_members);
  strings("decoded", r.decoded);
  simdjson::dom::element validity;
  if (f["validity"].get(validity) == simdjson::SUCCESS) {
    r.validity_status = text_of(validity, "status");
    r.validity_reason = text_of(validity, "reason");
    r.validity_method = text_of(validity, "method");
    r.validity_checked_at = text_of(validity, "checked_at");
    bool cached = false;
    if (validity["cached"].get(cached) == simdjson::SUCCESS) r.validity_cached = cached;
    int64_t http_status = 0;
    if (validity["http_status"].get(http_status) == simdjson::SUCCESS) r.validity_http_status = http_status;
  }
  simdjson::dom::object identity;
  if (f["identity"].get(identity) == simdjson::SUCCESS)
    for (auto field : identity) r.identity.emplace_back(std::string(field.key), std::string(std::string_view(field.value)));
  std::string_view reason;
  if (f["suppressed"].get(reason) == simdjson::SUCCESS) r.suppressed = std::string(reason);
  return r;
}

}  // namespace

ReportedScan parse_report(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json);  // throws simdjson_error on bad JSON
  ReportedScan scan;
  scan.schema_version = int64_t(root["schema_version"]);
  for (simdjson::dom::element f : root["findings"].get_array()) scan.findings.push_back(parse_finding(f));
  simdjson::dom::array suppressed;
  if (root["suppressed"].get(suppressed) == simdjson::SUCCESS)
    for (simdjson::dom::element f : suppressed) scan.suppressed.push_back(parse_finding(f));
  for (simdjson::dom::element e : root["errors"].get_array()) {
    scan.error_paths.emplace_back(std::string_view(e["path"]));
    scan.error_messages.emplace_back(std::string_view(e["message"]));
  }
  for (simdjson::dom::element e : root["skipped"].get_array()) {
    scan.skipped_paths.emplace_back(std::string_view(e["path"]));
    scan.skipped_reasons.emplace_back(std::string_view(e["reason"]));
  }
  simdjson::dom::element summary = root["summary"];
  scan.files_scanned = int64_t(summary["files_scanned"]);
  scan.duplicate_blobs = int64_t(summary["duplicate_blobs"]);
  scan.empty_files = int64_t(summary["empty_files"]);
  scan.dropped_binary_cap = int64_t(summary["dropped"]["binary_cap"]);
  scan.dropped_allowlist = int64_t(summary["dropped"]["allowlist"]);
  scan.dropped_entropy = int64_t(summary["dropped"]["entropy"]);
  std::int64_t checksum_drops = 0;
  if (summary["dropped"]["checksum"].get(checksum_drops) == simdjson::SUCCESS) scan.dropped_checksum = checksum_drops;
  std::int64_t count = 0;
  if (summary["suppressed"].get(count) == simdjson::SUCCESS) scan.suppressed_count = count;
  if (summary["baselined"].get(count) == simdjson::SUCCESS) scan.baselined_count = count;
  simdjson::dom::element validation;
  if (summary["validation"].get(validation) == simdjson::SUCCESS) {
    scan.validation_ran = true;
    scan.validated = int64_t(validation["credentials"]);
    scan.valid = int64_t(validation["valid"]);
    scan.invalid = int64_t(validation["invalid"]);
    scan.unknown = int64_t(validation["unknown"]);
    scan.cached = int64_t(validation["cached"]);
    scan.not_checked = int64_t(validation["not_checked"]);
    scan.not_valid_hidden = int64_t(validation["not_valid_hidden"]);
  }
  return scan;
}

std::vector<ReportedFinding> with_secret(const ReportedScan& scan, const std::string& secret) {
  std::vector<ReportedFinding> out;
  for (const auto& f : scan.findings)
    if (f.secret == secret) out.push_back(f);
  return out;
}

bool contains_nocase(std::string text, std::string word) {
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  return lower(std::move(text)).find(lower(std::move(word))) != std::string::npos;
}

bool errors_mention(const ReportedScan& scan, const std::string& word) {
  for (std::size_t i = 0; i < scan.error_paths.size(); ++i)
    if (contains_nocase(scan.error_paths[i], word) || contains_nocase(scan.error_messages[i], word)) return true;
  return false;
}

bool skipped_mentions(const ReportedScan& scan, const std::string& word) {
  for (std::size_t i = 0; i < scan.skipped_paths.size(); ++i)
    if (contains_nocase(scan.skipped_paths[i], word) || contains_nocase(scan.skipped_reasons[i], word)) return true;
  return false;
}

}  // namespace sprawl::test
