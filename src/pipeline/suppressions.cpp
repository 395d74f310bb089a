// Loading and applying post-scan suppressions, and writing the baseline document.
#include "src/pipeline/suppressions.h"

#include <sys/stat.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>

#include <fmt/format.h>

#include "src/report/json_writer.h"
#include "src/source/file_reader.h"

namespace sprawl {
namespace {

constexpr std::uint64_t kMaxSuppressionFile = 512ull << 20;

// The file's bytes; std::nullopt when it does not exist and `optional` allows that.
Result<std::optional<std::string>> read_text_file(const std::string& path, bool optional) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT && optional) return std::optional<std::string>{};
    return Error{fmt::format("{}: {}", path, std::strerror(errno))};
  }
  std::string text;
  const ReadOutcome read = read_file(path, kMaxSuppressionFile, text);
  if (read.status == ReadStatus::too_large) return Error{fmt::format("{}: file too large", path)};
  if (read.status != ReadStatus::ok) return Error{fmt::format("{}: {}", path, read.message)};
  return std::optional<std::string>(std::move(text));
}

template <class Parse, class Entries>
Status load_ignore_file(const std::string& path, Parse&& parse, Entries& entries) {
  auto text = read_text_file(path, true);
  if (!text) return text.error();
  if (!*text) return Ok{};
  auto parsed = parse(**text, path);
  if (!parsed) return parsed.error();
  entries = std::move(*parsed);
  return Ok{};
}

}  // namespace

std::string Suppressions::reason(const Finding& finding) const {
  for (const auto& entry : sprawlignore)
    if (entry.matches(finding)) return fmt::format(".sprawlignore:{} {}", entry.line, entry.describe());
  for (const auto& entry : gitleaksignore)
    if (entry.matches(finding)) return fmt::format(".gitleaksignore:{}", entry.line);
  if (baseline && baseline->matches(finding)) return "baseline";
  return {};
}

Result<Suppressions> load_suppressions(const std::string& baseline_path, const std::string& root) {
  Suppressions suppressions;
  if (!baseline_path.empty()) {
    auto text = read_text_file(baseline_path, false);
    if (!text) return text.error();
    auto baseline = Baseline::parse(**text, baseline_path);
    if (!baseline) return baseline.error();
    suppressions.baseline = std::move(*baseline);
  }
  if (root.empty()) return suppressions;
  const std::string dir = root.back() == '/' ? root : root + "/";
  if (auto status = load_ignore_file(dir + ".sprawlignore", parse_sprawlignore, suppressions.sprawlignore); !status)
    return status.error();
  if (auto status = load_ignore_file(dir + ".gitleaksignore", parse_gitleaksignore, suppressions.gitleaksignore);
      !status)
    return status.error();
  return suppressions;
}

void apply_suppressions(const Suppressions& suppressions, ScanOutcome& outcome) {
  if (suppressions.empty()) return;
  std::vector<Finding> active, newly_suppressed;
  for (auto& finding : outcome.findings) {
    finding.suppressed = suppressions.reason(finding);
    if (finding.suppressed.empty()) {
      active.push_back(std::move(finding));
      continue;
    }
    if (finding.suppressed == "baseline") ++outcome.summary.baselined;
    newly_suppressed.push_back(std::move(finding));
  }
  outcome.findings = std::move(active);
  std::vector<Finding> merged;
  merged.reserve(outcome.suppressed.size() + newly_suppressed.size());
  std::merge(std::make_move_iterator(outcome.suppressed.begin()), std::make_move_iterator(outcome.suppressed.end()),
             std::make_move_iterator(newly_suppressed.begin()), std::make_move_iterator(newly_suppressed.end()),
             std::back_inserter(merged), finding_order);
  outcome.suppressed = std::move(merged);
  outcome.summary.suppressed = outcome.suppressed.size();
}

std::string render_baseline(const ScanOutcome& outcome) {
  // One finding per line, so that a committed baseline diffs well.
  std::string out = fmt::format("{{\n  \"sprawl_baseline\": {},\n  \"tool\": ", kBaselineVersion);
  JsonWriter(out).begin_object().field("name", "sprawl").field("version", SPRAWL_VERSION).end_object();
  out += ",\n  \"findings\": [";
  bool first = true;
  for (const auto& f : outcome.findings) {
    out += first ? "\n    " : ",\n    ";
    first = false;
    const std::string& path = f.provenance.relative_path.empty() ? f.provenance.path : f.provenance.relative_path;
    JsonWriter json(out);
    json.begin_object()
        .field("fingerprint", f.fingerprint)
        .field("rule_id", f.rule ? f.rule->id : std::string())
        .field("path", normalized_path(path))
        .field("line", f.start.line);
    if (f.provenance.git && !f.provenance.git->commit.empty()) json.field("commit", f.provenance.git->commit);
    json.end_object();
  }
  out += first ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

}  // namespace sprawl
