// `sprawl rules list` and `sprawl rules check`.
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "src/cli/commands.h"
#include "src/pipeline/scan_engine.h"
#include "src/report/json_writer.h"
#include "src/rules/rules_check.h"

namespace sprawl {
namespace {

std::string rules_table(const std::vector<Rule>& rules) {
  std::string out =
      fmt::format("{:<40} {:<14} {:<18} {:<9} {:<8} {}\n", "ID", "PROVIDER", "NHI TYPE", "SEVERITY", "VALIDITY",
                  "DESCRIPTION");
  for (const auto& r : rules)
    out += fmt::format("{:<40} {:<14} {:<18} {:<9} {:<8} {}\n", r.id, r.provider, r.nhi_type, to_string(r.severity),
                       r.validation.empty() ? "-" : r.validation, r.description);
  out += fmt::format("{} rules\n", rules.size());
  return out;
}

std::string rules_json(const std::vector<Rule>& rules) {
  std::string out;
  JsonWriter json(out);
  json.begin_array();
  for (const auto& r : rules) {
    json.begin_object()
        .field("id", r.id)
        .field("description", r.description)
        .field("provider", r.provider)
        .field("nhi_type", r.nhi_type)
        .field("severity", to_string(r.severity))
        .field("confidence", to_string(r.confidence))
        .field("regex", r.regex)
        .field("secret_group", r.secret_group)
        .field("entropy", r.entropy)
        .field("validation", r.validation);
    json.key("keywords").string_array(r.keywords);
    json.key("tags").string_array(r.tags);
    json.field("examples", static_cast<std::uint64_t>(r.examples.size()))
        .field("negative_examples", static_cast<std::uint64_t>(r.negative_examples.size()))
        .field("source", r.source)
        .end_object();
  }
  json.end_array();
  out.push_back('\n');
  return out;
}

}  // namespace

int run_rules_list(const RulesOptions& options) {
  auto config = resolve_rule_config(options.config_path);
  if (!config) {
    print_error(config.error().message);
    return kExitError;
  }
  const std::string text = options.format == "json" ? rules_json(config->rules) : rules_table(config->rules);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitClean;
}

int run_rules_check(const RulesOptions& options) {
  auto engine = load_scan_engine(options.config_path);
  if (!engine) {
    print_error(engine.error().message);
    return kExitError;
  }
  const RuleCheckReport report = check_rules(**engine);
  for (const auto& failure : report.failures)
    std::printf("FAIL %s: %s\n", failure.rule_id.c_str(), failure.message.c_str());
  std::printf("%s: %zu rules, %zu examples, %zu negative examples, %zu failures\n", report.ok() ? "ok" : "failed",
              report.rules, report.examples, report.negative_examples, report.failures.size());
  return report.ok() ? kExitClean : kExitFindings;
}

}  // namespace sprawl
