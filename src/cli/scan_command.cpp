// `sprawl scan` and `sprawl baseline create`: resolve the configuration, build the engine, run
// the pipeline, apply the baseline and ignore files, write every report, and turn the outcome
// into an exit code.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "src/cli/commands.h"
#include "src/cli/scan_inventory.h"
#include "src/pipeline/scan_engine.h"
#include "src/pipeline/scan_pipeline.h"
#include "src/pipeline/suppressions.h"
#include "src/report/gate_summary.h"
#include "src/report/report.h"
#include "src/report/sarif_report.h"
#include "src/source/git/repository.h"
#include "src/verify/live_validation.h"
#include "src/verify/validation_cache.h"

namespace sprawl {
namespace {

bool is_directory(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool is_file(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

// Where the scan's own files live (.sprawl.toml, .sprawlignore, .gitleaksignore): the work
// tree's root for --staged/--since/--range, else the first directory scanned, else the
// current directory.
std::string scan_root(const ScanConfig& config) {
  if (config.git_scope != GitScope::history && !config.inputs.empty()) {
    if (auto repo = git::Repository::discover(config.inputs.front()); repo && !(*repo)->workdir().empty())
      return (*repo)->workdir();
  }
  for (const auto& input : config.inputs)
    if (is_directory(input)) return input;
  return ".";
}

// --config, else .sprawl.toml in the scan root.
std::string find_config(const ScanConfig& config, const std::string& root) {
  if (!config.config_path.empty()) return config.config_path;
  const std::string candidate = root + "/.sprawl.toml";
  return is_file(candidate) ? candidate : std::string{};
}
ScanCallbacks make_callbacks(const ScanConfig& config, std::mutex& stderr_mutex, bool& progress_shown) {
  ScanCallbacks callbacks;
  callbacks.diagnostic = [&stderr_mutex, &progress_shown](const InputDiagnostic& d) {
    std::lock_guard lock(stderr_mutex);
    if (progress_shown) std::fputs("\r\033[K", stderr);
    std::fputs(fmt::format("sprawl: {}: {}: {}\n", d.is_error ? "error" : "note", d.path, d.message).c_str(), stderr);
  };
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  const bool show =
      config.progress_mode == ProgressMode::always || (config.progress_mode == ProgressMode::automatic && terminal);
  if (show) {
    callbacks.progress = [&stderr_mutex, &progress_shown, terminal](const ScanProgress& p) {
      std::lock_guard lock(stderr_mutex);
      const std::string text = fmt::format("sprawl: scanning… {} files, {:.1f} MiB, {} findings, {:.1f} s", p.files,
                                           p.bytes / 1048576.0, p.findings, p.seconds);
      std::fputs(terminal ? ("\r\033[K" + text).c_str() : (text + "\n").c_str(), stderr);
      progress_shown = terminal;
    };
  }
  return callbacks;
}

bool use_color(const ScanConfig& config, const OutputTarget& target) {
  if (config.color != ColorMode::automatic) return config.color == ColorMode::always;
  if (!target.path.empty()) return false;
  const char* no_color = std::getenv("NO_COLOR");
  return ::isatty(STDOUT_FILENO) && !(no_color && *no_color);
}

std::string render_report(OutputFormat format, const ScanOutcome& outcome, const ReportOptions& options) {
  switch (format) {
    case OutputFormat::json:
      return render_json(outcome, options);
    case OutputFormat::jsonl:
      return render_jsonl(outcome, options);
    case OutputFormat::sarif:
      return render_sarif(outcome, options);
    case OutputFormat::human:
      break;
  }
  return render_human(outcome, options);
}

// Writes `text` to `path` (empty: standard output); false after printing why.
bool write_output(const std::string& path, const std::string& text) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, std::fclose);
  std::FILE* out = stdout;
  if (!path.empty()) {
    file.reset(std::fopen(path.c_str(), "wb"));
    if (!file) {
      print_error(fmt::format("{}: cannot write output: {}", path, std::strerror(errno)));
      return false;
    }
    out = file.get();
  }
  if (std::fwrite(text.data(), 1, text.size(), out) != text.size() || std::fflush(out) != 0) {
    print_error(fmt::format("{}: cannot write output", path.empty() ? "stdout" : path));
    return false;
  }
  return true;
}

/// A finished scan; its findings point into the engine's rules, so both live together.
struct CompletedScan {
  std::unique_ptr<ScanEngine> engine;
  ScanOutcome outcome;
};

// Scans as the configuration says and applies the baseline and ignore files; nullopt (after
// printing why) when the configuration or those files are unusable.
std::optional<CompletedScan> scan_with_suppressions(const ScanConfig& config) {
  const std::string root = scan_root(config);
  auto engine = load_scan_engine(find_config(config, root));
  if (!engine) {
    print_error(engine.error().message);
    return std::nullopt;
  }
  for (const auto& rejected : (*engine)->database().rejected())
    std::fprintf(stderr, "sprawl: warning: rule '%s' disabled: %s\n", rejected.rule_id.c_str(),
                 rejected.reason.c_str());
  auto suppressions = load_suppressions(config.baseline_path, root);
  if (!suppressions) {
    print_error(suppressions.error().message);
    return std::nullopt;
  }
  std::mutex stderr_mutex;
  bool progress_shown = false;
  CompletedScan scan{std::move(*engine), {}};
  scan.outcome = run_scan(config, *scan.engine, make_callbacks(config, stderr_mutex, progress_shown));
  if (progress_shown) std::fputs("\r\033[K", stderr);
  apply_suppressions(*suppressions, scan.outcome);
  return scan;
}

// --validate: asks each provider about the scan's active findings, then (--only-valid) keeps
// only those it accepted.
void validate_live(const ScanConfig& config, const ScanEngine& engine, ScanOutcome& outcome) {
  verify::ValidationOptions options;
  options.timeout = std::chrono::milliseconds(config.validation_timeout_ms);
  options.concurrency = config.validation_concurrency;
  options.rate_per_second = config.validation_rate;
  options.retries = config.validation_retries;
  options.backoff = std::chrono::milliseconds(config.validation_backoff_ms);
  options.cache_ttl = config.validation_cache_ttl;
  options.cache_path = verify::default_validation_cache_path();
  options.endpoints = engine.validation_endpoints();
  if (const char* ca = std::getenv("SPRAWL_CA_BUNDLE"); ca && *ca) options.ca_file = ca;
  outcome.summary.validation = verify::validate_findings(outcome.findings, options, [](const std::string& note) {
    std::fprintf(stderr, "sprawl: note: %s\n", note.c_str());
  });
  if (config.only_valid) {
    const auto kept = std::stable_partition(outcome.findings.begin(), outcome.findings.end(),
                                            [](const Finding& f) { return f.validity.status == "valid"; });
    outcome.summary.not_valid_hidden = static_cast<std::uint64_t>(outcome.findings.end() - kept);
    outcome.findings.erase(kept, outcome.findings.end());
  }
}

}  // namespace

void print_error(const std::string& message) { std::fprintf(stderr, "sprawl: error: %s\n", message.c_str()); }

int run_scan_command(const ScanConfig& config) {
  // Every output file is opened before the scan, so a typo costs no scan time.
  for (const auto& target : config.outputs) {
    if (target.path.empty()) continue;
    std::FILE* probe = std::fopen(target.path.c_str(), "ab");
    if (!probe) {
      print_error(fmt::format("{}: cannot write output: {}", target.path, std::strerror(errno)));
      return kExitError;
    }
    std::fclose(probe);
  }
  std::optional<CompletedScan> scan = scan_with_suppressions(config);
  if (!scan) return kExitError;
  if (config.validate) validate_live(config, *scan->engine, scan->outcome);
  const ScanOutcome* outcome = &scan->outcome;

  std::future<InventoryOutcome> inventory = start_inventory(config, *scan->engine, *outcome);
  bool human_on_stdout = false;
  for (const auto& target : config.outputs) {
    const ReportOptions options{config.show_secrets, use_color(config, target), config.show_suppressed};
    if (!write_output(target.path, render_report(target.format, *outcome, options))) {
      finish_inventory(inventory, config, false);  // what was recorded is still said
      return kExitError;
    }
    human_on_stdout = human_on_stdout || (target.format == OutputFormat::human && target.path.empty());
  }
  const bool inventory_recorded = finish_inventory(inventory, config, human_on_stdout);
  // The human report ends with the summary line; everywhere else the gate summary goes to stderr.
  const GatePolicy gate{config.fail_on, config.fail_on_valid};
  const std::string summary = gate_summary(*outcome, gate);
  if (!human_on_stdout || !config.fail_on.empty() || config.validate) std::fputs(summary.c_str(), stderr);

  const bool gate_fails = std::any_of(outcome->findings.begin(), outcome->findings.end(),
                                      [&](const Finding& f) { return fails_gate(f, gate); });
  if (gate_fails) return config.findings_exit_code;
  if (!inventory_recorded) return kExitError;
  return outcome->errors.empty() ? kExitClean : kExitError;  // findings below --fail-on do not fail
}

int run_baseline_create(const ScanConfig& config, const std::string& output) {
  ScanConfig scan = config;
  scan.baseline_path.clear();  // a new baseline records everything found now
  const std::optional<CompletedScan> completed = scan_with_suppressions(scan);
  if (!completed) return kExitError;
  const ScanOutcome* outcome = &completed->outcome;
  if (!write_output(output, render_baseline(*outcome))) return kExitError;
  std::fprintf(stderr, "sprawl: baseline %s: %zu finding%s recorded\n", output.c_str(), outcome->findings.size(),
               outcome->findings.size() == 1 ? "" : "s");
  return outcome->errors.empty() ? kExitClean : kExitError;
}

}  // namespace sprawl
