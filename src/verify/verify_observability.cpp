// Live checks for monitoring and infrastructure credentials: Datadog, New Relic, Sentry,
// PagerDuty, Opsgenie, Honeycomb, DigitalOcean, Cloudflare, Heroku, Linode and Vultr. Each is one
// read-only "who am I" or "is this key valid" request on the provider's documented API host.
#include <openssl/evp.h>

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

// --- Datadog -----------------------------------------------------------------------------------

/// The API host of the Datadog site named near the key (DD_SITE, a URL, a config `site:`), or
/// US1's. Keys belong to one site and are unknown to the others.
std::string datadog_api_host(std::string_view context) {
  struct Site {
    std::string_view marker, host;
  };
  static constexpr Site kSites[] = {
      {"us3.datadoghq.com", "api.us3.datadoghq.com"}, {"us5.datadoghq.com", "api.us5.datadoghq.com"},
      {"ap1.datadoghq.com", "api.ap1.datadoghq.com"}, {"ap2.datadoghq.com", "api.ap2.datadoghq.com"},
      {"datadoghq.eu", "api.datadoghq.eu"},           {"ddog-gov.com", "api.ddog-gov.com"}};
  for (const auto& site : kSites)
    if (mentions(context, site.marker)) return std::string(site.host);
  return "api.datadoghq.com";
}

// GET /api/v1/validate with DD-API-KEY: {"valid":true}, or 403 for a key the site does not know.
LiveResult check_datadog(const Credential& credential, const ValidatorContext& context) {
  const std::string host = datadog_api_host(credential.context);
  const auto response = context.send(
      "datadog",
      get_request(context.url("datadog", "https://" + host, "/api/v1/validate"), {{"DD-API-KEY", credential.secret}}));
  auto result = read_answer(response, "Datadog accepted the key", {"valid"}, {});
  if (result.status != LiveStatus::valid) return result;
  if (json_field(response.body, {"valid"}) != "true")
    return LiveResult::invalid("Datadog: valid false", response.status);
  result.identity = {{"site", host.substr(4)}};
  return result;
}

// --- New Relic ---------------------------------------------------------------------------------

// A NerdGraph query that only reads the key's own user. EU accounts live on api.eu.newrelic.com.
LiveResult check_newrelic(const Credential& credential, const ValidatorContext& context) {
  const bool eu = mentions(credential.context, "eu.newrelic.com") || mentions(credential.context, "region=eu");
  HttpRequest request =
      get_request(context.url("newrelic", eu ? "https://api.eu.newrelic.com" : "https://api.newrelic.com", "/graphql"),
                  {{"API-Key", credential.secret}, {"Content-Type", "application/json"}});
  request.method = "POST";
  request.body = R"({"query":"{ actor { user { id name email } } }"})";
  auto result =
      read_answer(context.send("newrelic", request), "New Relic accepted the key", {"data", "actor", "user", "id"},
                  {{"user_id", {"data", "actor", "user", "id"}},
                   {"name", {"data", "actor", "user", "name"}},
                   {"email", {"data", "actor", "user", "email"}}});
  if (result.status == LiveStatus::valid) result.identity.emplace_back("region", eu ? "eu" : "us");
  return result;
}

// --- Sentry ------------------------------------------------------------------------------------

std::string base64_decode(std::string_view text) {
  std::string padded(text);
  while (padded.size() % 4 != 0) padded += '=';
  std::string out(padded.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(padded.data()), static_cast<int>(padded.size()));
  if (n < 0) return {};
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '\0') out.pop_back();  // the padding decodes to zero bytes
  return out;
}

/// The JSON payload of an org token ("sntrys_" base64(JSON) "_" secret), or "".
std::string sentry_org_payload(std::string_view token) {
  constexpr std::string_view kPrefix = "sntrys_";
  if (token.substr(0, kPrefix.size()) != kPrefix) return {};
  const auto body = token.substr(kPrefix.size());
  const auto end = body.rfind('_');
  return end == std::string_view::npos ? std::string{} : base64_decode(body.substr(0, end));
}

/// The host of an http(s) URL, without user info or port ("o1.ingest.sentry.io"), or "".
std::string_view host_of(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos || (url.substr(0, scheme) != "http" && url.substr(0, scheme) != "https"))
    return {};
  auto host = url.substr(scheme + 3);
  host = host.substr(0, host.find_first_of("/?#"));
  if (const auto at = host.rfind('@'); at != std::string_view::npos) host.remove_prefix(at + 1);
  return host.substr(0, host.find(':'));
}

/// Whether `host` is sentry.io or one of its subdomains (us.sentry.io, o1.ingest.sentry.io).
bool on_sentry_io(std::string_view host) {
  constexpr std::string_view kDomain = ".sentry.io";
  return host == "sentry.io" || (host.size() > kDomain.size() && host.substr(host.size() - kDomain.size()) == kDomain);
}

/// The host of the first URL near the token that names a Sentry other than sentry.io: a
/// self-hosted Sentry, whose tokens mean nothing to sentry.io and must not be sent there.
std::string self_hosted_sentry(std::string_view context) {
  for (auto at = context.find("http"); at != std::string_view::npos; at = context.find("http", at + 1)) {
    const auto end = context.find_first_of(" \t\r\n\"'`<>", at);
    const auto host = host_of(context.substr(at, end == std::string_view::npos ? end : end - at));
    if (mentions(host, "sentry") && !on_sentry_io(host)) return std::string(host);
  }
  return {};
}

// GET /api/0/ answers with the token's scopes (and its user, for user tokens); an unknown token
// gets 401. Org tokens carry their Sentry's URL and org slug in the clear.
LiveResult check_sentry(const Credential& credential, const ValidatorContext& context) {
  const std::string payload = sentry_org_payload(credential.secret);
  const auto org_url = json_field(payload, {"url"});
  if (org_url && !on_sentry_io(host_of(*org_url)))
    return LiveResult::unknown("org token of a self-hosted Sentry; not sent to sentry.io");
  if (!org_url) {
    if (const auto host = self_hosted_sentry(credential.context); !host.empty())
      return LiveResult::unknown("token near a self-hosted Sentry (" + host + "); not sent to sentry.io");
  }
  auto result =
      read_answer(bearer_get(context, "sentry", "https://sentry.io", "/api/0/", credential.secret),
                  "Sentry accepted the key", {"auth", "scopes"},
                  {{"user", {"user", "username"}}, {"email", {"user", "email"}}, {"scopes", {"auth", "scopes"}}});
  if (result.status == LiveStatus::valid) {
    if (auto org = json_field(payload, {"org"}); org && !org->empty())
      result.identity.insert(result.identity.begin(), {"org", *org});
  }
  return result;
}

// --- PagerDuty, Opsgenie -----------------------------------------------------------------------

// GET /abilities with "Token token=": the account's abilities. The rule also finds 32-character
// Events API routing keys, which the REST API never accepts: those are not checked.
LiveResult check_pagerduty(const Credential& credential, const ValidatorContext& context) {
  if (credential.secret.size() != 20) return LiveResult::unknown("an Events API routing key: no read-only check");
  const auto response =
      context.send("pagerduty", get_request(context.url("pagerduty", "https://api.pagerduty.com", "/abilities"),
                                            {{"Authorization", "Token token=" + credential.secret},
                                             {"Accept", "application/vnd.pagerduty+json;version=2"}}));
  return read_answer(response, "PagerDuty accepted the key", {"abilities"}, {{"abilities", {"abilities"}}});
}

// GET /v2/account with "GenieKey": the account and plan. A key without configuration access gets
// 403 once Opsgenie has authenticated it; a wrong key gets 401.
LiveResult check_opsgenie(const Credential& credential, const ValidatorContext& context) {
  const bool eu = mentions(credential.context, "eu.opsgenie.com");
  const auto response = context.send(
      "opsgenie", get_request(context.url("opsgenie", eu ? "https://api.eu.opsgenie.com" : "https://api.opsgenie.com",
                                          "/v2/account"),
                              {{"Authorization", "GenieKey " + credential.secret}}));
  if (response.status == 403) return LiveResult::valid("authenticated, but without configuration access", {}, 403);
  return read_answer(response, "Opsgenie accepted the key", {"data", "name"},
                     {{"account", {"data", "name"}}, {"plan", {"data", "plan", "name"}}});
}

// --- Honeycomb ---------------------------------------------------------------------------------

/// The names of the permissions an /1/auth answer grants, joined with ",".
std::string honeycomb_access(std::string_view body) {
  static constexpr std::string_view kAccess[] = {"events",  "markers", "triggers",   "boards",         "queries",
                                                 "columns", "slos",    "recipients", "createDatasets", "privateBoards"};
  std::string granted;
  for (const auto name : kAccess)
    if (json_field(body, {"api_key_access", name}) == "true")
      granted += (granted.empty() ? "" : ",") + std::string(name);
  return granted;
}

// GET /1/auth with X-Honeycomb-Team: the team, environment and what the key may do.
LiveResult check_honeycomb(const Credential& credential, const ValidatorContext& context) {
  const bool eu = mentions(credential.context, "eu1.honeycomb.io");
  const auto response = context.send(
      "honeycomb",
      get_request(context.url("honeycomb", eu ? "https://api.eu1.honeycomb.io" : "https://api.honeycomb.io", "/1/auth"),
                  {{"X-Honeycomb-Team", credential.secret}}));
  auto result = read_answer(
      response, "Honeycomb accepted the key", {"team", "slug"},
      {{"team", {"team", "slug"}}, {"team_name", {"team", "name"}}, {"environment", {"environment", "slug"}}});
  if (result.status == LiveStatus::valid) {
    if (auto access = honeycomb_access(response.body); !access.empty()) result.identity.emplace_back("access", access);
  }
  return result;
}

// --- DigitalOcean, Heroku, Linode, Vultr -------------------------------------------------------

// GET /v2/account. A custom-scoped token without account:read gets 403 after authenticating.
LiveResult check_digitalocean(const Credential& credential, const ValidatorContext& context) {
  const auto response =
      bearer_get(context, "digitalocean", "https://api.digitalocean.com", "/v2/account", credential.secret);
  if (response.status == 403) return LiveResult::valid("authenticated, but without account:read", {}, 403);
  return read_answer(response, "DigitalOcean accepted the key", {"account", "uuid"},
                     {{"email", {"account", "email"}},
                      {"account", {"account", "uuid"}},
                      {"team", {"account", "team", "name"}},
                      {"status", {"account", "status"}}});
}

LiveResult check_heroku(const Credential& credential, const ValidatorContext& context) {
  const auto response = context.send("heroku", get_request(context.url("heroku", "https://api.heroku.com", "/account"),
                                                           {{"Authorization", "Bearer " + credential.secret},
                                                            {"Accept", "application/vnd.heroku+json; version=3"}}));
  return read_answer(response, "Heroku accepted the key", {"id"}, {{"email", {"email"}}, {"account", {"id"}}});
}

// GET /v4/profile: every token may read its own user, whatever its scopes.
LiveResult check_linode(const Credential& credential, const ValidatorContext& context) {
  return read_answer(bearer_get(context, "linode", "https://api.linode.com", "/v4/profile", credential.secret),
                     "Linode accepted the key", {"username"},
                     {{"username", {"username"}}, {"email", {"email"}}, {"restricted", {"restricted"}}});
}

// GET /v2/account. A key limited to other source addresses gets 401 "Unauthorized IP address":
// that says nothing about the key itself.
LiveResult check_vultr(const Credential& credential, const ValidatorContext& context) {
  const auto response = bearer_get(context, "vultr", "https://api.vultr.com", "/v2/account", credential.secret);
  if (response.status == 401 && mentions(response.body, "ip address"))
    return LiveResult::unknown("HTTP 401: the key only works from other IP addresses", 401);
  return read_answer(response, "Vultr accepted the key", {"account", "email"},
                     {{"name", {"account", "name"}}, {"email", {"account", "email"}}, {"acls", {"account", "acls"}}});
}

// --- Cloudflare --------------------------------------------------------------------------------

/// The first 32-hex word after "account" near the token (CLOUDFLARE_ACCOUNT_ID=…), or "".
std::string cloudflare_account_in(std::string_view context) {
  for (std::size_t at = 0; at + 32 <= context.size(); ++at) {
    std::size_t n = 0;
    while (at + n < context.size() && std::isxdigit(static_cast<unsigned char>(context[at + n])) &&
           !std::isupper(static_cast<unsigned char>(context[at + n])))
      ++n;
    const bool word = n == 32 && (at == 0 || !std::isalnum(static_cast<unsigned char>(context[at - 1])));
    if (word && mentions(context.substr(at >= 40 ? at - 40 : 0, at >= 40 ? 40 : at), "account"))
      return std::string(context.substr(at, 32));
    at += n;
  }
  return {};
}

/// A token verify answer: valid when Cloudflare says "active", invalid when disabled or expired.
LiveResult read_token_status(const HttpResponse& response) {
  auto result = read_answer(response, "Cloudflare accepted the key", {"result", "status"},
                            {{"token_id", {"result", "id"}}, {"expires_on", {"result", "expires_on"}}});
  if (result.status != LiveStatus::valid) return result;
  const auto status = json_field(response.body, {"result", "status"}).value_or("");
  if (status != "active") return LiveResult::invalid("Cloudflare: token " + status, response.status);
  return result;
}

// User tokens answer /user/tokens/verify; account-owned tokens answer only under their account,
// so a 401 is asked again there when the account id stands near the token.
LiveResult check_cloudflare(const Credential& credential, const ValidatorContext& context) {
  constexpr std::string_view kBase = "https://api.cloudflare.com";
  const auto response = bearer_get(context, "cloudflare", kBase, "/client/v4/user/tokens/verify", credential.secret);
  const std::string account = cloudflare_account_in(credential.context);
  if (response.status != 401 || account.empty()) return read_token_status(response);
  auto result = read_token_status(
      bearer_get(context, "cloudflare", kBase, "/client/v4/accounts/" + account + "/tokens/verify", credential.secret));
  if (result.status == LiveStatus::valid) result.identity.insert(result.identity.begin(), {"account", account});
  return result;
}

}  // namespace

void add_observability_validators(std::vector<Validator>& out) {
  out.push_back({"datadog", {"datadog-api-key"}, check_datadog});
  out.push_back({"newrelic", {"newrelic-user-api-key"}, check_newrelic});
  out.push_back({"sentry", {"sentry-user-token", "sentry-org-token", "sentry-auth-token-legacy"}, check_sentry});
  out.push_back({"pagerduty", {"pagerduty-api-key"}, check_pagerduty});
  out.push_back({"opsgenie", {"opsgenie-api-key"}, check_opsgenie});
  out.push_back({"honeycomb", {"honeycomb-ingest-key", "honeycomb-api-key"}, check_honeycomb});
  out.push_back(
      {"digitalocean", {"digitalocean-personal-access-token", "digitalocean-oauth-token"}, check_digitalocean});
  out.push_back({"heroku", {"heroku-api-key-v2", "heroku-api-key"}, check_heroku});
  out.push_back({"linode", {"linode-api-token"}, check_linode});
  out.push_back({"vultr", {"vultr-api-key"}, check_vultr});
  out.push_back({"cloudflare", {"cloudflare-api-token"}, check_cloudflare});
}

}  // namespace sprawl::verify
