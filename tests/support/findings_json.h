// Reads sprawl's JSON report (schema version 1) back into plain values for assertions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sprawl::test {

/// The "git" object of a finding from a repository.
struct ReportedGit {
  std::string repository, location, commit, author_name, author_email, author_date, summary;
  bool reachable = true, at_head = false;
  std::int64_t other_commits = 0, other_paths = 0;
};

/// The "image" object of a finding from a container image.
struct ReportedImage {
  std::string image, reference, image_id, manifest_digest, layer_digest, created_by, path, config_field, removal;
  std::int64_t layer = -1;             ///< -1: a config field
  std::int64_t deleted_in_layer = -1;  ///< -1: not removed
  bool in_final_filesystem = false;
};

struct ReportedFinding {
  std::string rule_id, path, secret, fingerprint, blob_id, encoding;
  std::int64_t line = 0, column = 0, end_line = 0, end_column = 0;
  bool redacted = true;
  std::optional<ReportedGit> git;  ///< present for findings from a git repository
  std::string suppressed;          ///< the reason, for entries of the "suppressed" array
  std::optional<ReportedImage> image;     ///< present for findings from a container image
  std::vector<std::string> archive_members;  ///< archive members, outermost first
  std::vector<std::string> decoded;          ///< encodings decoded, outermost first
  std::string validity_status, validity_reason;  ///< empty when no offline check applied
  std::string validity_method, validity_checked_at;  ///< "offline" / "live"; live: when
  bool validity_cached = false;
  std::int64_t validity_http_status = 0;
  std::vector<std::pair<std::string, std::string>> identity;
  /// The identity value for `key`, or "" when absent.
  std::string identity_of(const std::string& key) const {
    for (const auto& [k, v] : identity)
      if (k == key) return v;
    return {};
  }
};

struct ReportedScan {
  std::int64_t schema_version = 0;
  std::vector<ReportedFinding> findings;
  std::vector<std::string> error_paths, skipped_paths;
  std::vector<std::string> error_messages, skipped_reasons;  ///< parallel to the paths
  std::int64_t files_scanned = 0, duplicate_blobs = 0, empty_files = 0, dropped_binary_cap = 0, dropped_allowlist = 0,
               dropped_entropy = 0, dropped_checksum = 0;
  /// The "suppressed" array (--show-suppressed); empty when the report has none.
  std::vector<ReportedFinding> suppressed;
  /// summary.suppressed and summary.baselined; -1 when the report does not have them.
  std::int64_t suppressed_count = -1, baselined_count = -1;
  /// summary.validation (--validate); `validation_ran` false when the report has none.
  bool validation_ran = false;
  std::int64_t validated = 0, valid = 0, invalid = 0, unknown = 0, cached = 0, not_checked = 0, not_valid_hidden = 0;
};

/// Parses `sprawl scan --format json` output; throws if it is not valid JSON of that shape.
ReportedScan parse_report(const std::string& json);

/// The findings whose (shown, so --show-secrets) secret is `secret`.
std::vector<ReportedFinding> with_secret(const ReportedScan& scan, const std::string& secret);

/// Whether `text` contains `word`, ignoring ASCII case.
bool contains_nocase(std::string text, std::string word);

/// Whether some error's path or message / some skipped entry's path or reason contains `word`
/// (any case).
bool errors_mention(const ReportedScan& scan, const std::string& word);
bool skipped_mentions(const ReportedScan& scan, const std::string& word);

}  // namespace sprawl::test
