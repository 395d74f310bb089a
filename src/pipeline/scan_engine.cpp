// Builds the shared scan engine from a rule configuration.
#include "src/pipeline/scan_engine.h"

#include "src/rules/builtin_rules.h"

namespace sprawl {

Result<std::unique_ptr<ScanEngine>> ScanEngine::create(RuleConfig config, const DatabaseOptions& options) {
  if (auto valid = validate_rules(config.rules); !valid) return valid.error();
  auto endpoints = std::move(config.validation_endpoints);
  auto database = RuleDatabase::build(std::move(config.rules), options);
  if (!database) return database.error();
  std::vector<const Rule*> rules;
  for (const auto& compiled : (*database)->rules()) rules.push_back(compiled.rule);
  auto allowlists = AllowlistSet::build(config.allowlists, rules);
  if (!allowlists) return allowlists.error();
  return std::unique_ptr<ScanEngine>(new ScanEngine(std::move(database.value()), std::move(allowlists.value()), std::move(endpoints)));
}

Result<std::unique_ptr<ScanEngine>> load_scan_engine(const std::string& config_path) {
  auto rules = resolve_rule_config(config_path);
  if (!rules) return rules.error();
  return ScanEngine::create(std::move(rules.value()), DatabaseOptions{default_cache_dir()});
}

Result<RuleConfig> resolve_rule_config(const std::string& config_path) {
  auto builtin = load_builtin_rules();
  if (!builtin) return Error{"built-in rules: " + builtin.error().message};
  if (config_path.empty()) return builtin;
  auto user = load_rule_config_file(config_path);
  if (!user) return user.error();
  return merge_with_builtin(std::move(builtin.value()), std::move(user.value()));
}

}  // namespace sprawl
