// AWS access keys checked live with STS GetCallerIdentity, signed with SigV4. A key needs its id
// and its secret (and a temporary key its session token): the finding holds one part, the text
// around it the others, so this file also finds the companion parts in the context.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "src/verify/families.h"
#include "src/verify/response_json.h"
#include "src/verify/sigv4.h"

namespace sprawl::verify {
namespace {

constexpr std::string_view k_provider = "aws";
constexpr std::size_t k_after_window = 400;  ///< how far after a key id an unnamed secret may sit

/// A piece of the context: where it starts and its text.
struct Span {
  std::size_t pos = 0;
  std::string_view text;
};

struct AwsKey {
  sigv4::Credentials credentials;
  std::string missing;  ///< why the key is incomplete; "" when it can be checked
};

bool is_secret_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '+'; }
bool is_key_id_char(char c) {
  return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
}

/// Maximal runs of `is_char` in `text` whose length lies in [min, max]; a run followed by '=' is
/// base64 padding of something longer and is skipped unless `padding_ok`.
template <typename Pred>
std::vector<Span> runs(std::string_view text, Pred is_char, std::size_t min, std::size_t max, bool padding_ok) {
  std::vector<Span> out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_char(text[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && is_char(text[end])) ++end;
    std::size_t stop = end;
    while (padding_ok && stop < text.size() && text[stop] == '=' && stop - end < 2) ++stop;
    const bool padded = end < text.size() && text[end] == '=';
    if (end - i >= min && end - i <= max && (padding_ok || !padded)) out.push_back({i, text.substr(i, stop - i)});
    i = stop;
  }
  return out;
}

/// A 40-character run that looks like a secret key: both letter cases, not AWS's doc example.
bool plausible_secret(std::string_view s) {
  const bool upper =
      std::any_of(s.begin(), s.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
  const bool lower =
      std::any_of(s.begin(), s.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)); });
  return upper && lower && s.find("EXAMPLE") == std::string_view::npos;
}

std::string lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// The text of the line before `pos`, at most 60 characters, lower-cased.
std::string name_before(std::string_view context, std::size_t pos) {
  std::size_t start = pos > 60 ? pos - 60 : 0;
  const std::size_t newline = context.rfind('\n', pos == 0 ? 0 : pos - 1);
  if (newline != std::string_view::npos && newline + 1 > start && newline < pos) start = newline + 1;
  return lowered(context.substr(start, pos - start));
}

std::size_t distance(std::size_t a, std::size_t b) { return a > b ? a - b : b - a; }

/// Where the finding's own secret sits in the context (the anchor the companions are near).
std::size_t anchor_of(const Credential& credential) {
  const std::size_t pos = credential.context.find(credential.secret);
  return pos == std::string::npos ? credential.context.size() / 2 : pos;
}

/// The secret key for a key id at `anchor`: the nearest candidate assigned to a secret-ish name,
/// else the first candidate right after the key id.
std::optional<std::string> secret_near(std::string_view context, std::size_t anchor) {
  const std::vector<Span> all = runs(context, is_secret_char, 40, 40, false);
  std::optional<Span> named, after;
  for (const Span& s : all) {
    if (!plausible_secret(s.text)) continue;
    const std::string name = name_before(context, s.pos);
    const bool secretish = name.find("secret") != std::string::npos || name.find("private") != std::string::npos;
    if (secretish && (!named || distance(s.pos, anchor) < distance(named->pos, anchor))) named = s;
    if (s.pos > anchor && s.pos - anchor <= k_after_window && !after) after = s;
  }
  if (named) return std::string(named->text);
  if (after) return std::string(after->text);
  return std::nullopt;
}

/// The access key id nearest to `anchor`: AKIA or ASIA, or only ASIA when `temporary_only`.
std::optional<std::string> key_id_near(std::string_view context, std::size_t anchor, bool temporary_only) {
  std::optional<Span> best;
  for (const Span& s : runs(context, is_key_id_char, 20, 20, false)) {
    if (!s.text.starts_with("ASIA") && (temporary_only || !s.text.starts_with("AKIA"))) continue;
    const std::size_t end = s.pos + s.text.size();
    if ((s.pos > 0 && std::isalnum(static_cast<unsigned char>(context[s.pos - 1]))) ||
        (end < context.size() && std::isalnum(static_cast<unsigned char>(context[end]))))
      continue;  // part of a longer word
    if (!best || distance(s.pos, anchor) < distance(best->pos, anchor)) best = s;
  }
  return best ? std::optional<std::string>(best->text) : std::nullopt;
}

/// The session token nearest to `anchor`: a base64 run of 100+ characters assigned to a
/// session/security token name.
std::optional<std::string> session_token_near(std::string_view context, std::size_t anchor) {
  std::optional<Span> best;
  for (const Span& s : runs(context, is_secret_char, 100, 4096, true)) {
    std::string name = name_before(context, s.pos);
    name.erase(std::remove_if(name.begin(), name.end(), [](char c) { return c == '_' || c == '-'; }), name.end());
    if (name.find("sessiontoken") == std::string::npos && name.find("securitytoken") == std::string::npos) continue;
    if (!best || distance(s.pos, anchor) < distance(best->pos, anchor)) best = s;
  }
  return best ? std::optional<std::string>(best->text) : std::nullopt;
}

/// The session token of a temporary key at `anchor`, or why there is none.
void add_session_token(AwsKey& key, std::string_view context, std::size_t anchor) {
  auto& c = key.credentials;
  if (c.access_key_id.starts_with("AKIA")) return;  // a long-term key signs without one
  if (c.session_token.empty()) c.session_token = session_token_near(context, anchor).value_or("");
  if (c.session_token.empty()) key.missing = "temporary key id (ASIA) without a session token nearby";
}

/// The key id, secret and session token of the finding, from the finding and its context.
AwsKey gather_key(const Credential& credential) {
  const std::string_view context = credential.context;
  const std::size_t anchor = anchor_of(credential);
  AwsKey key;
  auto& c = key.credentials;
  if (credential.rule_id == "aws-access-key-id") {
    c.access_key_id = credential.secret;
    if (!c.access_key_id.starts_with("AKIA") && !c.access_key_id.starts_with("ASIA")) {
      key.missing = fmt::format("{} identifiers are not access keys", c.access_key_id.substr(0, 4));
      return key;
    }
    c.secret_access_key = secret_near(context, anchor).value_or("");
    if (c.secret_access_key.empty()) key.missing = "no secret key near the key id";
  } else if (credential.rule_id == "aws-session-token") {
    c.session_token = credential.secret;
    c.access_key_id = key_id_near(context, anchor, true).value_or("");
    if (c.access_key_id.empty())
      key.missing = "no temporary key id (ASIA) near the session token";
    else
      c.secret_access_key = secret_near(context, context.find(c.access_key_id)).value_or("");
    if (key.missing.empty() && c.secret_access_key.empty()) key.missing = "no secret key near the session token";
  } else {
    c.secret_access_key = credential.secret;
    c.access_key_id = key_id_near(context, anchor, false).value_or("");
    if (c.access_key_id.empty()) key.missing = "no access key id near the secret";
  }
  if (key.missing.empty()) add_session_token(key, context, anchor);
  return key;
}

/// An error code fit for a reason: letters and dots (AWS's codes are CamelCase words), at most
/// 60 of them; anything with a digit is left out, so that a server echoing the key id back
/// (for the key-id rule, the finding's secret) never puts it into the reason.
std::string safe_code(std::string_view code) {
  if (std::any_of(code.begin(), code.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return {};
  std::string out;
  for (const char c : code)
    if ((std::isalpha(static_cast<unsigned char>(c)) || c == '.') && out.size() < 60) out.push_back(c);
  return out;
}

LiveResult read_sts_error(const HttpResponse& response) {
  const int status = response.status;
  const std::string code = safe_code(xml_field(response.body, "Code").value_or(""));
  const std::string message = xml_field(response.body, "Message").value_or("");
  if (code == "InvalidClientTokenId")
    return LiveResult::invalid("STS does not know the key id (InvalidClientTokenId)", status);
  if (code == "SignatureDoesNotMatch") {
    // AWS answers a clock more than 15 minutes off with this code too: that says nothing of the key.
    if (message.find("Signature expired") != std::string::npos || message.find("not yet current") != std::string::npos)
      return LiveResult::unknown("STS rejected the request time (clock skew)", status);
    return LiveResult::invalid("the secret does not match the key id (SignatureDoesNotMatch)", status);
  }
  if (code == "ExpiredToken" || code == "ExpiredTokenException")
    return LiveResult::invalid("the session token has expired (ExpiredToken)", status);
  if (status == 429 || code.find("Throttl") != std::string::npos || code == "RequestLimitExceeded")
    return LiveResult::unknown(fmt::format("throttled by STS (HTTP {})", status), status);
  if (status >= 500) return LiveResult::unknown(fmt::format("STS error (HTTP {})", status), status);
  if (code.empty()) return LiveResult::unknown(fmt::format("unexpected STS answer (HTTP {})", status), status);
  return LiveResult::unknown(fmt::format("unexpected STS answer (HTTP {} {})", status, code), status);
}

LiveResult read_sts_answer(const HttpResponse& response) {
  if (response.status == 0) return LiveResult::unknown(fmt::format("no answer from STS: {}", response.error));
  if (response.status != 200) return read_sts_error(response);
  const std::string arn = xml_field(response.body, "Arn").value_or("");
  const std::string account = xml_field(response.body, "Account").value_or("");
  if (arn.empty() || account.empty()) return LiveResult::unknown("HTTP 200 without a caller identity", 200);
  // "account_id" as the offline key id check names it: the live answer confirms (replaces) it.
  Identity identity{{"account_id", account}, {"arn", arn}};
  if (const std::string user_id = xml_field(response.body, "UserId").value_or(""); !user_id.empty())
    identity.emplace_back("user_id", user_id);
  return LiveResult::valid("STS GetCallerIdentity accepted the key", std::move(identity), 200);
}

/// POST Action=GetCallerIdentity to STS's global endpoint, signed for us-east-1. The request
/// goes where context.url says (an override in tests); its Host header and signature name that
/// host, as AWS checks a signature against the Host it receives.
LiveResult validate_aws_key(const Credential& credential, const ValidatorContext& context) {
  const AwsKey key = gather_key(credential);
  if (!key.missing.empty()) return LiveResult::unknown(key.missing);
  HttpRequest request;
  request.method = "POST";
  request.url = context.url(k_provider, "https://sts.amazonaws.com", "/");
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  request.body = "Action=GetCallerIdentity&Version=2011-06-15";
  sigv4::sign_http_request(request, key.credentials, "us-east-1", "sts", context.now);
  return read_sts_answer(context.send(k_provider, request));
}

}  // namespace

void add_aws_validators(std::vector<Validator>& out) {
  out.push_back({std::string(k_provider),
                 {"aws-access-key-id", "aws-secret-access-key", "aws-session-token"},
                 &validate_aws_key});
}

}  // namespace sprawl::verify
