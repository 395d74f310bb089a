// ScanEngine: everything immutable a scan shares across threads — the compiled rules and the
// compiled allow-lists — built once from the resolved rule configuration.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sprawl/result.h"
#include "src/check/allowlist.h"
#include "src/match/rule_database.h"
#include "src/rules/config_loader.h"

namespace sprawl {

class ScanEngine {
 public:
  static Result<std::unique_ptr<ScanEngine>> create(RuleConfig config, const DatabaseOptions& options);

  const RuleDatabase& database() const { return *m_database; }
  const AllowlistSet& allowlists() const { return m_allowlists; }
  /// `[validation.endpoints]` of the configuration: provider → base URL.
  const std::map<std::string, std::string>& validation_endpoints() const { return m_validation_endpoints; }

 private:
  ScanEngine(std::unique_ptr<RuleDatabase> database, AllowlistSet allowlists,
             std::map<std::string, std::string> validation_endpoints)
      : m_database(std::move(database)),
        m_allowlists(std::move(allowlists)),
        m_validation_endpoints(std::move(validation_endpoints)) {}
  std::unique_ptr<RuleDatabase> m_database;
  AllowlistSet m_allowlists;
  std::map<std::string, std::string> m_validation_endpoints;
};

/// Resolves the rule configuration for `config_path` and builds the engine with the default
/// database cache: what every command that scans does first.
Result<std::unique_ptr<ScanEngine>> load_scan_engine(const std::string& config_path);

/// Resolves the rule configuration for a scan: the built-in rules, merged with the user's
/// config file when one is given (`config_path`), gitleaks style.
Result<RuleConfig> resolve_rule_config(const std::string& config_path);

}  // namespace sprawl
