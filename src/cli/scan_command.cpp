// `sprawl scan`: resolve the configuration, build the engine, run the pipeline, write the
// report, and turn the outcome into an exit code.
#include <sys/stat.h>
#include <unistd.h>
#include <cstdio>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "src/cli/commands.h"
#include "src/pipeline/scan_engine.h"
#include "src/pipeline/scan_pipeline.h"
#include "src/report/report.h"
#include "src/source/git/repository.h"

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

// --config, else .sprawl.toml in the first directory scanned (for --staged/--since/--range: at
// the root of the repository's work tree), else in the current directory.
std::string find_config(const ScanConfig& config) {
  if (!config.config_path.empty()) return config.config_path;
  if (config.git_scope != GitScope::history && !config.inputs.empty()) {
    if (auto repo = git::Repository::discover(config.inputs.front()); repo && !(*repo)->workdir().empty()) {
      const std::string candidate = (*repo)->workdir() + "/.sprawl.toml";
      return is_file(candidate) ? candidate : std::string{};
    }
  }
  for (const auto& input : config.inputs) {
    if (is_directory(input)) {
      const std::string candidate = input + "/.sprawl.toml";
      return is_file(candidate) ? candidate : std::string{};
    }
  }
  return is_file(".sprawl.toml") ? ".sprawl.toml" : std::string{};
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

bool use_color(const ScanConfig& config) {
  if (config.color != ColorMode::automatic) return config.color == ColorMode::always;
  if (!config.output_path.empty()) return false;
  const char* no_color = std::getenv("NO_COLOR");
  return ::isatty(STDOUT_FILENO) && !(no_color && *no_color);
}

}  // namespace

void print_error(const std::string& message) { std::fprintf(stderr, "sprawl: error: %s\n", message.c_str()); }

int run_scan_command(const ScanConfig& config) {
  auto engine = load_scan_engine(find_config(config));
  if (!engine) {
    print_error(engine.error().message);
    return kExitError;
  }
  for (const auto& rejected : (*engine)->database().rejected())
    std::fprintf(stderr, "sprawl: warning: rule '%s' disabled: %s\n", rejected.rule_id.c_str(),
                 rejected.reason.c_str());

  std::FILE* out = stdout;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, std::fclose);
  if (!config.output_path.empty()) {
    file.reset(std::fopen(config.output_path.c_str(), "wb"));
    if (!file) {
      print_error(fmt::format("{}: cannot write output: {}", config.output_path, std::strerror(errno)));
      return kExitError;
    }
    out = file.get();
  }

  std::mutex stderr_mutex;
  bool progress_shown = false;
  const ScanOutcome outcome = run_scan(config, **engine, make_callbacks(config, stderr_mutex, progress_shown));
  if (progress_shown) std::fputs("\r\033[K", stderr);

  const ReportOptions options{config.show_secrets, use_color(config)};
  const std::string report = config.format == OutputFormat::json    ? render_json(outcome, options)
                             : config.format == OutputFormat::jsonl ? render_jsonl(outcome, options)
                                                                    : render_human(outcome, options);
  if (std::fwrite(report.data(), 1, report.size(), out) != report.size() || std::fflush(out) != 0) {
    print_error(fmt::format("{}: cannot write output", config.output_path.empty() ? "stdout" : config.output_path));
    return kExitError;
  }
  if (!config.output_path.empty() && config.format != OutputFormat::human)
    std::fprintf(stderr, "sprawl: %s\n", summary_line(outcome).c_str());
  if (!outcome.findings.empty()) return config.findings_exit_code;
  return outcome.errors.empty() ? kExitClean : kExitError;
}

}  // namespace sprawl
