// SARIF 2.1.0 rendering: rules with remediation help, results with redacted messages, stable
// fingerprints and git properties, invocation notifications, and GitHub's upload limits.
#include "src/report/sarif_report.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <numeric>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "src/check/fingerprint.h"
#include "src/report/json_writer.h"
#include "src/report/provenance_json.h"
#include "src/report/redact.h"

// Where code scanning links the tool's name; override at configure time for a fork.
#ifndef SPRAWL_HOMEPAGE
#define SPRAWL_HOMEPAGE "https://github.com/sprawl-scanner/sprawl"
#endif

namespace sprawl {
namespace {

// The final OASIS schema (the id of sarif-schema-2.1.0.json); GitHub (GH1013) asks for it.
constexpr const char* kSchemaUri =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
constexpr const char* kSourceRoot = "%SRCROOT%";
constexpr std::size_t kMaxTags = 20;  // GitHub keeps only the first 20 tags of a rule

// One result to write: a finding, and whether it came from outcome.suppressed.
struct Entry {
  const Finding* finding;
  bool suppressed;
};

const char* sarif_level(Severity s) {
  return s >= Severity::high ? "error" : s == Severity::medium ? "warning" : "note";
}

// GitHub maps security-severity to critical (>= 9.0), high (7.0-8.9), medium (4.0-6.9), low.
const char* security_severity(Severity s) {
  switch (s) {
    case Severity::critical:
      return "9.5";
    case Severity::high:
      return "8.0";
    case Severity::medium:
      return "5.5";
    case Severity::low:
      return "3.0";
    case Severity::info:
      return "1.0";
  }
  return "5.5";
}

std::string provider_name(const Rule& rule) {
  return rule.provider == "generic" ? std::string("the service that issued it") : rule.provider;
}

std::vector<std::string> rule_tags(const Rule& rule) {
  std::vector<std::string> tags{"security", "secret", rule.provider, rule.nhi_type};
  for (const auto& tag : rule.tags) {
    if (tags.size() == kMaxTags) break;
    if (!tag.empty() && std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(tag);
  }
  return tags;
}

std::string full_description(const Rule& r) {
  return fmt::format("{}: a credential of type {} issued by {}. Severity {}, confidence {}.", r.description, r.nhi_type,
                     r.provider, to_string(r.severity), to_string(r.confidence));
}

std::string help_text(const Rule& r) {
  return fmt::format(
      "{}\n\nTreat the credential as compromised:\n"
      "1. Rotate or revoke it at {} now, before anything else: removing it from the code does not un-leak it.\n"
      "2. Check the provider's audit logs for use of the credential since it was committed.\n"
      "3. Remove it from the code and load it at run time from a secret manager or the environment.\n"
      "4. Remove it from git history (git filter-repo --replace-text, or BFG) and force-push; ask everyone "
      "with a clone to re-clone.\n"
      "If the match is not a real credential, mark the line with a 'sprawl:allow' comment or add an allow-list "
      "entry to .sprawl.toml.",
      full_description(r), provider_name(r));
}

std::string help_markdown(const Rule& r) {
  return fmt::format(
      "**{}** (`{}`, `{}`, severity **{}**)\n\n"
      "sprawl found a value that matches this rule. Treat the credential as compromised:\n\n"
      "1. **Rotate or revoke it** at {} now, before anything else: removing it from the code does not "
      "un-leak it.\n"
      "2. **Check the provider's audit logs** for use of the credential since it was committed.\n"
      "3. **Remove it from the code** and load it at run time from a secret manager or the environment.\n"
      "4. **Remove it from git history** (`git filter-repo --replace-text`, or BFG) and force-push; ask "
      "everyone with a clone to re-clone.\n\n"
      "If the match is not a real credential, mark the line with a `sprawl:allow` comment or add an "
      "allow-list entry to `.sprawl.toml`.",
      r.description, r.provider, r.nhi_type, to_string(r.severity), provider_name(r));
}

void write_rule(JsonWriter& json, const Rule& r) {
  json.begin_object().field("id", r.id).field("name", sarif_rule_name(r.id));
  json.key("shortDescription").begin_object().field("text", r.description).end_object();
  json.key("fullDescription").begin_object().field("text", full_description(r)).end_object();
  json.key("help").begin_object().field("text", help_text(r)).field("markdown", help_markdown(r)).end_object();
  json.key("defaultConfiguration").begin_object().field("level", sarif_level(r.severity)).end_object();
  json.key("properties")
      .begin_object()
      .field("security-severity", security_severity(r.severity))
      .field("precision", to_string(r.confidence))
      .key("tags")
      .string_array(rule_tags(r))
      .end_object();
  json.end_object();
}

// The artifact URI of a finding: relative to the scan root (%SRCROOT%), a file: URI for an
// absolute path, or the loose-object path of a blob no path names (unreachable objects).
void write_artifact(JsonWriter& json, const Finding& f) {
  // A secret inside an archive is reported on the archive file; the members are in properties.
  const std::string path = f.provenance.members.empty()
                               ? f.provenance.relative_path
                               : f.provenance.relative_path.substr(0, f.provenance.relative_path.find("!/"));
  json.key("artifactLocation").begin_object();
  if (path.empty() && f.blob_id.size() > 2) {
    json.field("uri", ".git/objects/" + f.blob_id.substr(0, 2) + "/" + f.blob_id.substr(2));
    json.field("uriBaseId", kSourceRoot);
  } else if (!path.empty() && path.front() == '/') {
    json.field("uri", "file://" + sarif_uri_encode(path));
  } else {
    json.field("uri", sarif_uri_encode(path.empty() ? f.provenance.path : path)).field("uriBaseId", kSourceRoot);
  }
  json.end_object();
}

void write_location(JsonWriter& json, const Finding& f) {
  json.key("locations").begin_array().begin_object().key("physicalLocation").begin_object();
  write_artifact(json, f);
  // Lines inside an archive member are not lines of the archive file: no region then.
  if (f.start.line >= 1 && f.start.column >= 1 && f.provenance.members.empty()) {
    // SARIF's endColumn is the column just past the region; sprawl's end is the last character.
    const std::uint32_t end_line = std::max(f.end.line, f.start.line);
    const std::uint32_t end_column = end_line == f.start.line ? std::max(f.end.column, f.start.column) : f.end.column;
    json.key("region")
        .begin_object()
        .field("startLine", f.start.line)
        .field("startColumn", f.start.column)
        .field("endLine", end_line)
        .field("endColumn", end_column + 1)
        .end_object();
  }
  json.end_object().end_object().end_array();
}

// A stable hash of what identifies the alert (rule, secret, file), not its line: an alert
// survives lines being added above the secret.
std::string location_hash(const Finding& f) {
  std::string key = f.rule->id;
  key.push_back('\0');
  key += f.fingerprint;
  key.push_back('\0');
  key += f.provenance.relative_path;
  return sha256_hex(key).substr(0, 16) + ":1";
}

void write_properties(JsonWriter& json, const Finding& f) {
  json.key("properties")
      .begin_object()
      .field("provider", f.rule->provider)
      .field("nhi_type", f.rule->nhi_type)
      .field("severity", to_string(f.rule->severity))
      .field("path", f.provenance.path)
      .field("secret", redact_secret(f.secret))
      .field("blob_id", f.blob_id)
      .field("encoding", to_string(f.encoding));
  if (f.provenance.git) write_git_fields(json, *f.provenance.git);  // flattened into the bag
  write_nested_fields(json, f);
  json.end_object();
}

void write_suppression(JsonWriter& json, const Finding& f) {
  const bool in_source = f.suppressed.rfind("inline", 0) == 0;
  json.key("suppressions")
      .begin_array()
      .begin_object()
      .field("kind", in_source ? "inSource" : "external")
      .field("justification", f.suppressed)
      .end_object()
      .end_array();
}

// A finding the provider was asked about is an error when it accepted the credential and a
// warning otherwise; without a live check the rule's severity decides.
const char* result_level(const Finding& f) {
  if (f.validity.method == "live") return f.validity.status == "valid" ? "error" : "warning";
  return sarif_level(f.rule->severity);
}

// Never the raw secret, even with --show-secrets: SARIF files are uploaded and archived.
void write_result(JsonWriter& json, const Entry& e, std::size_t rule_index) {
  const Finding& f = *e.finding;
  json.begin_object()
      .field("ruleId", f.rule->id)
      .field("ruleIndex", static_cast<std::uint64_t>(rule_index))
      .field("level", result_level(f));
  json.key("message")
      .begin_object()
      .field("text", fmt::format("{}: {}.", f.rule->description, redact_secret(f.secret)))
      .end_object();
  write_location(json, f);
  json.key("partialFingerprints")
      .begin_object()
      .field("primaryLocationLineHash", location_hash(f))
      .field("sprawlSecretFingerprint/v1", f.fingerprint)
      .end_object();
  if (e.suppressed) write_suppression(json, f);
  write_properties(json, f);
  json.end_object();
}

void write_notification(JsonWriter& json, const char* level, const std::string& text, const std::string& path) {
  json.begin_object().field("level", level).key("message").begin_object().field("text", text).end_object();
  if (!path.empty()) {
    const std::string uri = path.front() == '/' ? "file://" + sarif_uri_encode(path) : sarif_uri_encode(path);
    json.key("locations").begin_array().begin_object().key("physicalLocation").begin_object();
    json.key("artifactLocation").begin_object().field("uri", uri).end_object();
    json.end_object().end_object().end_array();
  }
  json.end_object();
}

std::string left_out_text(std::size_t left_out, std::size_t total, const SarifLimits& limits) {
  return fmt::format(
      "{} of {} results were left out: GitHub code scanning accepts at most {} results per run and {} bytes "
      "of gzip-compressed SARIF. The most severe results were kept; use --format json for the full list.",
      left_out, total, limits.max_results, limits.max_gzip_bytes);
}

void write_invocation(JsonWriter& json, const ScanOutcome& outcome, std::size_t left_out, std::size_t total,
                      const SarifLimits& limits) {
  json.key("invocations").begin_array().begin_object().field("executionSuccessful", outcome.errors.empty());
  json.key("toolExecutionNotifications").begin_array();
  for (const auto& d : outcome.errors) write_notification(json, "error", d.path + ": " + d.message, d.path);
  for (const auto& d : outcome.skipped) write_notification(json, "note", d.path + ": " + d.message, d.path);
  if (left_out) write_notification(json, "warning", left_out_text(left_out, total, limits), "");
  json.end_array().end_object().end_array();
}

void write_driver(JsonWriter& json, const std::vector<const Rule*>& rules) {
  json.key("tool").begin_object().key("driver").begin_object();
  json.field("name", "sprawl")
      .field("semanticVersion", SPRAWL_VERSION)
      .field("informationUri", SPRAWL_HOMEPAGE)
      .key("rules")
      .begin_array();
  for (const Rule* rule : rules) write_rule(json, *rule);
  json.end_array().end_object().end_object();
}

void write_run_properties(JsonWriter& json, const ScanOutcome& outcome) {
  const ScanSummary& s = outcome.summary;
  json.key("properties")
      .begin_object()
      .field("findings", static_cast<std::uint64_t>(outcome.findings.size()))
      .field("suppressed", s.suppressed)
      .field("files_scanned", s.files_scanned)
      .field("bytes_scanned", s.bytes_scanned)
      .field("errors", s.errors)
      .field("skipped", s.skipped)
      .end_object();
}

std::string render_document(const ScanOutcome& outcome, const std::vector<Entry>& entries, std::size_t total,
                            const SarifLimits& limits) {
  std::map<std::string, const Rule*> used;  // by id: rules[] sorted, one entry per id
  for (const auto& e : entries) used.emplace(e.finding->rule->id, e.finding->rule);
  std::vector<const Rule*> rules;
  std::map<std::string, std::size_t> index;
  for (const auto& [id, rule] : used) index.emplace(id, rules.size()), rules.push_back(rule);

  std::string out;
  JsonWriter json(out);
  json.begin_object().field("$schema", kSchemaUri).field("version", "2.1.0").key("runs").begin_array();
  json.begin_object();
  write_driver(json, rules);
  write_invocation(json, outcome, total - entries.size(), total, limits);
  json.field("columnKind", "unicodeCodePoints").key("results").begin_array();
  for (const auto& e : entries) write_result(json, e, index.at(e.finding->rule->id));
  json.end_array();
  write_run_properties(json, outcome);
  json.end_object().end_array().end_object();
  out.push_back('\n');
  return out;
}

// Size of `text` gzip-compressed at zlib's default level, as an upload would be.
std::size_t gzip_size(std::string_view text) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return text.size();
  std::vector<unsigned char> buffer(1 << 16);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  std::size_t total = 0;
  int status = Z_OK;
  while (status == Z_OK) {
    stream.next_out = buffer.data();
    stream.avail_out = static_cast<uInt>(buffer.size());
    status = deflate(&stream, Z_FINISH);
    total += buffer.size() - stream.avail_out;
  }
  deflateEnd(&stream);
  return total;
}

bool fits(const std::string& text, const SarifLimits& limits) {
  return text.size() <= limits.max_gzip_bytes || gzip_size(text) <= limits.max_gzip_bytes;
}

// Findings first, then (on request) suppressed ones; the most severe first, for the cap.
std::vector<Entry> ranked_entries(const ScanOutcome& outcome, const ReportOptions& options) {
  std::vector<Entry> entries;
  for (const auto& f : outcome.findings) entries.push_back({&f, false});
  if (options.show_suppressed)
    for (const auto& f : outcome.suppressed) entries.push_back({&f, true});
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.suppressed != b.suppressed) return b.suppressed;
    return a.finding->rule->severity > b.finding->rule->severity;
  });
  return entries;
}

// The first `keep` ranked entries, back in report order (findings, then suppressed ones).
std::vector<Entry> kept_in_order(const std::vector<Entry>& ranked, std::size_t keep,
                                 const std::vector<std::size_t>& position) {
  std::vector<std::size_t> order(keep);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return position[a] < position[b]; });
  std::vector<Entry> kept;
  kept.reserve(keep);
  for (std::size_t i : order) kept.push_back(ranked[i]);
  return kept;
}

}  // namespace

std::string sarif_uri_encode(const std::string& path) {
  std::string out;
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    const bool plain = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || c == '-' ||
                       c == '.' || c == '_' || c == '~' || c == '/';
    if (plain) {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

std::string sarif_rule_name(const std::string& rule_id) {
  std::string name;
  bool start = true;
  for (const char c : rule_id) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u)) {
      start = true;
      continue;
    }
    name.push_back(start ? static_cast<char>(std::toupper(u)) : c);
    start = false;
  }
  return name.empty() ? std::string("Secret") : name;
}

SarifDocument build_sarif(const ScanOutcome& outcome, const ReportOptions& options, const SarifLimits& limits) {
  const std::vector<Entry> ranked = ranked_entries(outcome, options);
  // Report order of each ranked entry: findings (already sorted) before suppressed ones.
  std::vector<std::size_t> position(ranked.size());
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    const auto& list = ranked[i].suppressed ? outcome.suppressed : outcome.findings;
    position[i] = static_cast<std::size_t>(ranked[i].finding - list.data()) +
                  (ranked[i].suppressed ? outcome.findings.size() : 0);
  }
  SarifDocument doc;
  doc.results_total = ranked.size();
  std::size_t keep = std::min(ranked.size(), limits.max_results);
  for (;;) {
    doc.text = render_document(outcome, kept_in_order(ranked, keep, position), ranked.size(), limits);
    if (keep == 0 || fits(doc.text, limits)) break;
    // Shrink in proportion to the overshoot, with a margin, and try again.
    const double ratio = 0.95 * static_cast<double>(limits.max_gzip_bytes) / static_cast<double>(gzip_size(doc.text));
    keep = std::min(keep - 1, static_cast<std::size_t>(static_cast<double>(keep) * ratio));
  }
  doc.results_left_out = ranked.size() - keep;
  return doc;
}

std::string render_sarif(const ScanOutcome& outcome, const ReportOptions& options) {
  SarifDocument doc = build_sarif(outcome, options);
  if (doc.results_left_out) {
    std::fprintf(stderr,
                 "sprawl: warning: SARIF output: %zu of %zu results left out (GitHub code scanning accepts at most "
                 "%zu per run and %zu bytes gzip-compressed); the most severe were kept\n",
                 doc.results_left_out, doc.results_total, SarifLimits{}.max_results, SarifLimits{}.max_gzip_bytes);
  }
  return std::move(doc.text);
}

}  // namespace sprawl
