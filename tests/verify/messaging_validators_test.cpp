// The chat and email validators (verify_messaging.cpp) against a local server that answers as
// each provider documents: valid with identity, refused, rate limited, malformed. Also where the
// secret travels, and that webhook checks never carry a message.
#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "src/verify/validator.h"
#include "tests/support/cli_runner.h"
#include "tests/support/fake_http_server.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/findings_json.h"
#include "tests/support/temp_dir.h"
#include "tests/support/validator_harness.h"

using namespace sprawl::verify;
using namespace sprawl::test;

namespace {

std::string fake_slack_token(const char* prefix, std::uint32_t seed) {
  return std::string(prefix) + random_chars("123456789", 11, seed) + "-" + random_chars("123456789", 12, seed + 1) +
         "-" + random_chars(kBase62, 24, seed + 2);
}

std::string fake_slack_hook(std::uint32_t seed) {
  return std::string("https://hooks.slack") + ".com/services/T" +
         random_chars("ABCDEFGHJKMNPQRSTUVWXYZ0123456789", 10, seed) + "/B" +
         random_chars("ABCDEFGHJKMNPQRSTUVWXYZ0123456789", 10, seed + 1) + "/" + random_chars(kBase62, 24, seed + 2);
}

std::string fake_discord_hook(std::uint32_t seed) {
  return std::string("https://discord") + ".com/api/webhooks/" + random_chars("123456789", 18, seed) + "/" +
         random_chars(std::string(kBase62) + "_-", 68, seed + 1);
}

std::string fake_telegram_token(std::uint32_t seed) {
  return random_chars("123456789", 10, seed) + ":A" + "A" + random_chars(std::string(kBase62) + "_-", 33, seed + 1);
}

}  // namespace

// --- Slack ---------------------------------------------------------------------------------------

TEST_CASE("Slack auth.test: ok names the team and user, invalid_auth is invalid, other errors unknown",
          "[verify][messaging]") {
  const auto credential = credential_for("slack-bot-token", "slack", fake_slack_token("xoxb-", 11));
  const auto ok = run_check(credential, json_response(200, R"({"ok":true,"url":"https://acme.slack.com/","team":"Acme",
      "user":"deploy-bot","team_id":"T0AAAAAAA","user_id":"U0BBBBBBB","bot_id":"B0CCCCCCC"})"));
  CHECK(ok.result.status == LiveStatus::valid);
  CHECK(identity_of(ok.result, "team") == "Acme");
  CHECK(identity_of(ok.result, "team_id") == "T0AAAAAAA");
  CHECK(identity_of(ok.result, "user") == "deploy-bot");
  CHECK(identity_of(ok.result, "url") == "https://acme.slack.com/");
  REQUIRE(ok.requests.size() == 1);
  CHECK(ok.requests[0].method == "POST");
  CHECK(ok.requests[0].path == "/api/auth.test");
  secret_only_in_header(ok.requests, credential.secret, "authorization", "Bearer ");

  for (const char* error : {"invalid_auth", "account_inactive", "token_revoked"}) {
    const auto refused =
        run_check(credential, json_response(200, std::string(R"({"ok":false,"error":")") + error + "\"}"));
    CHECK(refused.result.status == LiveStatus::invalid);
    CHECK(refused.result.reason.find(error) != std::string::npos);
  }
  const auto odd = run_check(credential, json_response(200, R"({"ok":false,"error":"not_allowed_token_type"})"));
  CHECK(odd.result.status == LiveStatus::unknown);
  check_busy_and_malformed(credential);
}

TEST_CASE("Slack refresh tokens are not sent anywhere", "[verify][messaging]") {
  const auto credential = credential_for("slack-legacy-token", "slack", fake_slack_token("xoxr-", 12));
  const auto outcome = run_check(credential, json_response(200, R"({"ok":true})"));
  CHECK(outcome.result.status == LiveStatus::unknown);
  CHECK(outcome.requests.empty());
}

TEST_CASE("Slack webhook: an empty payload refused for no_text means the hook exists; nothing else is sent",
          "[verify][messaging]") {
  const auto credential = credential_for("slack-webhook-url", "slack", fake_slack_hook(21));
  const std::string path = credential.secret.substr(credential.secret.find("/services/"));
  const auto exists = run_check(credential, text_response(400, "no_text"));
  CHECK(exists.result.status == LiveStatus::valid);
  REQUIRE(exists.requests.size() == 1);
  CHECK(exists.requests[0].method == "POST");
  CHECK(exists.requests[0].path == path);
  CHECK(exists.requests[0].body == "{}");  // no text, blocks or attachments: nothing to post

  CHECK(run_check(credential, text_response(400, "missing_text_or_fallback_or_attachments")).result.status ==
        LiveStatus::valid);
  CHECK(run_check(credential, text_response(403, "invalid_token")).result.status == LiveStatus::invalid);
  CHECK(run_check(credential, text_response(404, "no_service")).result.status == LiveStatus::invalid);
  CHECK(run_check(credential, text_response(410, "channel_is_archived")).result.status == LiveStatus::invalid);
  CHECK(run_check(credential, text_response(200, "ok")).result.status == LiveStatus::unknown);
  const auto busy = run_check(credential, text_response(429, "rate_limited"));
  CHECK(busy.result.status == LiveStatus::unknown);
  CHECK(busy.requests.size() == 3);
  for (const auto& request : busy.requests) CHECK(request.body == "{}");
}

// --- Discord -------------------------------------------------------------------------------------

TEST_CASE("Discord webhook is read with GET, never executed", "[verify][messaging]") {
  const auto credential = credential_for("discord-webhook-url", "discord", fake_discord_hook(31));
  const std::string path = credential.secret.substr(credential.secret.find("/api/"));
  const auto found = run_check(credential, json_response(200, R"({"type":1,"id":"223344556677889900","name":"alerts",
      "channel_id":"112233445566778899","guild_id":"998877665544332211","application_id":null,"token":"x"})"));
  CHECK(found.result.status == LiveStatus::valid);
  CHECK(identity_of(found.result, "name") == "alerts");
  CHECK(identity_of(found.result, "channel_id") == "112233445566778899");
  CHECK(identity_of(found.result, "guild_id") == "998877665544332211");
  CHECK(identity_of(found.result, "token").empty());
  REQUIRE(found.requests.size() == 1);
  CHECK(found.requests[0].method == "GET");
  CHECK(found.requests[0].path == path);
  CHECK(found.requests[0].body.empty());

  CHECK(run_check(credential, json_response(404, R"({"message":"Unknown Webhook","code":10015})")).result.status ==
        LiveStatus::invalid);
  CHECK(
      run_check(credential, json_response(401, R"({"message":"Invalid Webhook Token","code":50027})")).result.status ==
      LiveStatus::invalid);
  check_busy_and_malformed(credential);
  for (const auto& request : run_check(credential, json_response(429, "{}")).requests) CHECK(request.method == "GET");
}

TEST_CASE("Discord bot token: users/@me with the Bot scheme", "[verify][messaging]") {
  const std::string token =
      "M" + random_chars(kBase62, 25, 41) + "." + random_chars(kBase62, 6, 42) + "." + random_chars(kBase62, 38, 43);
  const auto credential = credential_for("discord-bot-token", "discord", token);
  const auto me =
      run_check(credential, json_response(200, R"({"id":"80351110224678912","username":"deploy","bot":true})"));
  CHECK(me.result.status == LiveStatus::valid);
  CHECK(identity_of(me.result, "username") == "deploy");
  CHECK(identity_of(me.result, "bot") == "true");
  CHECK(me.requests[0].path == "/api/v10/users/@me");
  secret_only_in_header(me.requests, token, "authorization", "Bot ");
  CHECK(run_check(credential, json_response(401, R"({"message":"401: Unauthorized","code":0})")).result.status ==
        LiveStatus::invalid);
  check_busy_and_malformed(credential);
}

// --- Telegram ------------------------------------------------------------------------------------

TEST_CASE("Telegram getMe: the token is only in the path and never in a reason", "[verify][messaging]") {
  const auto credential = credential_for("telegram-bot-token", "telegram", fake_telegram_token(51));
  const auto me = run_check(credential, json_response(200, R"({"ok":true,"result":{"id":7000000001,"is_bot":true,
      "first_name":"Deploy","username":"acme_deploy_bot"}})"));
  CHECK(me.result.status == LiveStatus::valid);
  CHECK(identity_of(me.result, "username") == "acme_deploy_bot");
  CHECK(identity_of(me.result, "bot_id") == "7000000001");
  REQUIRE(me.requests.size() == 1);
  CHECK(me.requests[0].path == "/bot" + credential.secret + "/getMe");
  CHECK(places_holding(me.requests[0], credential.secret) == 1);

  const auto refused =
      run_check(credential, json_response(401, R"({"ok":false,"error_code":401,"description":"Unauthorized"})"));
  CHECK(refused.result.status == LiveStatus::invalid);
  CHECK(run_check(credential, json_response(404, R"({"ok":false,"error_code":404,"description":"Not Found"})"))
            .result.status == LiveStatus::invalid);
  CHECK(run_check(credential, json_response(200, R"({"ok":false})")).result.status == LiveStatus::unknown);
  check_busy_and_malformed(credential);  // run_check asserts no reason holds the token
}

TEST_CASE("Telegram with no server answering is unknown and its reason holds no URL", "[verify][messaging]") {
  const auto credential = credential_for("telegram-bot-token", "telegram", fake_telegram_token(52));
  const Validator* validator = validator_for(credential.rule_id);
  REQUIRE(validator != nullptr);
  HttpOptions options;
  options.timeout = std::chrono::milliseconds(500);
  options.retries = 0;
  HttpClient client(options);
  const Endpoints endpoints({{"telegram", "http://127.0.0.1:9"}});  // discard port: nothing listens
  const LiveResult result = validator->validate(credential, {client, endpoints, options.timeout, 0});
  CHECK(result.status == LiveStatus::unknown);
  CHECK(result.reason.find(credential.secret) == std::string::npos);
  CHECK(result.reason.find("/bot") == std::string::npos);
}

// --- Email providers -----------------------------------------------------------------------------

TEST_CASE("SendGrid scopes are the identity", "[verify][messaging]") {
  const std::string key = "SG." + random_chars(kBase62, 22, 61) + "." + random_chars(kBase62, 43, 62);
  const auto credential = credential_for("sendgrid-api-key", "sendgrid", key);
  const auto ok = run_check(credential, json_response(200, R"({"scopes":["mail.send","user.profile.read"]})"));
  CHECK(ok.result.status == LiveStatus::valid);
  CHECK(identity_of(ok.result, "scopes") == "mail.send,user.profile.read");
  CHECK(identity_of(ok.result, "scope_count") == "2");
  CHECK(ok.requests[0].path == "/v3/scopes");
  secret_only_in_header(ok.requests, key, "authorization", "Bearer ");
  CHECK(run_check(credential, json_response(401, R"({"errors":[{"field":null,"message":"authorization required"}]})"))
            .result.status == LiveStatus::invalid);
  check_busy_and_malformed(credential);
}

TEST_CASE("Twilio auth token is checked with the account SID written near it", "[verify][messaging]") {
  const std::string sid = "AC" + random_chars(kHexLower, 32, 71);
  const std::string token = random_chars(kHexLower, 32, 72);
  const auto credential =
      credential_for("twilio-auth-token", "twilio", token, "account_sid: " + sid + "\nauth_token: \"" + token + "\"\n");
  const auto ok = run_check(
      credential,
      json_response(200, R"({"sid":")" + sid + R"(","friendly_name":"Acme prod","status":"active","type":"Full"})"));
  CHECK(ok.result.status == LiveStatus::valid);
  CHECK(identity_of(ok.result, "account_sid") == sid);
  CHECK(identity_of(ok.result, "friendly_name") == "Acme prod");
  CHECK(identity_of(ok.result, "status") == "active");
  REQUIRE(ok.requests.size() == 1);
  CHECK(ok.requests[0].path == "/2010-04-01/Accounts/" + sid + ".json");
  CHECK(ok.requests[0].header("authorization").starts_with("Basic "));
  CHECK(places_holding(ok.requests[0], token) == 0);  // only inside the Basic credentials

  CHECK(run_check(credential, json_response(401, R"({"code":20003,"message":"Authenticate","status":401})"))
            .result.status == LiveStatus::invalid);
  check_busy_and_malformed(credential);
  const auto alone = run_check(credential_for("twilio-auth-token", "twilio", token), json_response(200, "{}"));
  CHECK(alone.result.status == LiveStatus::unknown);
  CHECK(alone.requests.empty());
}

TEST_CASE("Mailgun asks the EU region once when the US region refuses the key", "[verify][messaging]") {
  const std::string key = "key-" + random_chars(kHexLower, 32, 81);
  const auto credential = credential_for("mailgun-api-key", "mailgun", key);
  const auto us = run_check(credential, json_response(200, R"({"total_count":3,"items":[{"name":"mg.acme.io"}]})"));
  CHECK(us.result.status == LiveStatus::valid);
  CHECK(identity_of(us.result, "domain") == "mg.acme.io");
  CHECK(identity_of(us.result, "domains") == "3");
  CHECK(identity_of(us.result, "region") == "us");
  REQUIRE(us.requests.size() == 1);
  CHECK(us.requests[0].target == "/v3/domains?limit=1");
  CHECK(places_holding(us.requests[0], key) == 0);  // only inside the Basic credentials

  int calls = 0;
  const auto eu = run_check(credential, [&calls](const FakeRequest&) {
    return ++calls == 1 ? text_response(401, "Forbidden")
                        : json_response(200, R"({"total_count":1,"items":[{"name":"mg.acme.eu"}]})");
  });
  CHECK(eu.result.status == LiveStatus::valid);
  CHECK(identity_of(eu.result, "region") == "eu");
  CHECK(eu.requests.size() == 2);

  const auto refused = run_check(credential, text_response(401, "Forbidden"));
  CHECK(refused.result.status == LiveStatus::invalid);
  CHECK(refused.requests.size() == 2);
  check_busy_and_malformed(credential);
}

TEST_CASE("Postmark tries a refused server token as an account token", "[verify][messaging]") {
  const std::string token = random_chars(kHexLower, 8, 91) + "-" + random_chars(kHexLower, 4, 92) + "-" +
                            random_chars(kHexLower, 4, 93) + "-" + random_chars(kHexLower, 4, 94) + "-" +
                            random_chars(kHexLower, 12, 95);
  const auto credential = credential_for("postmark-server-token", "postmark", token);
  const auto server = run_check(credential, json_response(200, R"({"ID":42,"Name":"Transactional"})"));
  CHECK(server.result.status == LiveStatus::valid);
  CHECK(identity_of(server.result, "server_name") == "Transactional");
  CHECK(identity_of(server.result, "token_type") == "server");
  secret_only_in_header(server.requests, token, "x-postmark-server-token");

  const auto account = run_check(credential, [](const FakeRequest& r) {
    return r.path == "/server" ? json_response(401, R"({"ErrorCode":10,"Message":"No token"})")
                               : json_response(200, R"({"TotalCount":4,"Servers":[]})");
  });
  CHECK(account.result.status == LiveStatus::valid);
  CHECK(identity_of(account.result, "token_type") == "account");
  REQUIRE(account.requests.size() == 2);
  CHECK(account.requests[1].header("x-postmark-account-token") == token);
  CHECK(account.requests[1].header("x-postmark-server-token").empty());

  const auto refused = run_check(credential, json_response(401, R"({"ErrorCode":10,"Message":"No token"})"));
  CHECK(refused.result.status == LiveStatus::invalid);
  check_busy_and_malformed(credential);
}

TEST_CASE("Mailchimp key: the API root names the account; the data center comes from the key", "[verify][messaging]") {
  const std::string key = random_chars(kHexLower, 32, 101) + "-us14";
  const auto credential = credential_for("mailchimp-api-key", "mailchimp", key);
  const auto ok = run_check(credential, json_response(200, R"({"account_id":"8d3a3db4d97663a9074efcc16",
      "account_name":"Acme","username":"acme-marketing","email":"ops@acme.example"})"));
  CHECK(ok.result.status == LiveStatus::valid);
  CHECK(identity_of(ok.result, "account_name") == "Acme");
  CHECK(identity_of(ok.result, "data_center") == "us14");
  CHECK(ok.requests[0].path == "/3.0/");
  CHECK(places_holding(ok.requests[0], key) == 0);  // only inside the Basic credentials
  CHECK(run_check(credential, json_response(401, R"({"title":"API Key Invalid","status":401})")).result.status ==
        LiveStatus::invalid);
  check_busy_and_malformed(credential);
}

TEST_CASE("Mandrill key goes in the JSON body of users/info", "[verify][messaging]") {
  const std::string key = random_chars(std::string(kBase62) + "_-", 22, 111);
  const auto credential = credential_for("mailchimp-transactional-api-key", "mailchimp", key);
  const auto ok = run_check(credential, json_response(200, R"({"username":"acme-transactional","reputation":80})"));
  CHECK(ok.result.status == LiveStatus::valid);
  CHECK(identity_of(ok.result, "username") == "acme-transactional");
  REQUIRE(ok.requests.size() == 1);
  CHECK(ok.requests[0].path == "/api/1.0/users/info.json");
  CHECK(ok.requests[0].body == R"({"key":")" + key + "\"}");
  CHECK(places_holding(ok.requests[0], key) == 1);
  CHECK(
      run_check(credential, json_response(500, R"({"status":"error","code":-1,"name":"Invalid_Key"})")).result.status ==
      LiveStatus::invalid);
  check_busy_and_malformed(credential);
}

TEST_CASE("Brevo account names the owner; SMTP keys are not sent", "[verify][messaging]") {
  const std::string key = "xkeysib-" + random_chars(kHexLower, 64, 121) + "-" + random_chars(kBase62, 16, 122);
  const auto credential = credential_for("brevo-api-key", "brevo", key);
  const auto ok = run_check(credential, json_response(200, R"({"email":"ops@acme.example","companyName":"Acme"})"));
  CHECK(ok.result.status == LiveStatus::valid);
  CHECK(identity_of(ok.result, "email") == "ops@acme.example");
  CHECK(identity_of(ok.result, "company") == "Acme");
  CHECK(ok.requests[0].path == "/v3/account");
  secret_only_in_header(ok.requests, key, "api-key");
  CHECK(
      run_check(credential, json_response(401, R"({"code":"unauthorized","message":"Key not found"})")).result.status ==
      LiveStatus::invalid);
  check_busy_and_malformed(credential);

  const std::string smtp = "xsmtpsib-" + random_chars(kHexLower, 64, 123) + "-" + random_chars(kBase62, 16, 124);
  const auto skipped = run_check(credential_for("brevo-api-key", "brevo", smtp), json_response(200, "{}"));
  CHECK(skipped.result.status == LiveStatus::unknown);
  CHECK(skipped.requests.empty());
}

// --- End to end ----------------------------------------------------------------------------------

TEST_CASE("scan --validate checks a Slack token and a Slack webhook without posting anything",
          "[verify][messaging][cli][validate]") {
  const std::string token = sprawl::test::fake_slack_bot_token(921);
  const std::string hook = fake_slack_hook(922);
  FakeHttpServer slack([token](const FakeRequest& r) {
    if (r.path == "/api/auth.test")
      return r.header("authorization") == "Bearer " + token
                 ? json_response(200, R"({"ok":true,"team":"Acme","team_id":"T0AAAAAAA","user":"deploy-bot"})")
                 : json_response(200, R"({"ok":false,"error":"invalid_auth"})");
    if (r.path.starts_with("/services/")) return text_response(r.body == "{}" ? 400 : 500, "no_text");
    return text_response(404, "not found");
  });
  sprawl::test::TempDir dir;
  dir.write("bot/.env", "SLACK_BOT_TOKEN=" + token + "\nSLACK_WEBHOOK=" + hook + "\n");
  const auto scan = scan_validating(dir.path(), {{"SPRAWL_ENDPOINT_SLACK", slack.base_url()}});
  const auto bot = sprawl::test::with_secret(scan, token), webhook = sprawl::test::with_secret(scan, hook);
  REQUIRE(bot.size() == 1);
  REQUIRE(webhook.size() == 1);
  CHECK(bot[0].validity_status == "valid");
  CHECK(bot[0].identity_of("team") == "Acme");
  CHECK(bot[0].identity_of("user") == "deploy-bot");
  CHECK(webhook[0].validity_status == "valid");
  const auto requests = slack.requests();
  REQUIRE(requests.size() == 2);
  for (const auto& request : requests)
    if (request.path.starts_with("/services/")) CHECK(request.body == "{}");  // never a message
}
