// Live checks for package-registry credentials: npm, PyPI, RubyGems and Docker Hub. Each is one
// request that shows whether the registry accepts the credential and, where it says, whose it
// is. Nothing is published: the PyPI check is an upload refused before any file is read.
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/verify/families.h"
#include "src/verify/http_validation.h"
#include "src/verify/response_json.h"

namespace sprawl::verify {
namespace {

// --- npm -----------------------------------------------------------------------------------------

/// An .npmrc/.yarnrc token belongs to the registry its line names; only npmjs.org's (and any
/// npm_ token, which only npmjs.org issues) are asked of npmjs.org.
bool is_npmjs_token(const Credential& credential) {
  if (credential.rule_id == "npm-access-token" || credential.secret.starts_with("npm_")) return true;
  const auto registry = credential.match_text.find("//");
  return registry != std::string::npos && credential.match_text.compare(registry, 21, "//registry.npmjs.org/") == 0;
}

LiveResult validate_npm(const Credential& credential, const ValidatorContext& context) {
  if (!is_npmjs_token(credential))
    return LiveResult::unknown("a token for another registry than npmjs.org (not checked)");
  const auto response = context.send(
      "npm", get_request(context.url("npm", "https://registry.npmjs.org", "/-/whoami"),
                         {{"Authorization", "Bearer " + credential.secret}, {"Accept", "application/json"}}));
  return read_answer(response, "npm accepted the token", {"username"}, {{"username", {"username"}}});
}

// --- PyPI ----------------------------------------------------------------------------------------

// PyPI has no read-only way to ask about a token. This check uses the upload endpoint in a way
// that cannot upload anything, following Warehouse's own order of checks (warehouse/forklift):
//  1. `ensure_uploads_allowed` runs before the upload view: with no authenticated identity it
//     answers 403 "Invalid or non-existent authentication information". The identity is the
//     token's identifier looked up in PyPI's database (a deleted token or disabled user has none).
//  2. The view's first statement rejects any protocol_version other than "1" with 400 "Unknown
//     protocol version." — before the form, the metadata, the file or the project are looked at.
// The request carries only ":action=file_upload" and "protocol_version=2" (no name, version or
// file), so it stops at step 2 whatever the token can do. What it proves is that PyPI knows the
// token and its user; the macaroon's signature and caveats are verified only when an upload is
// authorized, which this check never reaches, so the reason says "recognised", not more.
constexpr std::string_view kPypiProbeBody = "%3Aaction=file_upload&protocol_version=2";

/// TestPyPI tokens name test.pypi.org in their (base64) location.
bool is_test_pypi(std::string_view token) { return token.starts_with("pypi-AgENdGVzdC5weXBpLm9yZw"); }

LiveResult validate_pypi(const Credential& credential, const ValidatorContext& context) {
  if (!credential.secret.starts_with("pypi-"))
    return LiveResult::unknown("PyPI accepts only API tokens for uploads; a password is not checked");
  const bool test = is_test_pypi(credential.secret);
  HttpRequest request =
      post_request(context.url("pypi", test ? "https://test.pypi.org" : "https://upload.pypi.org", "/legacy/"),
                   {{"Content-Type", "application/x-www-form-urlencoded"}}, std::string(kPypiProbeBody));
  request.basic_user = "__token__";
  request.basic_password = credential.secret;
  const auto response = context.send("pypi", request);
  const char* index = test ? "test.pypi.org" : "pypi.org";
  if (response.status == 400 && mentions(response.body, "unknown protocol version"))
    return LiveResult::valid(std::string(index) + " recognised the token (upload refused before any file)",
                             {{"index", index}}, 400);
  if (response.status == 403 && mentions(response.body, "invalid or non-existent authentication"))
    return LiveResult::invalid(std::string(index) + ": invalid or non-existent authentication (HTTP 403)", 403);
  if (response.status == 0 || response.status == 429 || response.status >= 500) return classify_response(response);
  return LiveResult::unknown("unexpected answer from the upload endpoint (" + status_text(response.status) + ")",
                             response.status);
}

// --- RubyGems ------------------------------------------------------------------------------------

/// GET /api/v1/gems lists the key owner's gems. RubyGems.org answers 401 for an unknown or
/// expired key, and 403 for a known key that lacks the index_rubygems scope — or one it has
/// soft-deleted ("An invalid API key cannot be used").
LiveResult validate_rubygems(const Credential& credential, const ValidatorContext& context) {
  const auto response =
      context.send("rubygems", get_request(context.url("rubygems", "https://rubygems.org", "/api/v1/gems.json"),
                                           {{"Authorization", credential.secret}}));
  if (response.status == 401) return LiveResult::invalid("RubyGems.org refused the key (HTTP 401)", 401);
  if (response.status == 403) {
    if (mentions(response.body, "invalid api key"))
      return LiveResult::invalid("RubyGems.org: the key was deleted (HTTP 403)", 403);
    if (mentions(response.body, "confirm your email"))
      return LiveResult::valid("RubyGems.org accepted the key (its owner's email is unconfirmed)", {}, 403);
    return LiveResult::valid("RubyGems.org accepted the key (it lacks the index_rubygems scope)", {}, 403);
  }
  if (response.status != 200) return classify_response(response);
  if (response.body.empty() || response.body.front() != '[' || !is_json(response.body))
    return LiveResult::unknown("HTTP 200 with an unexpected body", 200);
  Identity identity;
  constexpr std::size_t kMostCounted = 50;  // each look-up parses the body again
  std::size_t gems = 0;
  while (gems < kMostCounted && json_field(response.body, {std::to_string(gems), "name"})) ++gems;
  identity.emplace_back("gems", std::to_string(gems) + (gems == kMostCounted ? "+" : ""));
  if (auto first = json_field(response.body, {"0", "name"})) identity.emplace_back("gem", *first);
  return LiveResult::valid("RubyGems.org accepted the key", std::move(identity), 200);
}

// --- Docker Hub ----------------------------------------------------------------------------------

/// The word of name characters after the first of `flags` found in `text` (followed by a space
/// or '='), or "".
std::string word_after(std::string_view text, const std::vector<std::string_view>& flags) {
  for (const auto flag : flags) {
    for (auto at = text.find(flag); at != std::string_view::npos; at = text.find(flag, at + 1)) {
      std::size_t i = at + flag.size();
      if (i >= text.size() || (text[i] != ' ' && text[i] != '=' && text[i] != '\t')) continue;
      while (i < text.size() &&
             (text[i] == ' ' || text[i] == '=' || text[i] == '\t' || text[i] == '"' || text[i] == '\''))
        ++i;
      std::size_t end = i;
      while (end < text.size() && is_name_char(text[end])) ++end;
      if (end > i) return std::string(text.substr(i, end - i));
    }
  }
  return {};
}

/// The Docker Hub user (or organization, for an organization token) written near the token.
std::string dockerhub_user(const Credential& credential) {
  for (const std::string* text : {&credential.match_text, &credential.context})
    if (auto user = word_after(*text, {"docker login -u", "docker login --username"}); !user.empty()) return user;
  return value_named(credential.context, {"dockerhub_username", "docker_hub_username", "dockerhub_user",
                                          "docker_username", "docker_user", "dockerhub_org", "registry_user"});
}

/// Docker Hub's token exchange takes the identifier and the access token and returns a short-lived
/// session token (discarded); it needs the user name, which must be written near the token.
LiveResult validate_dockerhub(const Credential& credential, const ValidatorContext& context) {
  const std::string user = dockerhub_user(credential);
  if (user.empty()) return LiveResult::unknown("no Docker Hub user name near the access token");
  std::string body = "{\"identifier\":\"" + user + "\",\"secret\":\"";
  for (const char c : credential.secret)
    if (is_name_char(c)) body += c;  // the rule's alphabet; nothing that needs escaping
  body += "\"}";
  const auto response =
      context.send("dockerhub", post_request(context.url("dockerhub", "https://hub.docker.com", "/v2/auth/token"),
                                             {{"Content-Type", "application/json"}}, std::move(body)));
  if (response.status == 401)
    return LiveResult::invalid("Docker Hub refused the token for " + user + " (HTTP 401)", 401);
  if (response.status >= 200 && response.status < 300) {
    if (!json_field(response.body, {"access_token"})) return unexpected_body(response);
    return LiveResult::valid("Docker Hub accepted the token", {{"username", user}}, response.status);
  }
  return classify_response(response);
}

}  // namespace

// Not served: nuget-api-key (NuGet.org accepts an API key only on push, delete and relist, none
// of them read-only), npmrc-auth-basic and docker-config-auth (registry-specific, with no single
// documented host to ask).
void add_package_validators(std::vector<Validator>& out) {
  out.push_back({"npm", {"npm-access-token", "npmrc-auth-token"}, validate_npm});
  out.push_back({"pypi", {"pypi-upload-token", "pypirc-password"}, validate_pypi});
  out.push_back({"rubygems", {"rubygems-api-key"}, validate_rubygems});
  out.push_back({"dockerhub", {"dockerhub-access-token"}, validate_dockerhub});
}

}  // namespace sprawl::verify
