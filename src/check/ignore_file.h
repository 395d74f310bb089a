// Ignore files at the scan root: .sprawlignore (fingerprints and gitignore-like path globs) and
// .gitleaksignore (gitleaks fingerprints), parsed into entries that judge one finding each.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sprawl/finding.h"
#include "sprawl/result.h"

namespace sprawl {

/// A gitignore-like path glob: `*` and `?` within a segment, `[...]` classes, `**` across
/// segments, trailing `/` for directories only, leading (or inner) `/` anchors at the root,
/// no `/` at all matches a file or directory name at any depth.
class PathGlob {
 public:
  /// Compiles `pattern` (already trimmed); the error says what is wrong, without a location.
  static Result<PathGlob> parse(std::string_view pattern);

  /// Whether `relative_path` ('/'-separated, relative to the scan root) or one of the
  /// directories above it matches.
  bool matches(std::string_view relative_path) const;

 private:
  std::vector<std::string> m_segments;  // "**" is a segment of its own
  bool m_directory_only = false;
};

/// One .sprawlignore entry: a finding fingerprint or a path glob.
struct SprawlIgnoreEntry {
  std::uint32_t line = 0;
  std::string fingerprint;  ///< 64 lowercase hex; empty for a glob
  std::string pattern;      ///< the glob as written; empty for a fingerprint
  PathGlob glob;

  bool matches(const Finding& finding) const;
  /// "fingerprint" or "path glob 'PATTERN'", for the suppression reason.
  std::string describe() const;
};

/// One .gitleaksignore entry, `[commit:]file:rule-id:start-line`.
struct GitleaksIgnoreEntry {
  std::uint32_t line = 0;
  std::string commit;  ///< lowercase hex (full or abbreviated); empty when absent
  std::string file;
  std::string rule_id;  ///< gitleaks' rule id: kept for messages, not matched (ids differ between tools)
  std::uint32_t start_line = 0;

  /// Same file and start line; and, when both have one, the same commit.
  bool matches(const Finding& finding) const;
};

/// Parses .sprawlignore text; errors read "NAME:LINE: reason". `#` lines and blank lines are skipped.
Result<std::vector<SprawlIgnoreEntry>> parse_sprawlignore(std::string_view text, std::string_view name);

/// Parses .gitleaksignore text; errors read "NAME:LINE: reason". `#` lines and blank lines are skipped.
Result<std::vector<GitleaksIgnoreEntry>> parse_gitleaksignore(std::string_view text, std::string_view name);

/// `path` without leading "./" segments: how relative paths are compared.
std::string_view normalized_path(std::string_view path);

}  // namespace sprawl
