// Loading rule and allow-list configuration from TOML (sprawl rule files and gitleaks configs).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sprawl/result.h"
#include "sprawl/rule.h"

namespace sprawl {

/// A parsed configuration file: rules, global allow-lists and gitleaks `[extend]` settings.
struct RuleConfig {
  std::vector<Rule> rules;
  std::vector<Allowlist> allowlists;
  bool has_extend = false;  ///< an [extend] table was present
  bool extend_use_default = false;
  std::string extend_path;  ///< gitleaks `[extend] path`, as written (resolved by the file loader)
  std::vector<std::string> disabled_rules;
  /// `[validation.endpoints]`: provider → base URL that live validation sends to instead of the
  /// provider's own (a proxy, a test server); SPRAWL_ENDPOINT_<PROVIDER> wins over it.
  std::map<std::string, std::string> validation_endpoints;
};

/// Parses TOML text; `source_name` names the input in error messages.
Result<RuleConfig> parse_rule_config(std::string_view toml_text, const std::string& source_name);

/// Reads and parses a TOML file, and the files its `[extend] path` chain names (relative to the
/// extending file's directory, else the working directory; at most two deep, as in gitleaks),
/// merged with extend_config().
Result<RuleConfig> load_rule_config_file(const std::string& path);

/// gitleaks `[extend]`: `extending` on top of `base`. Base rules named in `disabledRules` are
/// dropped; a rule both define is amended field by field (set fields replace, tags, keywords
/// and allow-lists append); global allow-lists of both apply. The result keeps what `base`
/// extends in turn (useDefault), with both configs' disabled rules.
RuleConfig extend_config(RuleConfig base, RuleConfig extending);

/// Combines the built-in rules with a user configuration, gitleaks style: a config that defines
/// rules replaces the defaults unless it says `[extend] useDefault = true` (or defines none).
/// User rules with keywords get the gitleaks keyword gate; built-in rules do not.
RuleConfig merge_with_builtin(RuleConfig builtin, RuleConfig user);

/// Checks ids are unique and fields are within their enums; returns the first problem.
Status validate_rules(const std::vector<Rule>& rules);

}  // namespace sprawl
