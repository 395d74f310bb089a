// Parses the embedded rules/*.toml files into the built-in rule configuration.
#include "src/rules/builtin_rules.h"

#include <string>

namespace sprawl {

Result<RuleConfig> load_builtin_rules() {
  RuleConfig all;
  for (const auto& file : embedded_rule_files()) {
    auto parsed = parse_rule_config(file.text, std::string(file.name));
    if (!parsed) return parsed.error();
    for (auto& rule : parsed->rules) {
      rule.builtin = true;
      all.rules.push_back(std::move(rule));
    }
    for (auto& list : parsed->allowlists) all.allowlists.push_back(std::move(list));
  }
  if (auto valid = validate_rules(all.rules); !valid) return valid.error();
  return all;
}

}  // namespace sprawl
