// .sprawlignore and .gitleaksignore parsing, and gitignore-like glob matching on relative paths.
#include "src/check/ignore_file.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace sprawl {
namespace {

constexpr std::size_t npos = std::string_view::npos;

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); });
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

// Leading white space, and trailing white space that no backslash escapes.
std::string_view trimmed(std::string_view line) {
  while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
  while (!line.empty() && is_space(line.back()) && !(line.size() >= 2 && line[line.size() - 2] == '\\'))
    line.remove_suffix(1);
  return line;
}

// Calls `f(line_number, line)` for every line that is neither blank nor a `#` comment; stops at
// the first error `f` returns.
template <class F>
Status for_each_entry(std::string_view text, F&& f) {
  std::uint32_t number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = trimmed(text.substr(0, end));
    text = end == npos ? std::string_view{} : text.substr(end + 1);
    ++number;
    if (line.empty() || line.front() == '#') continue;
    if (auto status = f(number, line); !status) return status;
  }
  return Ok{};
}

// A `[...]` class starting at p[i]: the index of its closing ']' (npos when unterminated), and
// in `matched` whether byte `c` is in it.
std::size_t scan_class(std::string_view p, std::size_t i, char c, bool& matched) {
  matched = false;
  ++i;
  const bool negate = i < p.size() && (p[i] == '!' || p[i] == '^');
  if (negate) ++i;
  for (bool first = true; i < p.size() && (p[i] != ']' || first); first = false) {
    auto take = [&] { return p[i] == '\\' && i + 1 < p.size() ? p[++i] : p[i]; };
    const auto lo = static_cast<unsigned char>(take());
    ++i;
    auto hi = lo;
    if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
      ++i;
      hi = static_cast<unsigned char>(take());
      ++i;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= lo && byte <= hi) matched = true;
  }
  if (i >= p.size()) return npos;
  matched = matched != negate;
  return i;
}

// Matches the one pattern token at p[pi] (not '*') against `c`: the next token, or npos.
std::size_t match_one(std::string_view p, std::size_t pi, char c) {
  switch (p[pi]) {
    case '?':
      return pi + 1;
    case '[': {
      bool matched = false;
      const std::size_t end = scan_class(p, pi, c, matched);
      return end != npos && matched ? end + 1 : npos;
    }
    case '\\':
      if (pi + 1 < p.size()) return p[pi + 1] == c ? pi + 2 : npos;
      return c == '\\' ? pi + 1 : npos;
    default:
      return p[pi] == c ? pi + 1 : npos;
  }
}

// fnmatch-style matching of one path segment: greedy, backtracking to the last '*' only, so
// linear in practice and O(|p|·|s|) at worst.
bool segment_matches(std::string_view p, std::string_view s) {
  std::size_t pi = 0, si = 0, star = npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = ++pi;
      mark = si;
      continue;
    }
    if (pi < p.size()) {
      if (const std::size_t next = match_one(p, pi, s[si]); next != npos) {
        pi = next;
        ++si;
        continue;
      }
    }
    if (star == npos) return false;
    pi = star;
    si = ++mark;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

std::vector<std::string_view> split_segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    const std::string_view segment = path.substr(0, slash);
    if (!segment.empty() && segment != ".") out.push_back(segment);
    path = slash == npos ? std::string_view{} : path.substr(slash + 1);
  }
  return out;
}

Status check_segment(std::string_view segment) {
  for (std::size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '\\') {
      ++i;
    } else if (segment[i] == '[') {
      bool matched = false;
      i = scan_class(segment, i, '\0', matched);
      if (i == npos) return Error{"unterminated '[' in path glob"};
    }
  }
  return Ok{};
}

std::string_view finding_path(const Finding& finding) {
  const auto& where = finding.provenance;
  return normalized_path(where.relative_path.empty() ? where.path : where.relative_path);
}

}  // namespace

std::string_view normalized_path(std::string_view path) {
  while (path.size() >= 2 && path[0] == '.' && path[1] == '/') {
    path.remove_prefix(2);
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  }
  return path;
}

Result<PathGlob> PathGlob::parse(std::string_view pattern) {
  if (pattern.empty()) return Error{"empty path glob"};
  if (pattern.front() == '!') return Error{"negated patterns ('!') are not supported: delete the entry instead"};
  if (pattern.find('\0') != npos) return Error{"NUL byte in path glob"};
  PathGlob glob;
  glob.m_directory_only = pattern.back() == '/';
  while (!pattern.empty() && pattern.back() == '/') pattern.remove_suffix(1);
  // A slash at the start or in the middle anchors the pattern at the scan root.
  const bool anchored = pattern.find('/') != npos;
  for (const auto segment : split_segments(pattern)) {
    if (auto status = check_segment(segment); !status) return status.error();
    glob.m_segments.emplace_back(segment);
  }
  if (glob.m_segments.empty()) return Error{"path glob names no path"};
  if (!anchored) glob.m_segments.insert(glob.m_segments.begin(), "**");
  // "dir/**" is everything inside dir, not dir itself.
  if (glob.m_segments.back() == "**") glob.m_segments.emplace_back("*");
  return glob;
}

bool PathGlob::matches(std::string_view relative_path) const {
  const auto path = split_segments(normalized_path(relative_path));
  const std::size_t n = path.size();
  if (n == 0 || m_segments.empty()) return false;
  // reach[j]: the pattern segments so far match the first j path segments.
  std::vector<char> reach(n + 1, 0), next(n + 1, 0);
  reach[0] = 1;
  for (const auto& segment : m_segments) {
    if (segment == "**") {
      next[0] = reach[0];
      for (std::size_t j = 1; j <= n; ++j) next[j] = reach[j] || next[j - 1];
    } else {
      next[0] = 0;
      for (std::size_t j = 1; j <= n; ++j) next[j] = reach[j - 1] && segment_matches(segment, path[j - 1]);
    }
    reach.swap(next);
  }
  // The whole path, or (like gitignore: an ignored directory hides its contents) a directory above it.
  const std::size_t last = m_directory_only ? n - 1 : n;
  for (std::size_t k = 1; k <= last; ++k)
    if (reach[k]) return true;
  return false;
}

bool SprawlIgnoreEntry::matches(const Finding& finding) const {
  if (!fingerprint.empty()) return finding.fingerprint == fingerprint;
  return glob.matches(finding_path(finding));
}

std::string SprawlIgnoreEntry::describe() const {
  return fingerprint.empty() ? fmt::format("path glob '{}'", pattern) : std::string("fingerprint");
}

bool GitleaksIgnoreEntry::matches(const Finding& finding) const {
  if (finding.start.line != start_line) return false;
  const auto& where = finding.provenance;
  if (finding_path(finding) != file && normalized_path(where.path) != file) return false;
  if (commit.empty() || !where.git || where.git->commit.empty()) return true;
  return lower(where.git->commit).rfind(commit, 0) == 0;
}

Result<std::vector<SprawlIgnoreEntry>> parse_sprawlignore(std::string_view text, std::string_view name) {
  std::vector<SprawlIgnoreEntry> entries;
  auto status = for_each_entry(text, [&](std::uint32_t number, std::string_view line) -> Status {
    SprawlIgnoreEntry entry;
    entry.line = number;
    if (line.size() == 64 && is_hex(line)) {
      entry.fingerprint = lower(line);
    } else {
      auto glob = PathGlob::parse(line);
      if (!glob) return Error{fmt::format("{}:{}: {}", name, number, glob.error().message)};
      entry.pattern = std::string(line);
      entry.glob = std::move(*glob);
    }
    entries.push_back(std::move(entry));
    return Ok{};
  });
  if (!status) return status.error();
  return entries;
}

Result<std::vector<GitleaksIgnoreEntry>> parse_gitleaksignore(std::string_view text, std::string_view name) {
  std::vector<GitleaksIgnoreEntry> entries;
  auto status = for_each_entry(text, [&](std::uint32_t number, std::string_view line) -> Status {
    auto fail = [&](std::string_view why) {
      return Error{
          fmt::format("{}:{}: {} (expected a gitleaks fingerprint [commit:]file:rule-id:line)", name, number, why)};
    };
    GitleaksIgnoreEntry entry;
    entry.line = number;
    const std::size_t last = line.rfind(':');
    if (last == npos) return fail("no ':'");
    const std::string_view digits = line.substr(last + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), entry.start_line);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || entry.start_line == 0)
      return fail("the line number is not a positive integer");
    const std::string_view rest = line.substr(0, last);
    const std::size_t rule = rest.rfind(':');
    if (rule == npos || rule + 1 == rest.size() || rule == 0) return fail("no file and rule id");
    entry.rule_id = std::string(rest.substr(rule + 1));
    std::string_view file = rest.substr(0, rule);
    // A leading commit id (full, or abbreviated as gitleaks 8.26+ writes it) when there is one.
    if (const std::size_t colon = file.find(':'); colon != npos) {
      const std::string_view commit = file.substr(0, colon);
      if (commit.size() >= 7 && commit.size() <= 64 && is_hex(commit)) {
        entry.commit = lower(commit);
        file = file.substr(colon + 1);
      }
    }
    file = normalized_path(file);
    if (file.empty()) return fail("the file is empty");
    entry.file = std::string(file);
    entries.push_back(std::move(entry));
    return Ok{};
  });
  if (!status) return status.error();
  return entries;
}

}  // namespace sprawl
