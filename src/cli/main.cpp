// sprawl's entry point: declares every subcommand and flag with CLI11, turns them into the
// option structs of src/cli/commands.h, and runs the command.
#include <cstdio>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include <hs/hs.h>
#include <CLI/CLI.hpp>

#include "src/cli/commands.h"

namespace {

/// What `scan` and `baseline create` share, as CLI11 fills it.
struct ScanFlags {
  sprawl::ScanConfig config;
  bool staged = false, no_history = false, no_unreachable = false, no_worktree = false, full_blob_scan = false;
  std::string since, range, color = "auto", progress = "auto";
  std::vector<std::string> formats, outputs;
  std::string cache_ttl = "24h";
  double validation_timeout_s = 10;
};

// "90", "90s", "15m", "24h", "7d" → seconds; nullopt when malformed.
std::optional<std::int64_t> parse_duration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 9 || text.size() - digits > 1) return std::nullopt;
  const std::int64_t n = std::stoll(text.substr(0, digits));
  const char unit = digits < text.size() ? text[digits] : 's';
  switch (unit) {
    case 's': return n;
    case 'm': return n * 60;
    case 'h': return n * 3600;
    case 'd': return n * 86400;
    default: return std::nullopt;
  }
}

// --validate and what goes with it (scan only).
void add_validation_options(CLI::App* scan, ScanFlags& f) {
  const auto group = "Live validation";
  sprawl::ScanConfig& c = f.config;
  scan->add_flag("--validate", c.validate,
                 "Check each distinct credential with its provider (read-only identity calls; sends the secret to "
                 "the provider's own host, or to SPRAWL_ENDPOINT_<PROVIDER>)")
      ->group(group);
  scan->add_flag("--only-valid", c.only_valid, "Report only findings the provider accepted (implies --validate)")
      ->group(group);
  scan->add_flag("--fail-on-valid", c.fail_on_valid,
                 "Fail (exit code) only for findings the provider accepted (implies --validate)")
      ->group(group);
  scan->add_option("--validation-timeout", f.validation_timeout_s, "Seconds one request may take, connect included")
      ->check(CLI::Range(0.1, 300.0))->capture_default_str()->group(group);
  scan->add_option("--validation-concurrency", c.validation_concurrency, "Checks in flight at once")
      ->check(CLI::Range(1u, 256u))->capture_default_str()->group(group);
  scan->add_option("--validation-rate", c.validation_rate, "Requests per second to one provider (0: no limit)")
      ->check(CLI::Range(0.0, 10000.0))->capture_default_str()->group(group);
  scan->add_option("--validation-retries", c.validation_retries, "Retries after HTTP 429/5xx or a dropped connection")
      ->check(CLI::Range(0u, 10u))->capture_default_str()->group(group);
  scan->add_option("--validation-backoff-ms", c.validation_backoff_ms, "First retry delay (doubled per retry)")
      ->check(CLI::Range(0u, 60000u))->group("");
  scan->add_option("--validation-cache-ttl", f.cache_ttl,
                   "Reuse answers younger than this (30m, 24h, 7d; 0: no cache); the cache holds fingerprints, "
                   "never secrets")
      ->capture_default_str()->group(group);
}

// How deep a scan looks into archives, image layers and encoded text, and the limits that stop
// decompression bombs (defaults shown in --help).
void add_content_options(CLI::App* command, sprawl::ScanConfig& c) {
  const auto group = "Archives, images and encoded text";
  command->add_option("--archive-depth", c.archive_depth, "Nested archives opened (zip, jar, tar, gz, …); 0: none")
      ->check(CLI::Range(0u, 16u))->capture_default_str()->group(group);
  command->add_option("--decode-depth", c.decode_depth,
                      "Encodings decoded one inside the other (base64, percent, \\u/\\x escapes); 0: none")
      ->check(CLI::Range(0u, 8u))->capture_default_str()->group(group);
  command->add_option("--archive-max-size", c.archive_max_size,
                      "Uncompressed bytes read from one archive or image layer before it is cut off")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 50))->capture_default_str()->group(group);
  command->add_option("--archive-max-ratio", c.archive_max_ratio,
                      "Uncompressed : compressed ratio that marks a decompression bomb (past 16 MiB out)")
      ->check(CLI::Range(std::uint64_t{2}, std::uint64_t{1} << 40))->capture_default_str()->group(group);
  command->add_option("--archive-max-entries", c.archive_max_entries, "Entries read from one archive or image layer")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40))->capture_default_str()->group(group);
}

// Inputs, git scopes, rules and limits: the options that decide what a scan finds.
void add_scan_inputs(CLI::App* command, ScanFlags& f) {
  command->add_option("paths", f.config.inputs,
                      "Files, directories, git repositories, container images (docker save / OCI tarballs, "
                      "oci:DIR, oci-archive:FILE, docker-archive:FILE), or '-' for standard input (default: .)");
  auto* staged = command->add_flag("--staged", f.staged, "Only what is staged in the index and not in HEAD (pre-commit hook)");
  auto* since = command->add_option("--since", f.since, "Only what commits after REV up to HEAD introduced (CI)");
  auto* range = command->add_option("--range", f.range, "Only what the commits of A..B introduced (CI)");
  auto* branch = command->add_option("--branch", f.config.git_branch, "Only the history of this branch or ref");
  auto* no_history = command->add_flag("--no-history", f.no_history, "Scan a repository's work tree as plain files");
  staged->excludes(since)->excludes(range)->excludes(branch)->excludes(no_history);
  since->excludes(range)->excludes(branch)->excludes(no_history);
  range->excludes(branch)->excludes(no_history);
  branch->excludes(no_history);
  command->add_flag("--no-unreachable", f.no_unreachable, "Skip objects that no ref reaches (dangling commits, blobs)");
  command->add_flag("--no-worktree", f.no_worktree, "Skip a repository's uncommitted and untracked files");
  command->add_flag("--full-blob-scan", f.full_blob_scan, "Search every history blob in full (no delta reuse)")->group("");
  command->add_option("-j,--threads", f.config.threads, "Worker threads (default: all cores)")->check(CLI::Range(1u, 1024u));
  command->add_option("-c,--config", f.config.config_path,
                      "Rule/allow-list config (sprawl or gitleaks TOML; default: .sprawl.toml in the scan root)");
  command->add_option("--max-file-size", f.config.max_file_size, "Skip files larger than BYTES (default: 26214400 = 25 MiB)")
      ->check(CLI::Range(std::uint64_t{1}, (std::uint64_t{1} << 32) - 1));
  add_content_options(command, f.config);
  command->add_option("--progress", f.progress, "Progress on stderr: auto (a terminal, after 1 s), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  command->add_option("--progress-after-ms", f.config.progress_after_ms, "Delay before progress is shown")->group("");
}

void add_scan_command(CLI::App& app, ScanFlags& f) {
  auto* scan = app.add_subcommand("scan", "Scan files, directories, archives, git repositories (whole history), container images or standard input ('-')");
  add_scan_inputs(scan, f);
  scan->add_option("-f,--format", f.formats,
                   "Report format: human, json, jsonl or sarif; repeat it to write several reports, each paired "
                   "in order with an --output")
      ->check(CLI::IsMember({"human", "json", "jsonl", "sarif"}))
      ->allow_extra_args(false);  // one value per --format: what follows is a path
  scan->add_option("-o,--output", f.outputs, "Write the report to FILE ('-': standard output); repeatable, see --format")
      ->allow_extra_args(false);
  scan->add_option("--baseline", f.config.baseline_path,
                   "Only findings not recorded in FILE count (a sprawl baseline or a gitleaks JSON report)");
  scan->add_option("--fail-on", f.config.fail_on,
                   "Fail (exit code) only for findings of at least this severity: critical, high, medium, low, info")
      ->check(CLI::IsMember({"critical", "high", "medium", "low", "info"}));
  scan->add_flag("--show-suppressed", f.config.show_suppressed,
                 "Also list suppressed findings (allow-lists, ignore comments and files, baseline) with the reason");
  scan->add_flag("--show-secrets", f.config.show_secrets, "Print secrets in full (redacted by default)");
  scan->add_option("--exit-code", f.config.findings_exit_code, "Exit code when findings are reported (default: 1)")
      ->check(CLI::Range(0, 255));
  scan->add_option("--color", f.color, "Colour: auto, always or never")->check(CLI::IsMember({"auto", "always", "never"}));
  add_validation_options(scan, f);
  const auto group = "NHI inventory";
  scan->add_option("--datastore", f.config.datastore_path,
                   "Record this scan's identities in a SQLite datastore (created if missing) for `sprawl inventory`")
      ->group(group);
  scan->add_flag("--store-secrets", f.config.store_secrets,
                 "Also keep raw secrets in the datastore (default: fingerprints and redacted previews only)")
      ->group(group);
  scan->add_flag("--inventory", f.config.inventory_summary, "Print the identities found (one per credential) at the end")
      ->group(group);
  scan->add_option("--declared", f.config.declared_path,
                   "The organization's declared NHIs (YAML, see docs/declared-inventory.md), reconciled with what "
                   "was found")
      ->group(group);
  scan->add_option("--max-age", f.config.max_age_days, "Days after which a credential counts as long-lived (NHI7)")
      ->check(CLI::Range(1, 36500))->capture_default_str()->group(group);
}

void add_inventory_commands(CLI::App& app, sprawl::InventoryOptions& o) {
  auto* inventory = app.add_subcommand("inventory", "The non-human identities recorded by `scan --datastore`");
  inventory->add_option("--datastore", o.datastore, "The datastore to read")->capture_default_str();
  inventory->add_option("-f,--format", o.format, "table, json, csv or html (one self-contained file)")
      ->check(CLI::IsMember({"table", "json", "csv", "html"}));
  inventory->add_option("-o,--output", o.output, "Write to FILE instead of standard output");
  inventory->add_option("--sort", o.sort, "risk (default), age (oldest first) or provider")
      ->check(CLI::IsMember({"risk", "age", "provider"}));
  inventory->add_option("--provider", o.provider, "Only this provider (aws, github, …)");
  inventory->add_option("--owner", o.owner, "Only identities whose owner contains this text");
  inventory->add_option("--policy", o.policy, "Only identities breaking this policy (NHI7 or long-lived, …)");
  inventory->add_option("--min-risk", o.min_risk, "Only identities with at least this risk (0–100)")
      ->check(CLI::Range(0, 100));
  auto* show = inventory->add_subcommand("show", "Every location, flag and risk reason of one identity, and how to revoke it");
  show->add_option("id", o.id, "Identity id (or a unique prefix)")->required();
  show->add_option("--datastore", o.datastore, "The datastore to read");
  show->add_option("-f,--format", o.format, "table or json")->check(CLI::IsMember({"table", "json"}));
  auto* diff = inventory->add_subcommand("diff", "Identities new and resolved since a scan");
  diff->add_option("--since", o.since, "A scan id, or an ISO 8601 date (the last complete scan at or before it)")->required();
  diff->add_option("--datastore", o.datastore, "The datastore to read");
  diff->add_option("-f,--format", o.format, "table or json")->check(CLI::IsMember({"table", "json"}));
  auto* triage = app.add_subcommand("triage", "Record what was done about an identity (kept across rescans)");
  triage->add_option("id", o.id, "Identity id (or a unique prefix)")->required();
  triage->add_option("--status", o.status, "revoked, rotated, false_positive or accepted_risk")->required();
  triage->add_option("--note", o.note, "Free text kept with the decision");
  triage->add_option("--datastore", o.datastore, "The datastore to write")->capture_default_str();
}

void add_baseline_command(CLI::App& app, ScanFlags& f, std::string& baseline_output) {
  auto* baseline = app.add_subcommand("baseline", "Record the current findings so that a CI gate fails only on new ones");
  baseline->require_subcommand(1);
  auto* create = baseline->add_subcommand("create", "Scan like `sprawl scan` and write every finding's fingerprint to FILE");
  add_scan_inputs(create, f);
  create->add_option("-o,--output", baseline_output, "The baseline file to write (e.g. .sprawl-baseline.json)")
      ->required();
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

sprawl::OutputFormat output_format(const std::string& name) {
  if (name == "json") return sprawl::OutputFormat::json;
  if (name == "jsonl") return sprawl::OutputFormat::jsonl;
  if (name == "sarif") return sprawl::OutputFormat::sarif;
  return sprawl::OutputFormat::human;
}

// Turns the flags into the scan's configuration; false (after printing why) on a usage error.
bool finish_scan_config(ScanFlags& f) {
  sprawl::ScanConfig& config = f.config;
  if (config.inputs.empty()) config.inputs.push_back(".");
  if (f.staged) config.git_scope = sprawl::GitScope::staged;
  if (!f.since.empty() || !f.range.empty()) {
    config.git_scope = sprawl::GitScope::range;
    config.git_range = f.range.empty() ? f.since + "..HEAD" : f.range;
    if (!f.range.empty() && f.range.find("..") == std::string::npos) {
      sprawl::print_error("--range needs the form A..B (got '" + f.range + "')");
      return false;
    }
  }
  config.git_history = !f.no_history;
  config.git_unreachable = !f.no_unreachable;
  config.git_worktree = !f.no_worktree;
  config.git_delta_reuse = !f.full_blob_scan;
  config.color = f.color == "always"  ? sprawl::ColorMode::always
                 : f.color == "never" ? sprawl::ColorMode::never
                                      : sprawl::ColorMode::automatic;
  config.progress_mode = f.progress == "always"  ? sprawl::ProgressMode::always
                         : f.progress == "never" ? sprawl::ProgressMode::never
                                                 : sprawl::ProgressMode::automatic;
  // --format/--output pairs, in order; a format without an output goes to standard output.
  if (f.formats.empty()) f.formats.push_back("human");
  if (f.outputs.size() > f.formats.size()) {
    sprawl::print_error("more --output than --format options: give a --format for each --output");
    return false;
  }
  int to_stdout = 0;
  for (std::size_t i = 0; i < f.formats.size(); ++i) {
    std::string path = i < f.outputs.size() ? f.outputs[i] : "";
    if (path == "-") path.clear();
    to_stdout += path.empty();
    config.outputs.push_back({output_format(f.formats[i]), path});
  }
  if (to_stdout > 1) {
    sprawl::print_error("two reports would go to standard output: give each --format its own --output");
    return false;
  }
  const auto ttl = parse_duration(f.cache_ttl);
  if (!ttl) {
    sprawl::print_error("--validation-cache-ttl: '" + f.cache_ttl + "' is not a duration (e.g. 0, 90s, 30m, 24h, 7d)");
    return false;
  }
  config.validation_cache_ttl = *ttl;
  config.validation_timeout_ms = static_cast<unsigned>(f.validation_timeout_s * 1000);
  config.validate = config.validate || config.only_valid || config.fail_on_valid;
  config.format = config.outputs.front().format;
  config.output_path = config.outputs.front().path;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sprawl: find leaked credentials and the non-human identities they belong to"};
  app.set_version_flag("--version", std::string("sprawl ") + SPRAWL_VERSION + " (Hyperscan " + hs_version() + ")");
  app.require_subcommand(1);
  ScanFlags scan_flags, baseline_flags;
  std::string baseline_output;
  sprawl::RulesOptions rules_options;
  add_scan_command(app, scan_flags);
  add_baseline_command(app, baseline_flags, baseline_output);
  add_rules_command(app, rules_options);
  sprawl::InventoryOptions inventory_options;
  add_inventory_commands(app, inventory_options);
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
    if (!finish_scan_config(scan_flags)) return sprawl::kExitError;
    return sprawl::run_scan_command(scan_flags.config);
  }
  if (app.got_subcommand("baseline")) {
    if (!finish_scan_config(baseline_flags)) return sprawl::kExitError;
    return sprawl::run_baseline_create(baseline_flags.config, baseline_output);
  }
  if (app.got_subcommand("inventory")) {
    const auto* inventory = app.get_subcommand("inventory");
    if (inventory->got_subcommand("show")) return sprawl::run_inventory_show(inventory_options);
    if (inventory->got_subcommand("diff")) return sprawl::run_inventory_diff(inventory_options);
    return sprawl::run_inventory_list(inventory_options);
  }
  if (app.got_subcommand("triage")) return sprawl::run_triage(inventory_options);
  const auto* rules = app.get_subcommand("rules");
  if (rules->got_subcommand("list")) return sprawl::run_rules_list(rules_options);
  return sprawl::run_rules_check(rules_options);
}
