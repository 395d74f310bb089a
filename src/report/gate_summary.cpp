// Gate summary lines (see gate_summary.h).
#include "src/report/gate_summary.h"

#include <algorithm>
#include <map>
#include <vector>

#include <fmt/format.h>

#include "src/report/report.h"

namespace sprawl {
namespace {

constexpr Severity kSeverities[] = {Severity::critical, Severity::high, Severity::medium, Severity::low, Severity::info};

}  // namespace

bool fails_gate(const Finding& finding, const GatePolicy& policy) {
  if (policy.valid_only && finding.validity.status != "valid") return false;
  if (policy.fail_on.empty()) return true;
  for (const Severity s : kSeverities)
    if (policy.fail_on == to_string(s)) return finding.rule->severity >= s;
  return true;
}

std::string gate_summary(const ScanOutcome& outcome, const GatePolicy& policy) {
  const std::string& fail_on = policy.fail_on;
  const auto& s = outcome.summary;
  std::map<Severity, std::size_t> by_severity;
  std::map<std::string, std::size_t> by_rule;
  std::size_t failing = 0;
  for (const auto& f : outcome.findings) {
    ++by_severity[f.rule->severity];
    ++by_rule[f.rule->id];
    failing += fails_gate(f, policy);
  }
  std::string severities;
  for (const Severity sev : kSeverities) {
    auto it = by_severity.find(sev);
    if (it == by_severity.end()) continue;
    severities += fmt::format("{}{} {}", severities.empty() ? "" : ", ", it->second, to_string(sev));
  }
  std::string out = fmt::format("sprawl: {} finding{}{} in {} file{} ({}) in {:.2f} s", outcome.findings.size(),
                                outcome.findings.size() == 1 ? "" : "s",
                                severities.empty() ? "" : " (" + severities + ")", s.files_scanned,
                                s.files_scanned == 1 ? "" : "s", human_size(s.bytes_scanned), s.seconds);
  if (s.suppressed) {
    out += fmt::format("; {} suppressed", s.suppressed);
    if (s.baselined) out += fmt::format(" ({} by the baseline)", s.baselined);
  }
  if (s.errors) out += fmt::format("; {} unreadable input{}", s.errors, s.errors == 1 ? "" : "s");
  if (s.skipped) out += fmt::format("; {} skipped", s.skipped);
  out += '\n';
  if (!by_rule.empty()) {
    std::vector<std::pair<std::string, std::size_t>> rules(by_rule.begin(), by_rule.end());
    std::stable_sort(rules.begin(), rules.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::string list;
    for (const auto& [rule, count] : rules) list += fmt::format("{}{} {}", list.empty() ? "" : ", ", rule, count);
    out += "sprawl: by rule: " + list + '\n';
  }
  if (const auto& v = s.validation; v.ran) {
    out += fmt::format("sprawl: validated {} credential{} with their providers: {} valid, {} invalid, {} unknown",
                       v.credentials, v.credentials == 1 ? "" : "s", v.valid, v.invalid, v.unknown);
    if (v.cached) out += fmt::format(" ({} from the cache)", v.cached);
    out += fmt::format(" in {:.2f} s", v.seconds);
    if (v.not_checked) out += fmt::format("; {} with no live check", v.not_checked);
    if (s.not_valid_hidden) out += fmt::format("; {} not valid, left out (--only-valid)", s.not_valid_hidden);
    out += '\n';
  }
  if (!fail_on.empty() && !policy.valid_only)
    out += fmt::format("sprawl: gate (--fail-on {}): {} finding{} at or above it: {}\n", fail_on, failing,
                       failing == 1 ? "" : "s", failing ? "FAILED" : "passed");
  if (policy.valid_only)
    out += fmt::format("sprawl: gate (--fail-on-valid{}): {} valid finding{}: {}\n",
                       fail_on.empty() ? "" : ", --fail-on " + fail_on, failing, failing == 1 ? "" : "s",
                       failing ? "FAILED" : "passed");
  return out;
}

}  // namespace sprawl
