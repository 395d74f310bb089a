// Runs rule examples through BlobScanner exactly as a scan would.
#include "src/rules/rules_check.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "src/pipeline/blob_scanner.h"
#include "src/verify/validator.h"

namespace sprawl {
namespace {

// The finding `rule_id` reports in `text`, if any.
std::optional<Finding> reported(BlobScanner& scanner, const std::string& text, const std::string& rule_id) {
  const BlobScan scan = scanner.scan(text);
  std::vector<Finding> findings;
  DropCounts drops;
  scanner.findings_for(scan, Provenance{"example", "example"}, findings, drops);
  for (auto& f : findings)
    if (f.rule->id == rule_id && f.suppressed.empty()) return std::move(f);
  return std::nullopt;
}

// The validity tier the code gives `rule`: live when a validator serves it, offline when an
// offline check read one of its examples, else none.
std::string supported_tier(const Rule& rule, bool offline_checked) {
  if (verify::validator_for(rule.id)) return "live";
  return offline_checked ? "offline" : "none";
}

std::string shorten(const std::string& text) {
  std::string one_line = text.substr(0, 80);
  std::replace(one_line.begin(), one_line.end(), '\n', ' ');
  return text.size() > 80 ? one_line + "…" : one_line;
}

}  // namespace

RuleCheckReport check_rules(const ScanEngine& engine) {
  RuleCheckReport report;
  for (const auto& rejected : engine.database().rejected())
    report.failures.push_back({rejected.rule_id, "not compiled: " + rejected.reason});
  auto matcher = Matcher::create(engine.database());
  if (!matcher) {
    report.failures.push_back({"*", matcher.error().message});
    return report;
  }
  // Offline checks on, as in a scan: an example whose checksum fails would be dropped there.
  ContentOptions content;
  content.offline_checks = true;
  BlobScanner scanner(engine, std::move(matcher.value()), 1000, /*resolve_overlaps=*/false, content);
  for (const auto& compiled : engine.database().rules()) {
    const Rule& rule = *compiled.rule;
    ++report.rules;
    if (rule.examples.empty()) report.failures.push_back({rule.id, "has no examples"});
    bool offline_checked = false;
    for (const auto& example : rule.examples) {
      ++report.examples;
      const auto finding = reported(scanner, example, rule.id);
      if (!finding)
        report.failures.push_back({rule.id, fmt::format("example not found: {}", shorten(example))});
      else
        offline_checked = offline_checked || !finding->validity.status.empty();
    }
    for (const auto& negative : rule.negative_examples) {
      ++report.negative_examples;
      if (reported(scanner, negative, rule.id))
        report.failures.push_back({rule.id, fmt::format("negative example reported: {}", shorten(negative))});
    }
    if (rule.builtin && rule.negative_examples.empty()) report.failures.push_back({rule.id, "has no negative examples"});
    const std::string tier = supported_tier(rule, offline_checked);
    if (rule.validation.empty() && rule.builtin)
      report.failures.push_back({rule.id, fmt::format("declares no validation tier (it supports '{}')", tier)});
    else if (!rule.validation.empty() && rule.validation != tier)
      report.failures.push_back(
          {rule.id, fmt::format("declares validation '{}' but supports '{}'", rule.validation, tier)});
  }
  return report;
}

}  // namespace sprawl
