// ScanConfig: the whole scan configuration, resolved once from the command line and passed down.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sprawl {

enum class OutputFormat { human, json, jsonl };
enum class ColorMode { automatic, always, never };
enum class ProgressMode { automatic, always, never };

struct ScanConfig {
  std::vector<std::string> inputs;  ///< files, directories, "-" for stdin
  OutputFormat format = OutputFormat::human;
  std::string output_path;  ///< empty: stdout
  unsigned threads = 0;     ///< 0: all cores
  std::string config_path;  ///< --config; empty: .sprawl.toml at the scan root
  std::uint64_t max_file_size = 25ull << 20;
  bool show_secrets = false;
  int findings_exit_code = 1;
  ColorMode color = ColorMode::automatic;
  ProgressMode progress_mode = ProgressMode::automatic;  ///< automatic: on a terminal only
  unsigned progress_after_ms = 1000;
  std::size_t binary_findings_cap = 10;  ///< findings kept per binary blob
};

}  // namespace sprawl
