// OWASP NHI Top 10 (2025) checks on one identity, and the time arithmetic they need.
#include "src/inventory/policies.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <tuple>

namespace sprawl {
namespace {

/// Reads `count` digits at `pos`; nullopt if any is missing.
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// The UTC offset in seconds of a time zone suffix ("Z", "+02:00", "-0530", ""); nullopt if bad.
std::optional<std::int64_t> zone_offset(std::string_view zone) {
  if (zone.empty() || zone == "Z" || zone == "z") return 0;
  if (zone[0] != '+' && zone[0] != '-') return std::nullopt;
  const auto hours = digits(zone, 1, 2);
  const auto minutes = digits(zone, zone.size() == 6 ? 4 : 3, 2);
  if (!hours || !minutes || (zone.size() != 6 && zone.size() != 5)) return std::nullopt;
  const std::int64_t offset = *hours * 3600 + *minutes * 60;
  return zone[0] == '-' ? -offset : offset;
}

std::string joined(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

PolicyFlag flag(std::string id, std::string name, std::string evidence) {
  return PolicyFlag{std::move(id), std::move(name), std::move(evidence)};
}

std::string_view attribute(const Identity& identity, std::string_view name) {
  for (const auto& [key, value] : identity.attributes)
    if (key == name) return value;
  return {};
}

PolicyFlag leaked(const Identity& identity) {
  const auto present = std::count_if(identity.locations.begin(), identity.locations.end(),
                                     [](const IdentityLocation& l) { return l.present; });
  return flag("NHI2", "leaked",
              std::to_string(identity.locations.size()) + " location(s), " + std::to_string(present) +
                  " still present" + (identity.locations.empty() ? "" : "; first " + identity.locations[0].path));
}

}  // namespace

std::optional<std::int64_t> parse_iso8601(std::string_view text) {
  const auto year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
  if (!year || !month || !day || text[4] != '-' || text[7] != '-') return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31) return std::nullopt;
  std::int64_t seconds = days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day)) * 86400;
  if (text.size() == 10) return seconds;
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return std::nullopt;
  const auto hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
  if (!hour || !minute || !second) return std::nullopt;
  seconds += *hour * 3600 + *minute * 60 + *second;
  std::size_t zone = 19;
  if (zone < text.size() && text[zone] == '.')
    while (++zone < text.size() && std::isdigit(static_cast<unsigned char>(text[zone]))) {
    }
  const auto offset = zone_offset(text.substr(std::min(zone, text.size())));
  if (!offset) return std::nullopt;
  return seconds - *offset;
}

std::optional<std::int64_t> age_in_days(std::string_view since, std::string_view now) {
  const auto from = parse_iso8601(since), to = parse_iso8601(now);
  if (!from || !to) return std::nullopt;
  const std::int64_t delta = *to - *from;
  return delta >= 0 ? delta / 86400 : -((-delta) / 86400);
}

bool may_still_work(std::string_view validity) {
  return validity.empty() || validity == "valid" || validity == "unknown" || validity == "format_valid";
}

std::optional<PolicyFlag> check_long_lived(const Identity& identity, const PolicyInputs& inputs) {
  const auto age = age_in_days(identity.first_seen, inputs.now);
  if (!age || *age <= inputs.max_age_days || !may_still_work(identity.validity)) return std::nullopt;
  const std::string status = identity.validity.empty() ? "not checked" : identity.validity;
  return flag("NHI7", "long-lived",
              "first seen " + identity.first_seen + ", " + std::to_string(*age) + " days ago (over " +
                  std::to_string(inputs.max_age_days) + "), validity " + status);
}

namespace {

/// reuse_place without building the string: what it is ("image ", "repository ", "files"),
/// which one, and the service directory's path (empty when none). Views into the location.
using ReusePlace = std::tuple<std::string_view, std::string_view, std::string_view>;

ReusePlace reuse_place_of(const IdentityLocation& location) {
  static constexpr std::array<std::string_view, 8> k_service_dirs{"services", "service", "apps",      "packages",
                                                                  "cmd",      "svc",     "functions", "microservices"};
  const ReusePlace where = !location.image.empty()        ? ReusePlace{"image ", location.image, {}}
                           : !location.repository.empty() ? ReusePlace{"repository ", location.repository, {}}
                                                          : ReusePlace{"files", {}, {}};
  const std::string_view path = location.path;
  std::size_t start = 0;
  for (std::size_t slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/', start)) {
    const std::string_view component = path.substr(start, slash - start);
    const std::size_t next = path.find('/', slash + 1);
    if (next != std::string_view::npos &&
        std::find(k_service_dirs.begin(), k_service_dirs.end(), component) != k_service_dirs.end())
      return {std::get<0>(where), std::get<1>(where), path.substr(0, next)};
    start = slash + 1;
  }
  return where;
}

std::string to_string(const ReusePlace& place) {
  const auto& [kind, name, service] = place;
  std::string text;
  text.reserve(kind.size() + name.size() + (service.empty() ? 0 : 9 + service.size()));
  text.append(kind).append(name);
  if (!service.empty()) text.append(" service ").append(service);
  return text;
}

}  // namespace

std::string reuse_place(const IdentityLocation& location) { return to_string(reuse_place_of(location)); }

std::optional<PolicyFlag> check_reused(const Identity& identity) {
  std::vector<ReusePlace> places;
  for (const auto& location : identity.locations) {
    const ReusePlace place = reuse_place_of(location);
    if (std::find(places.begin(), places.end(), place) == places.end()) places.push_back(place);
  }
  if (places.size() < 2) return std::nullopt;
  std::vector<std::string> names;
  names.reserve(places.size());
  for (const auto& place : places) names.push_back(to_string(place));
  std::sort(names.begin(), names.end());
  return flag("NHI9", "reused", "in " + std::to_string(names.size()) + " places: " + joined(names, "; "));
}

std::optional<PolicyFlag> check_cross_environment(const Identity& identity) {
  const IdentityLocation* prod = nullptr;
  const IdentityLocation* other = nullptr;
  for (const auto& location : identity.locations) {
    if (location.environment == "prod" && !prod) prod = &location;
    if (!location.environment.empty() && location.environment != "prod" && !other) other = &location;
  }
  if (!prod || !other) return std::nullopt;
  return flag("NHI8", "cross-environment",
              "prod (" + prod->path + ") and " + other->environment + " (" + other->path + ")");
}

namespace {

/// Rights that make a credential over-privileged (NHI5): when validation reports `attribute`
/// for a credential of `provider` ("" for any) holding every token of `all_of` (tokens split on
/// commas and spaces), or, for a `suffix` row, ending with it.
struct PrivilegeRule {
  std::string_view provider, attribute, all_of;
  bool suffix = false;
};
constexpr std::array<PrivilegeRule, 11> k_privileged{{
    {"github", "scopes", "admin:org"},
    {"github", "scopes", "admin:enterprise"},
    {"github", "scopes", "repo delete_repo"},
    {"gitlab", "scopes", "api"},
    {"gitlab", "scopes", "sudo"},
    {"gitlab", "scopes", "admin_mode"},
    {"huggingface", "role", "write"},
    {"huggingface", "role", "admin"},
    {"aws", "arn", ":root", true},
    {"", "role", "admin"},
    {"", "role", "owner"},
}};

std::vector<std::string_view> privilege_tokens(std::string_view value) {
  std::vector<std::string_view> tokens;
  std::size_t start = 0;
  while (start < value.size()) {
    const std::size_t end = std::min(value.find_first_of(", ;[]\"", start), value.size());
    if (end > start) tokens.push_back(value.substr(start, end - start));
    start = end + 1;
  }
  return tokens;
}

bool holds(std::string_view value, const PrivilegeRule& rule) {
  if (rule.suffix) return value.ends_with(rule.all_of);
  const auto have = privilege_tokens(value);
  for (const auto wanted : privilege_tokens(rule.all_of)) {
    const bool found = std::any_of(have.begin(), have.end(), [&](std::string_view token) {
      return token.size() == wanted.size() &&
             std::equal(token.begin(), token.end(), wanted.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
             });
    });
    if (!found) return false;
  }
  return true;
}

/// The part of a reported path after archive ("!/") and image ("@") prefixes.
std::string_view inner_path(std::string_view path) {
  if (const auto bang = path.rfind("!/"); bang != std::string_view::npos) path.remove_prefix(bang + 2);
  if (const auto at = path.rfind('@'); at != std::string_view::npos && path.find('/', at) != std::string_view::npos)
    path.remove_prefix(at + 1);
  return path;
}

bool is_home_directory(std::string_view dir) {
  // dir is the path before "/.aws/credentials": it must end in home/<user>, Users/<user> or root.
  const auto slash = dir.rfind('/');
  const std::string_view last = slash == std::string_view::npos ? dir : dir.substr(slash + 1);
  const std::string_view parent_path = slash == std::string_view::npos ? std::string_view{} : dir.substr(0, slash);
  const auto pslash = parent_path.rfind('/');
  const std::string_view parent = pslash == std::string_view::npos ? parent_path : parent_path.substr(pslash + 1);
  if (last == "root" || last == "~") return true;
  return !last.empty() && (parent == "home" || parent == "Users");
}

}  // namespace

std::optional<PolicyFlag> check_over_privileged(const Identity& identity) {
  for (const auto& rule : k_privileged) {
    if (!rule.provider.empty() && rule.provider != identity.provider) continue;
    const std::string_view value = attribute(identity, rule.attribute);
    if (!value.empty() && holds(value, rule))
      return flag("NHI5", "over-privileged", std::string(rule.attribute) + " " + std::string(value));
  }
  return std::nullopt;
}

bool is_personal_credential_path(std::string_view path) {
  static constexpr std::array<std::string_view, 11> k_personal{
      ".bash_history", ".zsh_history",   ".sh_history", ".history", "fish_history",    ".python_history",
      ".psql_history", ".mysql_history", ".netrc",      "_netrc",   ".git-credentials"};
  // The file name decides first (inner_path never changes it: what it drops ends before the last
  // "/"): most paths are none of these, and are settled without looking further.
  const auto slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (std::find(k_personal.begin(), k_personal.end(), name) != k_personal.end()) return true;
  if (name != "credentials") return false;
  path = inner_path(path);
  constexpr std::string_view k_aws = "/.aws/credentials";
  if (path.ends_with(k_aws)) return is_home_directory(path.substr(0, path.size() - k_aws.size()));
  return path.starts_with("~/") && path.ends_with(".aws/credentials");
}

std::optional<PolicyFlag> check_human_use(const Identity& identity) {
  for (const auto& location : identity.locations)
    if (is_personal_credential_path(location.path))
      return flag("NHI10", "human-use", "in a personal file: " + location.path);
  return std::nullopt;
}

std::optional<PolicyFlag> check_offboarded(const Identity& identity, const PolicyInputs& inputs) {
  if (identity.validity != "valid" || !identity.owner || identity.owner->source != "declared") return std::nullopt;
  if (!inputs.offboarded.contains(identity.owner->name)) return std::nullopt;
  return flag("NHI1", "improper-offboarding",
              "declared owner " + identity.owner->name + " is offboarded and the credential is still valid");
}

std::vector<PolicyFlag> evaluate_policies(const Identity& identity, const PolicyInputs& inputs) {
  std::vector<PolicyFlag> flags;
  const auto add = [&](std::optional<PolicyFlag> found) {
    if (found) flags.push_back(std::move(*found));
  };
  add(check_offboarded(identity, inputs));
  flags.push_back(leaked(identity));
  add(check_over_privileged(identity));
  add(check_long_lived(identity, inputs));
  add(check_cross_environment(identity));
  add(check_reused(identity));
  add(check_human_use(identity));
  return flags;
}

}  // namespace sprawl
