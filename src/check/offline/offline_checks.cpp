// Which offline check applies to a match (see offline_checks.h): by provider for token formats,
// by identity type for keys, connection strings and service accounts, by shape for JWTs.
#include "src/check/offline/offline_checks.h"

#include "src/check/offline/key_checks.h"

namespace sprawl::offline {
namespace {

bool has_key_block(std::string_view text) {
  return text.find("-----BEGIN") != std::string_view::npos || text.find("PuTTY-User-Key-File") != std::string_view::npos;
}

bool is_jwt_shaped(std::string_view text) {
  return text.starts_with("eyJ") && text.find('.') != std::string_view::npos;
}

/// The whitespace- or quote-delimited token of `line` that holds `secret` (a whole URI, where
/// a rule's match may stop short of the host).
std::string_view token_around(std::string_view line, std::string_view secret) {
  const std::size_t at = line.find(secret);
  if (at == std::string_view::npos) return {};
  constexpr std::string_view kStops = " \t\r\n'\"`<>()[]{},;=";
  std::size_t start = at;
  while (start > 0 && kStops.find(line[start - 1]) == std::string_view::npos) --start;
  std::size_t end = at + secret.size();
  while (end < line.size() && kStops.find(line[end]) == std::string_view::npos) ++end;
  return line.substr(start, end - start);
}

}  // namespace

std::optional<CheckResult> check_offline(const Rule& rule, std::string_view secret, std::string_view match_text,
                                         std::string_view line, std::int64_t now) {
  if (rule.provider == "github")
    if (auto r = check_github_token(secret)) return r;
  if (rule.provider == "npm")
    if (auto r = check_npm_token(secret)) return r;
  if (rule.provider == "aws")
    if (auto r = check_aws_key_id(secret)) return r;
  if (is_jwt_shaped(secret))
    if (auto r = check_jwt(secret, now)) return r;
  if (rule.nhi_type == "private_key" || rule.nhi_type == "ssh_key" || rule.nhi_type == "service_account") {
    if (has_key_block(match_text))
      if (auto r = check_private_key(match_text)) return r;
    if (has_key_block(secret))
      if (auto r = check_private_key(secret)) return r;
  }
  if (rule.nhi_type == "service_account" || rule.provider == "gcp")
    if (auto r = check_gcp_service_account(match_text)) return r;
  if (rule.nhi_type == "connection_string") {
    if (auto r = check_connection_uri(token_around(line, secret))) return r;
    if (auto r = check_connection_uri(match_text)) return r;
    if (auto r = check_connection_uri(secret)) return r;
  }
  return std::nullopt;
}

bool disproves(const Rule& rule, const CheckResult& result) {
  return result.verdict == Verdict::invalid_format && (rule.provider == "github" || rule.provider == "npm");
}

}  // namespace sprawl::offline
