// CODEOWNERS parsing and gitignore-style pattern matching.
#include "src/inventory/codeowners.h"

#include <algorithm>
#include <cctype>

namespace sprawl {
namespace {

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

/// Whitespace-separated tokens, stopping at an unescaped `#` (a comment); `\#` and `\ ` stay.
std::vector<std::string> tokens_of(std::string_view line) {
  std::vector<std::string> tokens;
  std::string token;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '\\' && i + 1 < line.size() && (line[i + 1] == '#' || line[i + 1] == ' ')) {
      token.push_back(line[++i]);
    } else if (c == '#' && token.empty()) {
      break;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (!token.empty()) tokens.push_back(std::move(token));
      token.clear();
    } else {
      token.push_back(c);
    }
  }
  if (!token.empty()) tokens.push_back(std::move(token));
  return tokens;
}

/// A GitLab section header: `[Name]`, `^[Name]`, `[Name][2]`, then optional default owners.
bool read_section(const std::vector<std::string>& tokens, std::string& name, std::vector<std::string>& owners) {
  std::string_view head = tokens.front();
  if (head.starts_with("^")) head.remove_prefix(1);
  if (!head.starts_with("[")) return false;
  // A section name may hold spaces: join tokens until the one that closes it.
  std::string joined;
  std::size_t i = 0;
  for (; i < tokens.size(); ++i) {
    joined += (i == 0 ? std::string(head) : " " + tokens[i]);
    if (joined.find(']') != std::string::npos) break;
  }
  const std::size_t close = joined.find(']');
  if (close == std::string::npos) return false;
  name = joined.substr(1, close - 1);
  owners.assign(tokens.begin() + static_cast<std::ptrdiff_t>(std::min(i + 1, tokens.size())), tokens.end());
  return true;
}

/// `*` and `?` within one path component.
bool glob_component(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p, ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++, mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1, t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

/// Matches pattern components against a prefix of the path's components; `**` spans any number.
/// Returns every count of path components the pattern can consume.
void match_prefix(const std::vector<std::string_view>& pat, std::size_t pi, const std::vector<std::string_view>& path,
                  std::size_t ti, std::vector<std::size_t>& ends) {
  if (pi == pat.size()) {
    ends.push_back(ti);
    return;
  }
  if (pat[pi] == "**") {
    for (std::size_t k = ti; k <= path.size(); ++k) match_prefix(pat, pi + 1, path, k, ends);
    return;
  }
  if (ti < path.size() && glob_component(pat[pi], path[ti])) match_prefix(pat, pi + 1, path, ti + 1, ends);
}

}  // namespace

Codeowners parse_codeowners(std::string_view text) {
  Codeowners result;
  std::string section;
  std::vector<std::string> section_owners;
  std::uint32_t number = 0;
  for (std::string_view line : split(text, '\n')) {
    ++number;
    if (line.ends_with('\r')) line.remove_suffix(1);
    auto tokens = tokens_of(line);
    if (tokens.empty()) continue;
    if (read_section(tokens, section, section_owners)) continue;
    CodeownersRule rule{tokens.front(), {tokens.begin() + 1, tokens.end()}, section, number};
    if (rule.pattern.starts_with('!'))
      rule.owners.clear();  // an exclusion owns nothing
    else if (rule.owners.empty())
      rule.owners = section_owners;
    result.rules.push_back(std::move(rule));
  }
  return result;
}

bool codeowners_pattern_matches(std::string_view pattern, std::string_view path) {
  if (pattern.empty() || path.empty()) return false;
  while (path.starts_with("/")) path.remove_prefix(1);
  const bool directory_only = pattern.ends_with('/');
  if (directory_only) pattern.remove_suffix(1);
  const bool anchored = pattern.starts_with('/') || pattern.find('/') != std::string_view::npos;
  if (pattern.starts_with('/')) pattern.remove_prefix(1);
  if (pattern.empty()) return true;  // "/" or "*/" style: the whole repository
  std::vector<std::string_view> pat = split(pattern, '/');
  if (!anchored) pat.insert(pat.begin(), "**");
  const bool children_only = pat.back() == "*";
  const auto parts = split(path, '/');
  std::vector<std::size_t> ends;
  match_prefix(pat, 0, parts, 0, ends);
  return std::any_of(ends.begin(), ends.end(), [&](std::size_t end) {
    if (end == parts.size()) return !directory_only;  // the file itself
    return end > 0 && !children_only;                 // a directory above it
  });
}

std::vector<std::string> owners_for(const Codeowners& codeowners, std::string_view path) {
  std::vector<std::string> sections;
  std::vector<const CodeownersRule*> last;
  for (const auto& rule : codeowners.rules) {
    const std::string_view pattern = rule.pattern;
    if (!codeowners_pattern_matches(pattern.starts_with('!') ? pattern.substr(1) : pattern, path)) continue;
    const auto it = std::find(sections.begin(), sections.end(), rule.section);
    if (it == sections.end()) {
      sections.push_back(rule.section);
      last.push_back(&rule);
    } else {
      last[static_cast<std::size_t>(it - sections.begin())] = &rule;
    }
  }
  std::vector<std::string> owners;
  for (const CodeownersRule* rule : last)
    for (const auto& owner : rule->owners)
      if (std::find(owners.begin(), owners.end(), owner) == owners.end()) owners.push_back(owner);
  return owners;
}

}  // namespace sprawl
