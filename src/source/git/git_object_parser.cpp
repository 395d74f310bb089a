// Commit, tag and tree parsing (see git_object_parser.h).
#include "src/source/git/git_object_parser.h"

#include <cstring>
#include <ctime>

#include <fmt/format.h>

namespace sprawl::git {
namespace {

std::optional<ObjectId> hex_id(std::string_view text) {
  if (text.size() < 40) return std::nullopt;
  return parse_object_id(text.substr(0, 40));
}

// "Name <email> 1700000000 +0100"
bool parse_signature(std::string_view value, CommitInfo& info) {
  const std::size_t open = value.find('<');
  const std::size_t close = value.find('>', open == std::string_view::npos ? 0 : open);
  if (open == std::string_view::npos || close == std::string_view::npos) return false;
  std::string_view name = value.substr(0, open);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  info.author_name.assign(name);
  info.author_email.assign(value.substr(open + 1, close - open - 1));
  std::string_view rest = value.substr(close + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  std::int64_t seconds = 0;
  std::size_t i = 0;
  for (; i < rest.size() && rest[i] >= '0' && rest[i] <= '9' && i < 18; ++i) seconds = seconds * 10 + (rest[i] - '0');
  info.author_time = seconds;
  rest.remove_prefix(i);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.size() >= 5 && (rest[0] == '+' || rest[0] == '-')) {
    int digits[4];
    bool ok = true;
    for (int d = 0; d < 4; ++d) {
      ok = ok && rest[1 + d] >= '0' && rest[1 + d] <= '9';
      digits[d] = rest[1 + d] - '0';
    }
    if (ok) {
      const int minutes = (digits[0] * 10 + digits[1]) * 60 + digits[2] * 10 + digits[3];
      info.author_tz_minutes = rest[0] == '-' ? -minutes : minutes;
    }
  }
  return true;
}

}  // namespace

std::optional<CommitInfo> parse_commit(std::string_view content) {
  CommitInfo info;
  bool has_tree = false;
  while (!content.empty()) {
    const std::size_t eol = content.find('\n');
    const std::string_view line = content.substr(0, eol);
    content = eol == std::string_view::npos ? std::string_view{} : content.substr(eol + 1);
    if (line.empty()) break;  // headers end; the message follows
    if (line.front() == ' ') continue;  // continuation of a multi-line header (gpgsig, mergetag)
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, space), value = line.substr(space + 1);
    if (key == "tree") {
      auto id = hex_id(value);
      if (!id) return std::nullopt;
      info.tree = *id;
      has_tree = true;
    } else if (key == "parent") {
      auto id = hex_id(value);
      if (!id) return std::nullopt;
      info.parents.push_back(*id);
    } else if (key == "author") {
      parse_signature(value, info);
    }
  }
  if (!has_tree) return std::nullopt;
  while (!content.empty() && (content.front() == '\n' || content.front() == '\r' || content.front() == ' '))
    content.remove_prefix(1);
  std::string_view summary = content.substr(0, content.find('\n'));
  if (!summary.empty() && summary.back() == '\r') summary.remove_suffix(1);
  info.summary.assign(summary.substr(0, 200));
  return info;
}

std::optional<TagInfo> parse_tag(std::string_view content) {
  TagInfo tag;
  bool has_object = false;
  while (!content.empty()) {
    const std::size_t eol = content.find('\n');
    const std::string_view line = content.substr(0, eol);
    content = eol == std::string_view::npos ? std::string_view{} : content.substr(eol + 1);
    if (line.empty()) break;
    if (line.rfind("object ", 0) == 0) {
      auto id = hex_id(line.substr(7));
      if (!id) return std::nullopt;
      tag.target = *id;
      has_object = true;
    } else if (line.rfind("type ", 0) == 0) {
      const std::string_view type = line.substr(5);
      tag.target_type = type == "commit" ? ObjectType::commit
                        : type == "tree" ? ObjectType::tree
                        : type == "blob" ? ObjectType::blob
                        : type == "tag"  ? ObjectType::tag
                                         : ObjectType::none;
    }
  }
  if (!has_object) return std::nullopt;
  return tag;
}

namespace detail {

bool next_tree_entry(std::string_view& rest, TreeEntry& entry) {
  const std::size_t space = rest.find(' ');
  if (space == std::string_view::npos || space == 0 || space > 7) return false;
  std::uint32_t mode = 0;
  for (std::size_t i = 0; i < space; ++i) {
    if (rest[i] < '0' || rest[i] > '7') return false;
    mode = mode * 8 + static_cast<std::uint32_t>(rest[i] - '0');
  }
  const std::size_t nul = rest.find('\0', space + 1);
  if (nul == std::string_view::npos || nul == space + 1 || rest.size() - nul - 1 < 20) return false;
  entry.mode = mode;
  entry.name = rest.substr(space + 1, nul - space - 1);
  std::memcpy(entry.id.bytes.data(), rest.data() + nul + 1, 20);
  rest.remove_prefix(nul + 21);
  return true;
}

}  // namespace detail

std::string format_git_time(std::int64_t seconds, int tz_minutes) {
  const std::time_t local = static_cast<std::time_t>(seconds + static_cast<std::int64_t>(tz_minutes) * 60);
  std::tm tm{};
  if (!::gmtime_r(&local, &tm)) return {};
  const int offset = tz_minutes < 0 ? -tz_minutes : tz_minutes;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, tz_minutes < 0 ? '-' : '+', offset / 60, offset % 60);
}

}  // namespace sprawl::git
