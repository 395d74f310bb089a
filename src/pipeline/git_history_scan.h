// Scanning a git repository: its whole history (every blob in the object database, read once
// with our own pack reader, attributed to the commit that introduced it), or only what a
// pre-commit hook or a pull request adds (--staged, --since, --range).
#pragma once

#include <string>

#include "sprawl/scan_config.h"
#include "src/pipeline/scan_engine.h"
#include "src/pipeline/scan_pipeline.h"

namespace sprawl {

/// Scans repository `input` according to config.git_scope, appending to `outcome`.
void scan_git_repository(const std::string& input, const ScanConfig& config, const ScanEngine& engine,
                         const ScanCallbacks& callbacks, ScanOutcome& outcome);

/// Full history of the repository at `input` (see ScanConfig's git_* options).
void scan_git_history(const std::string& input, const ScanConfig& config, const ScanEngine& engine,
                      const ScanCallbacks& callbacks, ScanOutcome& outcome);

/// --staged (the repository containing `input`) and --since/--range.
void scan_git_changes(const std::string& input, const ScanConfig& config, const ScanEngine& engine,
                      const ScanCallbacks& callbacks, ScanOutcome& outcome);

}  // namespace sprawl
