// Runs rule examples through BlobScanner exactly as a scan would.
#include "src/rules/rules_check.h"

#include <algorithm>

#include <fmt/format.h>

#include "src/pipeline/blob_scanner.h"

namespace sprawl {
namespace {

bool reports_rule(BlobScanner& scanner, const std::string& text, const std::string& rule_id) {
  const BlobScan scan = scanner.scan(text);
  std::vector<Finding> findings;
  DropCounts drops;
  scanner.findings_for(scan, Provenance{"example", "example"}, findings, drops);
  return std::any_of(findings.begin(), findings.end(),
                     [&](const Finding& f) { return f.rule->id == rule_id && f.suppressed.empty(); });
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
    for (const auto& example : rule.examples) {
      ++report.examples;
      if (!reports_rule(scanner, example, rule.id))
        report.failures.push_back({rule.id, fmt::format("example not found: {}", shorten(example))});
    }
    for (const auto& negative : rule.negative_examples) {
      ++report.negative_examples;
      if (reports_rule(scanner, negative, rule.id))
        report.failures.push_back({rule.id, fmt::format("negative example reported: {}", shorten(negative))});
    }
  }
  return report;
}

}  // namespace sprawl
