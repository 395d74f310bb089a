// sprawl's entry point: every subcommand and flag is declared here (the only file that
// includes CLI11), parsed into option values, and handed to the command functions.
#include <cstdio>
#include <string>

#include <hs/hs.h>
#include <CLI/CLI.hpp>

#include "src/cli/commands.h"

namespace {

struct GitOptions {
  bool staged = false, no_history = false, no_unreachable = false, no_worktree = false, full_blob_scan = false;
  std::string since, range;
};

void add_scan_command(CLI::App& app, sprawl::ScanConfig& config, GitOptions& git, std::string& format,
                      std::string& color, std::string& progress) {
  auto* scan = app.add_subcommand("scan", "Scan files, directories, git repositories (whole history) or standard input ('-')");
  scan->add_option("paths", config.inputs,
                   "Files, directories, git repositories, or '-' for standard input (default: .)");
  auto* staged = scan->add_flag("--staged", git.staged,
                                "Only what is staged in the index and not in HEAD (pre-commit hook)");
  auto* since = scan->add_option("--since", git.since, "Only what commits after REV up to HEAD introduced (CI)");
  auto* range = scan->add_option("--range", git.range, "Only what the commits of A..B introduced (CI)");
  auto* branch = scan->add_option("--branch", config.git_branch, "Only the history of this branch or ref");
  auto* no_history = scan->add_flag("--no-history", git.no_history, "Scan a repository's work tree as plain files");
  staged->excludes(since)->excludes(range)->excludes(branch)->excludes(no_history);
  since->excludes(range)->excludes(branch)->excludes(no_history);
  range->excludes(branch)->excludes(no_history);
  branch->excludes(no_history);
  scan->add_flag("--no-unreachable", git.no_unreachable, "Skip objects that no ref reaches (dangling commits, blobs)");
  scan->add_flag("--no-worktree", git.no_worktree, "Skip a repository's uncommitted and untracked files");
  scan->add_flag("--full-blob-scan", git.full_blob_scan, "Search every history blob in full (no delta reuse)")
      ->group("");
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
  GitOptions git;
  add_scan_command(app, config, git, format, color, progress);
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
    if (git.staged) config.git_scope = sprawl::GitScope::staged;
    if (!git.since.empty() || !git.range.empty()) {
      config.git_scope = sprawl::GitScope::range;
      config.git_range = git.range.empty() ? git.since + "..HEAD" : git.range;
      if (!git.range.empty() && git.range.find("..") == std::string::npos) {
        std::fprintf(stderr, "sprawl: error: --range needs the form A..B (got '%s')\n", git.range.c_str());
        return sprawl::kExitError;
      }
    }
    config.git_history = !git.no_history;
    config.git_unreachable = !git.no_unreachable;
    config.git_worktree = !git.no_worktree;
    config.git_delta_reuse = !git.full_blob_scan;
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
