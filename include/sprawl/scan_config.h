// ScanConfig: the whole scan configuration, resolved once from the command line and passed down.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sprawl {

enum class OutputFormat { human, json, jsonl, sarif };

/// One report to write: a format and a file (empty: standard output).
struct OutputTarget {
  OutputFormat format = OutputFormat::human;
  std::string path;
};
enum class ColorMode { automatic, always, never };
enum class ProgressMode { automatic, always, never };

/// Which part of a git repository `sprawl scan` reads.
enum class GitScope {
  history,  ///< every blob ever committed (default), plus index, work tree and unreachable objects
  staged,   ///< --staged: what the index adds over HEAD (pre-commit)
  range,    ///< --since REV / --range A..B: what the commits of a range introduced (CI)
};

struct ScanConfig {
  std::vector<std::string> inputs;  ///< files, directories, "-" for stdin
  OutputFormat format = OutputFormat::human;
  std::string output_path;  ///< empty: stdout
  /// Every report to write (--format/--output pairs); when empty, {format, output_path}.
  std::vector<OutputTarget> outputs;
  std::string fail_on;       ///< --fail-on SEVERITY: only findings at or above it fail the gate
  std::string baseline_path;  ///< --baseline FILE: findings recorded there are suppressed
  bool show_suppressed = false;  ///< --show-suppressed: list suppressed findings with the reason
  unsigned threads = 0;     ///< 0: all cores
  std::string config_path;  ///< --config; empty: .sprawl.toml at the scan root
  std::uint64_t max_file_size = 25ull << 20;
  bool show_secrets = false;
  int findings_exit_code = 1;
  ColorMode color = ColorMode::automatic;
  ProgressMode progress_mode = ProgressMode::automatic;  ///< automatic: on a terminal only
  unsigned progress_after_ms = 1000;
  std::size_t binary_findings_cap = 10;  ///< findings kept per binary blob

  // Git repositories given as inputs.
  GitScope git_scope = GitScope::history;
  std::string git_range;          ///< --range A..B, or "REV..HEAD" for --since REV
  std::string git_branch;         ///< --branch NAME: history of one ref only
  bool git_history = true;        ///< --no-history: scan a work tree as plain files
  bool git_unreachable = true;    ///< --no-unreachable: skip objects no ref reaches
  bool git_worktree = true;       ///< --no-worktree: skip uncommitted work-tree files
  bool git_delta_reuse = true;    ///< off: every blob is searched in full (for testing)
  /// Set by a repository scan for its work-tree files (given as absolute paths): allow-list
  /// paths are matched relative to this directory.
  std::string relative_base;

  // Archives, container images and encoded text.
  unsigned archive_depth = 3;   ///< --archive-depth: nested archives opened (0: none)
  unsigned decode_depth = 2;    ///< --decode-depth: encodings decoded one inside the other (0: none)
  std::uint64_t archive_max_size = 8ull << 30;     ///< --archive-max-size: bytes read from one archive or layer
  std::uint64_t archive_max_ratio = 200;           ///< --archive-max-ratio: uncompressed : compressed
  std::uint64_t archive_max_entries = 1'000'000;   ///< --archive-max-entries: entries in one archive or layer

  // Live validation (--validate): each distinct credential is checked once with its provider.
  bool validate = false;
  bool only_valid = false;     ///< --only-valid: report only findings the provider accepted
  bool fail_on_valid = false;  ///< --fail-on-valid: only valid findings fail the gate
  unsigned validation_timeout_ms = 10000;    ///< --validation-timeout (seconds on the command line)
  unsigned validation_concurrency = 8;       ///< --validation-concurrency: checks in flight at once
  double validation_rate = 10.0;              ///< --validation-rate: requests per second per provider
  unsigned validation_retries = 2;           ///< retries on 429/5xx
  unsigned validation_backoff_ms = 500;      ///< first retry delay, doubled per retry
  std::int64_t validation_cache_ttl = 86400;  ///< --validation-cache-ttl, seconds; 0: no cache

  // The NHI inventory.
  std::string datastore_path;      ///< --datastore: record the scan's identities in this SQLite file
  bool store_secrets = false;      ///< --store-secrets: also keep raw secrets in the datastore
  bool inventory_summary = false;  ///< --inventory: print the identity table at the end
  int max_age_days = 365;          ///< --max-age: older than this is long-lived (NHI7)
  std::string declared_path;       ///< --declared: the organization's declared NHIs (YAML)
};

}  // namespace sprawl
