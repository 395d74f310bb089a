// Live checks for chat and email credentials: Slack tokens and incoming webhooks, Discord
// webhooks and bot tokens, Telegram bots, SendGrid, Twilio, Mailgun, Postmark, Mailchimp (and
// Mandrill) and Brevo. Each is a read-only "who am I" request; webhooks are probed so that no
// message can ever be posted (a GET for Discord, an empty payload Slack must refuse).
#include <algorithm>
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

/// A provider's error code as shown in a reason: letters, digits and '_' only, at most 48.
std::string error_code(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (out.size() == 48) break;
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') out += c;
  }
  return out;
}

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool is_token_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }

/// Whether every character of `text` passes `allowed` (and there is at least one).
bool all_of(std::string_view text, bool (*allowed)(char)) {
  if (text.empty()) return false;
  for (const char c : text)
    if (!allowed(c)) return false;
  return true;
}

// --- Slack ---------------------------------------------------------------------------------------

/// auth.test errors that mean the token no longer authenticates (others, such as
/// not_allowed_token_type or ekm_access_denied, say nothing about validity).
bool slack_token_refused(std::string_view error) {
  for (const std::string_view refused :
       {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "user_removed_from_team"})
    if (error == refused) return true;
  return false;
}

/// Slack answers HTTP 200 for errors too; `ok` and `error` in the body carry the verdict.
LiveResult validate_slack_token(const Credential& credential, const ValidatorContext& context) {
  if (credential.secret.starts_with("xoxr-"))
    return LiveResult::unknown("a Slack refresh token cannot call the API (only token rotation, not attempted)");
  const auto response = context.send("slack", post_request(context.url("slack", "https://slack.com", "/api/auth.test"),
                                                           {{"Authorization", "Bearer " + credential.secret},
                                                            {"Content-Type", "application/x-www-form-urlencoded"}}));
  if (response.status != 200) return classify_response(response);
  const auto ok = json_field(response.body, {"ok"});
  if (!ok) return LiveResult::unknown("HTTP 200 with an unexpected body", 200);
  if (*ok == "true")
    return LiveResult::valid("Slack accepted the token",
                             read_fields(response.body, {{"team", {"team"}},
                                                         {"team_id", {"team_id"}},
                                                         {"user", {"user"}},
                                                         {"user_id", {"user_id"}},
                                                         {"bot_id", {"bot_id"}},
                                                         {"url", {"url"}},
                                                         {"enterprise_id", {"enterprise_id"}}}),
                             200);
  const std::string error = error_code(json_field(response.body, {"error"}).value_or(""));
  if (slack_token_refused(error)) return LiveResult::invalid("Slack refused the token: " + error, 200);
  return LiveResult::unknown("Slack answered " + (error.empty() ? std::string("an error") : error), 200);
}

/// "/services/T…/B…/…" from a webhook URL as found (with or without its scheme), or "".
std::string slack_hook_path(std::string_view url) {
  const auto at = url.find("hooks.slack.com/services/");
  if (at == std::string_view::npos) return {};
  const std::string_view path = url.substr(at + std::string_view("hooks.slack.com").size());
  for (const char c : path)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/') return {};
  return std::string(path);
}

/// The body sent to a Slack webhook: an empty JSON object, which carries no text, blocks or
/// attachments, so Slack can only refuse it ("no_text") — after it has looked the hook up.
constexpr std::string_view kEmptySlackPayload = "{}";

/// A Slack incoming webhook exists when Slack refuses an empty payload for having no text;
/// revoked or unknown hooks are refused before that (invalid_token, no_service, no_team,
/// channel_is_archived). Nothing can be posted: the payload has nothing to post.
LiveResult validate_slack_webhook(const Credential& credential, const ValidatorContext& context) {
  const std::string path = slack_hook_path(credential.secret);
  if (path.empty()) return LiveResult::unknown("not a Slack incoming webhook URL");
  const auto response =
      context.send("slack", post_request(context.url("slack", "https://hooks.slack.com", path),
                                         {{"Content-Type", "application/json"}}, std::string(kEmptySlackPayload)));
  const int s = response.status;
  if (s == 400 && (mentions(response.body, "no_text") || mentions(response.body, "missing_text")))
    return LiveResult::valid("the webhook exists (Slack refused an empty message)", {}, s);
  for (const std::string_view gone : {"invalid_token", "no_service", "no_team", "channel_is_archived", "team_disabled"})
    if ((s == 403 || s == 404 || s == 410) && mentions(response.body, gone))
      return LiveResult::invalid("Slack refused the webhook: " + std::string(gone), s);
  if (s == 0 || s == 429 || s >= 500) return classify_response(response);
  return LiveResult::unknown("unexpected answer from the webhook (" + status_text(s) + ")", s);
}

// --- Discord -------------------------------------------------------------------------------------

/// "/api/webhooks/<id>/<token>" from a Discord webhook URL, or "" when it has no such part.
std::string discord_hook_path(std::string_view url) {
  const auto at = url.find("/webhooks/");
  if (at == std::string_view::npos) return {};
  const std::string_view rest = url.substr(at + std::string_view("/webhooks/").size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return {};
  const std::string_view id = rest.substr(0, slash), token = rest.substr(slash + 1);
  if (!all_of(id, [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }) ||
      !all_of(token, is_token_char))
    return {};
  return "/api/webhooks/" + std::string(id) + "/" + std::string(token);
}

/// A GET on a webhook URL returns the webhook (name, channel, guild) and never executes it.
LiveResult validate_discord_webhook(const Credential& credential, const ValidatorContext& context) {
  const std::string path = discord_hook_path(credential.secret);
  if (path.empty()) return LiveResult::unknown("not a Discord webhook URL");
  const auto response = context.send("discord", get_request(context.url("discord", "https://discord.com", path)));
  if (response.status == 404) return LiveResult::invalid("Discord: unknown webhook (HTTP 404)", 404);
  return read_answer(response, "Discord accepted the credential", {"id"},
                     {{"webhook_id", {"id"}},
                      {"name", {"name"}},
                      {"channel_id", {"channel_id"}},
                      {"guild_id", {"guild_id"}},
                      {"application_id", {"application_id"}}});
}

LiveResult validate_discord_bot(const Credential& credential, const ValidatorContext& context) {
  const auto response =
      context.send("discord", get_request(context.url("discord", "https://discord.com", "/api/v10/users/@me"),
                                          {{"Authorization", "Bot " + credential.secret}}));
  return read_answer(response, "Discord accepted the credential", {"id"},
                     {{"id", {"id"}}, {"username", {"username"}}, {"bot", {"bot"}}});
}

// --- Telegram ------------------------------------------------------------------------------------

/// getMe names the bot. The token is part of the URL path (the Bot API has no other place for
/// it), so no reason here ever quotes the URL.
LiveResult validate_telegram(const Credential& credential, const ValidatorContext& context) {
  const std::string& token = credential.secret;
  const auto colon = token.find(':');
  if (colon == std::string::npos ||
      !all_of(std::string_view(token).substr(0, colon),
              [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }) ||
      !all_of(std::string_view(token).substr(colon + 1), is_token_char))
    return LiveResult::unknown("not a Telegram bot token");
  const auto response = context.send(
      "telegram", get_request(context.url("telegram", "https://api.telegram.org", "/bot" + token + "/getMe")));
  if (response.status == 404) return LiveResult::invalid("Telegram: no bot has this token (HTTP 404)", 404);
  if (response.status == 200 && json_field(response.body, {"ok"}) != "true")
    return LiveResult::unknown("HTTP 200 with an unexpected body", 200);
  return read_answer(
      response, "Telegram accepted the credential", {"result", "id"},
      {{"bot_id", {"result", "id"}}, {"username", {"result", "username"}}, {"name", {"result", "first_name"}}});
}

// --- SendGrid ------------------------------------------------------------------------------------

/// `list` (comma-separated) cut to about `limit` characters at a comma, with the count kept.
std::string shorten_list(const std::string& list, std::size_t limit) {
  if (list.size() <= limit) return list;
  const auto cut = list.rfind(',', limit);
  return list.substr(0, cut == std::string::npos ? limit : cut) + ",…";
}

LiveResult validate_sendgrid(const Credential& credential, const ValidatorContext& context) {
  const auto response = context.send(
      "sendgrid",
      get_request(context.url("sendgrid", "https://api.sendgrid.com", "/v3/scopes"), bearer(credential.secret)));
  LiveResult result = read_answer(response, "SendGrid accepted the credential", {"scopes"}, {});
  if (result.status != LiveStatus::valid) return result;
  const std::string scopes = *json_field(response.body, {"scopes"});
  const auto count = scopes.empty() ? 0 : 1 + std::count(scopes.begin(), scopes.end(), ',');
  result.identity = {{"scope_count", std::to_string(count)}, {"scopes", shorten_list(scopes, 300)}};
  return result;
}

// --- Twilio --------------------------------------------------------------------------------------

/// The account SID ("AC" + 32 hex) written nearest to the auth token, or "".
std::string twilio_account_sid(const Credential& credential) {
  for (const std::string* text : {&credential.match_text, &credential.context}) {
    for (auto at = text->find("AC"); at != std::string::npos; at = text->find("AC", at + 1)) {
      const std::string_view candidate = std::string_view(*text).substr(at + 2, 32);
      const bool bounded = at + 34 >= text->size() || !std::isalnum(static_cast<unsigned char>((*text)[at + 34]));
      if (candidate.size() == 32 && all_of(candidate, is_hex) && bounded) return text->substr(at, 34);
    }
  }
  return {};
}

/// An auth token only authenticates together with its account SID, which must be written near it.
LiveResult validate_twilio_auth_token(const Credential& credential, const ValidatorContext& context) {
  const std::string sid = twilio_account_sid(credential);
  if (sid.empty()) return LiveResult::unknown("no Twilio account SID (AC…) near the auth token");
  HttpRequest request =
      get_request(context.url("twilio", "https://api.twilio.com", "/2010-04-01/Accounts/" + sid + ".json"));
  request.basic_user = sid;
  request.basic_password = credential.secret;
  const auto response = context.send("twilio", request);
  if (response.status == 401)
    return LiveResult::invalid("Twilio refused the token for account " + sid + " (HTTP 401)", 401);
  return read_answer(
      response, "Twilio accepted the credential", {"sid"},
      {{"account_sid", {"sid"}}, {"friendly_name", {"friendly_name"}}, {"status", {"status"}}, {"type", {"type"}}});
}

// --- Mailgun -------------------------------------------------------------------------------------

/// Keys work in one region only: a key refused by the US API is asked of the EU API once.
LiveResult validate_mailgun(const Credential& credential, const ValidatorContext& context) {
  const std::pair<const char*, const char*> regions[] = {{"us", "https://api.mailgun.net"},
                                                         {"eu", "https://api.eu.mailgun.net"}};
  HttpResponse response;
  for (const auto& [region, base] : regions) {
    HttpRequest request = get_request(context.url("mailgun", base, "/v3/domains?limit=1"));
    request.basic_user = "api";
    request.basic_password = credential.secret;
    response = context.send("mailgun", request);
    if (response.status != 401 && response.status != 403) {
      LiveResult result = read_answer(response, "Mailgun accepted the credential", {"total_count"},
                                      {{"domains", {"total_count"}}, {"domain", {"items", "0", "name"}}});
      if (result.status == LiveStatus::valid) result.identity.emplace_back("region", region);
      return result;
    }
  }
  return LiveResult::invalid("Mailgun refused the key in the US and EU regions (" + status_text(response.status) + ")",
                             response.status);
}

// --- Postmark ------------------------------------------------------------------------------------

/// The rule finds server tokens and account tokens alike (both are UUIDs): a token the server
/// API refuses is tried as an account token before it is called invalid.
LiveResult validate_postmark(const Credential& credential, const ValidatorContext& context) {
  const auto server = context.send(
      "postmark", get_request(context.url("postmark", "https://api.postmarkapp.com", "/server"),
                              {{"Accept", "application/json"}, {"X-Postmark-Server-Token", credential.secret}}));
  if (server.status != 401) {
    LiveResult result = read_answer(server, "Postmark accepted the credential", {"ID"},
                                    {{"server_id", {"ID"}}, {"server_name", {"Name"}}});
    if (result.status == LiveStatus::valid) result.identity.insert(result.identity.begin(), {"token_type", "server"});
    return result;
  }
  const auto account = context.send(
      "postmark", get_request(context.url("postmark", "https://api.postmarkapp.com", "/servers?count=1&offset=0"),
                              {{"Accept", "application/json"}, {"X-Postmark-Account-Token", credential.secret}}));
  if (account.status == 401)
    return LiveResult::invalid("Postmark refused the token as a server and as an account token (HTTP 401)", 401);
  LiveResult result =
      read_answer(account, "Postmark accepted the credential", {"TotalCount"}, {{"servers", {"TotalCount"}}});
  if (result.status == LiveStatus::valid) result.identity.insert(result.identity.begin(), {"token_type", "account"});
  return result;
}

// --- Mailchimp -----------------------------------------------------------------------------------

/// The data center a Mailchimp key names after its last '-' ("us6"), or "" when malformed.
std::string mailchimp_data_center(std::string_view key) {
  const auto dash = key.rfind('-');
  if (dash == std::string_view::npos) return {};
  const std::string_view dc = key.substr(dash + 1);
  if (dc.size() < 3 || dc.size() > 4 || !dc.starts_with("us") ||
      !all_of(dc.substr(2), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }))
    return {};
  return std::string(dc);
}

/// The API root names the account; the key's own suffix says which data center serves it.
LiveResult validate_mailchimp(const Credential& credential, const ValidatorContext& context) {
  const std::string dc = mailchimp_data_center(credential.secret);
  if (dc.empty()) return LiveResult::unknown("no data center suffix in the Mailchimp key");
  HttpRequest request = get_request(context.url("mailchimp", "https://" + dc + ".api.mailchimp.com", "/3.0/"));
  request.basic_user = "sprawl";  // Mailchimp ignores the user name; the key is the password
  request.basic_password = credential.secret;
  LiveResult result =
      read_answer(context.send("mailchimp", request), "Mailchimp accepted the credential", {"account_id"},
                  {{"account_id", {"account_id"}},
                   {"account_name", {"account_name"}},
                   {"login", {"username"}},
                   {"email", {"email"}}});
  if (result.status == LiveStatus::valid) result.identity.emplace_back("data_center", dc);
  return result;
}

/// Mandrill takes the key in the JSON body (its only place); users/info names the account and
/// changes nothing. An unknown key is answered with HTTP 500 and "Invalid_Key".
LiveResult validate_mandrill(const Credential& credential, const ValidatorContext& context) {
  std::string body = "{\"key\":\"";
  for (const char c : credential.secret)
    if (is_token_char(c)) body += c;  // the rule's alphabet; nothing that needs escaping
  body += "\"}";
  const auto response = context.send(
      "mailchimp", post_request(context.url("mailchimp", "https://mandrillapp.com", "/api/1.0/users/info.json"),
                                {{"Content-Type", "application/json"}}, std::move(body)));
  if (response.status == 500 && mentions(response.body, "invalid_key"))
    return LiveResult::invalid("Mandrill: Invalid_Key", 500);
  return read_answer(response, "Mandrill accepted the credential", {"username"}, {{"username", {"username"}}});
}

// --- Brevo ---------------------------------------------------------------------------------------

LiveResult validate_brevo(const Credential& credential, const ValidatorContext& context) {
  if (credential.secret.starts_with("xsmtpsib-"))
    return LiveResult::unknown("a Brevo SMTP key works only over SMTP (not checked)");
  const auto response =
      context.send("brevo", get_request(context.url("brevo", "https://api.brevo.com", "/v3/account"),
                                        {{"Accept", "application/json"}, {"api-key", credential.secret}}));
  return read_answer(response, "Brevo accepted the credential", {"email"},
                     {{"email", {"email"}}, {"company", {"companyName"}}, {"first_name", {"firstName"}}});
}

}  // namespace

// Not served: slack-workflow-webhook-url (a POST may start the workflow whatever it carries),
// slack-config-refresh-token (only rotation uses it, and rotation consumes it), Microsoft Teams
// webhooks (no check that cannot post), Twilio API keys (standard keys may not read the Accounts
// resource, so a refusal there proves nothing).
void add_messaging_validators(std::vector<Validator>& out) {
  out.push_back(
      {"slack",
       {"slack-bot-token", "slack-user-token", "slack-legacy-token", "slack-app-token", "slack-config-access-token"},
       validate_slack_token});
  out.push_back({"slack", {"slack-webhook-url"}, validate_slack_webhook});
  out.push_back({"discord", {"discord-webhook-url"}, validate_discord_webhook});
  out.push_back({"discord", {"discord-bot-token"}, validate_discord_bot});
  out.push_back({"telegram", {"telegram-bot-token", "telegram-bot-token-context"}, validate_telegram});
  out.push_back({"sendgrid", {"sendgrid-api-key"}, validate_sendgrid});
  out.push_back({"twilio", {"twilio-auth-token"}, validate_twilio_auth_token});
  out.push_back({"mailgun", {"mailgun-api-key", "mailgun-api-key-v2"}, validate_mailgun});
  out.push_back({"postmark", {"postmark-server-token"}, validate_postmark});
  out.push_back({"mailchimp", {"mailchimp-api-key"}, validate_mailchimp});
  out.push_back({"mailchimp", {"mailchimp-transactional-api-key"}, validate_mandrill});
  out.push_back({"brevo", {"brevo-api-key"}, validate_brevo});
}

}  // namespace sprawl::verify
