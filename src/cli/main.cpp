// sprawl's entry point: every subcommand and flag is declared here (the only file that
// includes CLI11), parsed into option values, and handed to the command functions.
#include <cstdio>
#include <string>

#include <hs/hs.h>
#include <CLI/CLI.hpp>

#include "src/cli/commands.h"

namespace {

void add_scan_command(CLI::App& app, sprawl::ScanConfig& config, std::string& format, std::string& color,
                      std::string& progress) {
  auto* scan = app.add_subcommand("scan", "Scan files, directories or standard input ('-') for secrets");
  scan->add_option("paths", config.inputs, "Files, directories, or '-' for standard input (default: .)");
  scan->add_option("-f,--format", format, "Output format: human, json or jsonl")
      ->check(CLI::IsMember({"human", "json", "jsonl"}));
  scan->add_option("-o,--output", config.output_path, "Write the report to FILE instead of standard output");
  scan->add_option("-j,--threads", config.threads, "Worker threads (default: all cores)")->check(CLI::Range(1u, 1024u));
  scan->add_option("-c,--config", config.config_path,
                   "Rule/allow-list config (sprawl or gitleaks TOML; default: .sprawl.toml in the scan root)");
  scan->add_option("--max-file-size", config.max_file_size, "Skip files larger than BYTES (default: 26214400 = 25 MiB)")
      ->check(CLI::Range(std::uint64_t{1}, (std::uint64_t{1} << 32) - 1));
  scan->add_flag("--show-secrets", config.show_secrets, "Print secrets in full (redacted by default)");
  scan->add_option("--exit-code", config.findings_exit_code, "Exit code when findings are reported (default: 1)")
      ->check(CLI::Range(0, 255));
  scan->add_option("--color", color, "Colour: auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  scan->add_option("--progress", progress, "Progress on stderr: auto (a terminal, after 1 s), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  scan->add_option("--progress-after-ms", config.progress_after_ms, "Delay before progress is shown")->group("");
}

void add_rules_command(CLI::App& app, sprawl::RulesOptions& options) {
  auto* rules = app.add_subcommand("rules", "Inspect and check the detection rules");
  rules->require_subcommand(1);
  auto* list = rules->add_subcommand("list", "List the rules (a table, or --format json)");
  list->add_option("-f,--format", options.format, "table or json")->check(CLI::IsMember({"table", "json"}));
  list->add_option("-c,--config", options.config_path, "Also load rules from this config");
  auto* check = rules->add_subcommand("check", "Run every rule's examples and negative examples");
  check->add_option("-c,--config", options.config_path, "Also check the rules of this config");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sprawl: find leaked credentials and the non-human identities they belong to"};
  app.set_version_flag("--version", std::string("sprawl ") + SPRAWL_VERSION + " (Hyperscan " + hs_version() + ")");
  app.require_subcommand(1);
  sprawl::ScanConfig config;
  std::string format = "human", color = "auto", progress = "auto";
  sprawl::RulesOptions rules_options;
  add_scan_command(app, config, format, color, progress);
  add_rules_command(app, rules_options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return sprawl::kExitError;
  }
  if (app.got_subcommand("scan")) {
    if (config.inputs.empty()) config.inputs.push_back(".");
    config.format = format == "json"    ? sprawl::OutputFormat::json
                    : format == "jsonl" ? sprawl::OutputFormat::jsonl
                                        : sprawl::OutputFormat::human;
    config.color = color == "always"  ? sprawl::ColorMode::always
                   : color == "never" ? sprawl::ColorMode::never
                                      : sprawl::ColorMode::automatic;
    config.progress_mode = progress == "always"  ? sprawl::ProgressMode::always
                           : progress == "never" ? sprawl::ProgressMode::never
                                                 : sprawl::ProgressMode::automatic;
    return sprawl::run_scan_command(config);
  }
  const auto* rules = app.get_subcommand("rules");
  if (rules->got_subcommand("list")) return sprawl::run_rules_list(rules_options);
  return sprawl::run_rules_check(rules_options);
}
