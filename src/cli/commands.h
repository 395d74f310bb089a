// The subcommands, callable without CLI11: main.cpp parses flags into these option values.
#pragma once

#include <string>

#include "sprawl/scan_config.h"

namespace sprawl {

/// Exit codes shared by every command.
inline constexpr int kExitClean = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitError = 2;

struct RulesOptions {
  std::string format = "table";  ///< table | json
  std::string config_path;
};

int run_scan_command(const ScanConfig& config);

/// `sprawl inventory [show ID | diff]` and `sprawl triage`.
struct InventoryOptions {
  std::string datastore = "sprawl-inventory.db";
  std::string format = "table";  ///< table | json | csv | html
  std::string output;            ///< -o: a file instead of standard output
  std::string sort = "risk";     ///< risk | age | provider
  std::string provider, owner, policy;
  int min_risk = 0;
  std::string id;             ///< show, triage
  std::string since;          ///< diff: a scan id or an ISO 8601 date
  std::string status, note;   ///< triage
};
int run_inventory_list(const InventoryOptions& options);
int run_inventory_show(const InventoryOptions& options);
int run_inventory_diff(const InventoryOptions& options);
int run_triage(const InventoryOptions& options);
/// `sprawl baseline create`: scans as `config` says and writes every finding's fingerprint to `output`.
int run_baseline_create(const ScanConfig& config, const std::string& output);
int run_rules_list(const RulesOptions& options);
int run_rules_check(const RulesOptions& options);

/// Prints "sprawl: error: MESSAGE" on stderr.
void print_error(const std::string& message);

}  // namespace sprawl
