// CODEOWNERS: GitHub and GitLab owner files parsed into rules, and the owners of a path
// (last matching rule wins; GitLab sections each contribute their own last match).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sprawl {

/// One `pattern owner…` line.
struct CodeownersRule {
  std::string pattern;              ///< as written ("/docs/", "*.js", "apps/**/config")
  std::vector<std::string> owners;  ///< "@user", "@org/team", "alice@example.com"; empty: unowned
  std::string section;              ///< the GitLab `[Section]` it sits in; "" before any section
  std::uint32_t line = 0;           ///< 1-based line in the file
};

struct Codeowners {
  std::vector<CodeownersRule> rules;  ///< in file order
};

/// Parses CODEOWNERS text: `#` comments (a `\#` is a literal), blank lines, GitLab section
/// headers (`[Name]`, `^[Name]`, `[Name][2]`, with default owners after them, which rules of
/// that section without owners inherit), GitLab exclusions (`!pattern`: matching paths have no
/// owner in that section). Never fails: an unreadable line is skipped.
Codeowners parse_codeowners(std::string_view text);

/// Whether a CODEOWNERS pattern matches `path` (relative to the repository root, `/`-separated):
/// gitignore-style, with `*` and `?` inside one component, `**` across components, a leading
/// or inner `/` anchoring at the root, a trailing `/` for directories; a pattern naming a
/// directory owns everything under it, except that `dir/*` owns only the direct children.
bool codeowners_pattern_matches(std::string_view pattern, std::string_view path);

/// The owners of `path`: the last matching rule of each section, sections in file order,
/// owners de-duplicated. Empty when no rule matches (or the last match has no owners).
std::vector<std::string> owners_for(const Codeowners& codeowners, std::string_view path);

}  // namespace sprawl
