// Live checks of monitoring and infrastructure credentials (Datadog, New Relic, Sentry, PagerDuty,
// Opsgenie, Honeycomb, DigitalOcean, Heroku, Linode, Vultr, Cloudflare) against a fake server that
// answers as each provider documents; and that the secret travels only where the provider wants it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "src/rules/builtin_rules.h"
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

// --- fake credentials, built at run time ----------------------------------------------------------

std::string hex(std::size_t n, std::uint32_t seed) { return random_chars(kHexLower, n, seed); }
std::string uuid(std::uint32_t seed) {
  const auto h = hex(32, seed);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}
std::string newrelic_key(std::uint32_t seed) {
  return std::string("NR") + "AK-" + random_chars(kUpperDigits, 27, seed);
}
std::string sentry_user_token(std::uint32_t seed) { return std::string("sntr") + "yu_" + hex(64, seed); }
std::string base64(const std::string& in) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (const unsigned char c : in) {
    bits = bits << 8 | c;
    count += 8;
    while (count >= 6) out += table[(bits >> (count -= 6)) & 63];
  }
  if (count > 0) out += table[(bits << (6 - count)) & 63];
  while (out.size() % 4 != 0) out += '=';
  return out;
}
/// An org token: its payload names the Sentry at `url` and the org.
std::string sentry_org_token(const std::string& url, std::uint32_t seed) {
  const std::string payload =
      R"({"iat":1720212781.3,"url":")" + url + R"(","region_url":")" + url + R"(","org":"acme"})";
  std::string encoded = base64(payload);
  while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
  return std::string("sntr") + "ys_" + encoded + "_" + random_chars(kBase62, 43, seed);
}
std::string digitalocean_token(std::uint32_t seed) { return std::string("dop") + "_v1_" + hex(64, seed); }
std::string heroku_key(std::uint32_t seed) { return std::string("HR") + "KU-" + random_chars(kBase62, 60, seed); }
std::string honeycomb_key(std::uint32_t seed) {
  return std::string("hca") + "ik_" + random_chars("abcdefghijklmnopqrstuvwxyz0123456789", 58, seed);
}

}  // namespace

TEST_CASE("Datadog API key: valid on its site, rejected, rate limited, malformed", "[verify][observability]") {
  const auto key = hex(32, 31);
  Scenario s{"datadog-api-key",
             credential_for("datadog-api-key", "datadog", key, "datadog:\n  site: datadoghq.eu\n  apiKey: " + key),
             "GET",
             "/api/v1/validate",
             "dd-api-key",
             key,
             json_response(200, R"({"valid":true})"),
             json_response(403, R"({"errors":["Forbidden"]})")};
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "site") == "datadoghq.eu");
  expect_documented_answers(s);
  s.credential.context = "DD_API_KEY=" + key;
  CHECK(identity_of(expect_accepted(s), "site") == "datadoghq.com");
}

TEST_CASE("New Relic user key: a read-only NerdGraph query names the user", "[verify][observability]") {
  const auto key = newrelic_key(32);
  Scenario s{
      "newrelic-user-api-key",
      credential_for("newrelic-user-api-key", "newrelic", key),
      "POST",
      "/graphql",
      "api-key",
      key,
      json_response(200, R"({"data":{"actor":{"user":{"id":1234567,"name":"Ada Ops","email":"ada@acme.example"}}}})"),
      json_response(401, R"({"errors":[{"message":"Invalid API key"}]})")};
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "email") == "ada@acme.example");
  CHECK(identity_of(result, "user_id") == "1234567");
  FakeHttpServer server([&](const FakeRequest&) { return s.accepted; });
  run_check(s.rule, s.credential, server);
  const auto body = server.requests().at(0).body;
  CHECK(body.find("actor") != std::string::npos);
  CHECK(body.find("mutation") == std::string::npos);
  expect_documented_answers(s);
}

TEST_CASE("Sentry user token: scopes and user, rejected, rate limited, malformed", "[verify][observability]") {
  const auto s = bearer_scenario(
      "sentry-user-token", "sentry", sentry_user_token(33), "/api/0/",
      json_response(
          200,
          R"({"version":"0","auth":{"scopes":["org:read","project:read"]},"user":{"username":"ada","email":"ada@acme.example"}})"),
      json_response(401, R"({"detail":"Invalid token"})"));
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "scopes") == "org:read,project:read");
  CHECK(identity_of(result, "user") == "ada");
  expect_documented_answers(s);
  // Without a token Sentry answers 200 with "auth": null: not a proof of anything.
  FakeHttpServer server(
      [](const FakeRequest&) { return json_response(200, R"({"version":"0","auth":null,"user":null})"); });
  CHECK(run_check(s.rule, s.credential, server).status == LiveStatus::unknown);
}

TEST_CASE("Sentry org token names its org; a self-hosted one is not sent to sentry.io", "[verify][observability]") {
  const auto token = sentry_org_token("https://sentry.io", 34);
  const auto s = bearer_scenario("sentry-org-token", "sentry", token, "/api/0/",
                                 json_response(200, R"({"version":"0","auth":{"scopes":["org:ci"]},"user":null})"),
                                 json_response(401, R"({"detail":"Invalid token"})"));
  CHECK(identity_of(expect_accepted(s), "org") == "acme");

  FakeHttpServer server([&](const FakeRequest&) { return s.accepted; });
  const auto self_hosted = sentry_org_token("https://sentry.acme.internal", 35);
  const auto result = run_check("sentry-org-token", credential_for("sentry-org-token", "sentry", self_hosted), server);
  CHECK(result.status == LiveStatus::unknown);
  const auto legacy = hex(64, 36);
  const auto near_own = credential_for("sentry-auth-token-legacy", "sentry", legacy,
                                       "SENTRY_URL=https://sentry.acme.internal/\nSENTRY_AUTH_TOKEN=" + legacy);
  CHECK(run_check("sentry-auth-token-legacy", near_own, server).status == LiveStatus::unknown);
  CHECK(server.requests().empty());
}

TEST_CASE("PagerDuty REST key: abilities; a routing key is not checked", "[verify][observability]") {
  const auto key = random_chars(kBase62, 20, 37);
  Scenario s{"pagerduty-api-key",
             credential_for("pagerduty-api-key", "pagerduty", key),
             "GET",
             "/abilities",
             "authorization",
             "Token token=" + key,
             json_response(200, R"({"abilities":["teams","read_only_users"]})"),
             json_response(401, R"({"error":{"message":"Authentication failed","code":2006}})")};
  CHECK(identity_of(expect_accepted(s), "abilities") == "teams,read_only_users");
  expect_documented_answers(s);
  FakeHttpServer server([&](const FakeRequest&) { return s.accepted; });
  const auto routing = credential_for("pagerduty-api-key", "pagerduty", random_chars(kBase62, 32, 38));
  CHECK(run_check("pagerduty-api-key", routing, server).status == LiveStatus::unknown);
  CHECK(server.requests().empty());
}

TEST_CASE("Opsgenie key: the account; 403 is a key without configuration access", "[verify][observability]") {
  const auto key = uuid(39);
  Scenario s{"opsgenie-api-key",
             credential_for("opsgenie-api-key", "opsgenie", key),
             "GET",
             "/v2/account",
             "authorization",
             "GenieKey " + key,
             json_response(200, R"({"data":{"name":"acme","userCount":12,"plan":{"name":"Enterprise"}},"took":0.01})"),
             json_response(401, R"({"message":"Could not authenticate","took":0.0})")};
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "account") == "acme");
  CHECK(identity_of(result, "plan") == "Enterprise");
  expect_documented_answers(s);
  FakeHttpServer server([](const FakeRequest&) { return json_response(403, R"({"message":"Forbidden"})"); });
  CHECK(run_check(s.rule, s.credential, server).status == LiveStatus::valid);
}

TEST_CASE("Honeycomb key: team, environment and access", "[verify][observability]") {
  const auto key = honeycomb_key(40);
  Scenario s{
      "honeycomb-ingest-key",
      credential_for("honeycomb-ingest-key", "honeycomb", key),
      "GET",
      "/1/auth",
      "x-honeycomb-team",
      key,
      json_response(
          200,
          R"({"id":"hcxik_01","type":"ingest","api_key_access":{"events":true,"markers":false,"createDatasets":true},
               "environment":{"name":"Production","slug":"production"},"team":{"name":"Acme","slug":"acme"}})"),
      json_response(401, R"({"error":"unknown API key - check your credentials"})")};
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "team") == "acme");
  CHECK(identity_of(result, "environment") == "production");
  CHECK(identity_of(result, "access") == "events,createDatasets");
  expect_documented_answers(s);
}

TEST_CASE("DigitalOcean token: the account; 403 is a token without account:read", "[verify][observability]") {
  const auto s = bearer_scenario(
      "digitalocean-personal-access-token", "digitalocean", digitalocean_token(41), "/v2/account",
      json_response(
          200,
          R"({"account":{"email":"ops@acme.example","uuid":"b6fr89dbf6d9156cace5f3c78dc9851d957381ef","status":"active","team":{"name":"Acme"}}})"),
      json_response(401, R"({"id":"Unauthorized","message":"Unable to authenticate you."})"));
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "email") == "ops@acme.example");
  CHECK(identity_of(result, "team") == "Acme");
  expect_documented_answers(s);
  FakeHttpServer server([](const FakeRequest&) { return json_response(403, R"({"id":"forbidden"})"); });
  CHECK(run_check(s.rule, s.credential, server).status == LiveStatus::valid);
}

TEST_CASE("Heroku key: the account, with the v3 Accept header", "[verify][observability]") {
  const auto s =
      bearer_scenario("heroku-api-key-v2", "heroku", heroku_key(42), "/account",
                      json_response(200, R"({"email":"dev@acme.example","id":"01234567-89ab-cdef-0123-456789abcdef"})"),
                      json_response(401, R"({"id":"unauthorized","message":"Invalid credentials provided."})"));
  CHECK(identity_of(expect_accepted(s), "email") == "dev@acme.example");
  FakeHttpServer server([&](const FakeRequest&) { return s.accepted; });
  run_check(s.rule, s.credential, server);
  CHECK(server.requests().at(0).header("accept") == "application/vnd.heroku+json; version=3");
  expect_documented_answers(s);
}

TEST_CASE("Linode token: the profile, rejected, rate limited, malformed", "[verify][observability]") {
  const auto s =
      bearer_scenario("linode-api-token", "linode", hex(64, 43), "/v4/profile",
                      json_response(200, R"({"username":"acme-ops","email":"ops@acme.example","restricted":false})"),
                      json_response(401, R"({"errors":[{"reason":"Invalid Token"}]})"));
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "username") == "acme-ops");
  CHECK(identity_of(result, "restricted") == "false");
  expect_documented_answers(s);
}

TEST_CASE("Vultr key: the account; a key bound to other IPs is unknown", "[verify][observability]") {
  const auto s = bearer_scenario(
      "vultr-api-key", "vultr", random_chars(kUpperDigits, 36, 44), "/v2/account",
      json_response(200, R"({"account":{"name":"Acme","email":"ops@acme.example","acls":["manage_users","billing"]}})"),
      json_response(401, R"({"error":"Invalid API token.","status":401})"));
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "acls") == "manage_users,billing");
  expect_documented_answers(s);
  FakeHttpServer server([](const FakeRequest&) {
    return json_response(401, R"({"error":"Unauthorized IP address: 203.0.113.9","status":401})");
  });
  CHECK(run_check(s.rule, s.credential, server).status == LiveStatus::unknown);
}

TEST_CASE("Cloudflare token: active, disabled, rejected, rate limited, malformed", "[verify][observability]") {
  const auto s = bearer_scenario(
      "cloudflare-api-token", "cloudflare", random_chars(kBase62, 40, 45), "/client/v4/user/tokens/verify",
      json_response(200, R"({"result":{"id":"ed17574386854bf78a67040be0a770b0","status":"active"},"success":true})"),
      json_response(401, R"({"success":false,"errors":[{"code":1000,"message":"Invalid API Token"}]})"));
  CHECK(identity_of(expect_accepted(s), "token_id") == "ed17574386854bf78a67040be0a770b0");
  expect_documented_answers(s);
  FakeHttpServer disabled([](const FakeRequest&) {
    return json_response(200, R"({"result":{"id":"x","status":"disabled"},"success":true})");
  });
  CHECK(run_check(s.rule, s.credential, disabled).status == LiveStatus::invalid);
}

TEST_CASE("Cloudflare account-owned token is verified under the account named near it", "[verify][observability]") {
  const auto token = random_chars(kBase62, 40, 46);
  const auto account = hex(32, 47);
  FakeHttpServer server([&](const FakeRequest& request) {
    if (request.path == "/client/v4/accounts/" + account + "/tokens/verify")
      return json_response(200, R"({"result":{"id":"abc","status":"active"},"success":true})");
    return json_response(401, R"({"success":false,"errors":[{"code":1000,"message":"Invalid API Token"}]})");
  });
  const auto credential = credential_for("cloudflare-api-token", "cloudflare", token,
                                         "CLOUDFLARE_ACCOUNT_ID=" + account + "\nCLOUDFLARE_API_TOKEN=" + token);
  const auto result = run_check("cloudflare-api-token", credential, server);
  CHECK(result.status == LiveStatus::valid);
  CHECK(identity_of(result, "account") == account);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  for (const auto& request : requests) require_secret_only_in(request, token, "authorization", "Bearer " + token);
}

TEST_CASE("Observability validators serve only checkable rules", "[verify][observability]") {
  for (const char* rule :
       {"datadog-api-key", "newrelic-user-api-key", "sentry-user-token", "sentry-org-token", "sentry-auth-token-legacy",
        "pagerduty-api-key", "opsgenie-api-key", "honeycomb-ingest-key", "honeycomb-api-key",
        "digitalocean-personal-access-token", "digitalocean-oauth-token", "heroku-api-key-v2", "heroku-api-key",
        "linode-api-token", "vultr-api-key", "cloudflare-api-token"})
    CHECK(validator_for(rule) != nullptr);
  check_served_rules({"datadog", "newrelic", "sentry", "pagerduty", "opsgenie", "honeycomb", "digitalocean", "heroku",
                      "linode", "vultr", "cloudflare"},
                     {"datadog-app-key", "newrelic-license-key", "sentry-dsn", "digitalocean-refresh-token",
                      "cloudflare-global-api-key", "grafana-cloud-token"});
}

TEST_CASE("scan --validate checks Datadog and DigitalOcean credentials against their stand-ins",
          "[cli][validate][verify][observability]") {
  const auto dd = hex(32, 91), revoked = digitalocean_token(92);
  FakeHttpServer datadog([&](const FakeRequest& r) {
    if (r.path == "/api/v1/validate" && r.header("dd-api-key") == dd) return json_response(200, R"({"valid":true})");
    return json_response(403, R"({"errors":["Forbidden"]})");
  });
  FakeHttpServer digitalocean([](const FakeRequest&) {
    return json_response(401, R"({"id":"Unauthorized","message":"Unable to authenticate you."})");
  });
  sprawl::test::TempDir dir;
  dir.write("deploy/datadog.yaml", "datadog:\n  site: datadoghq.eu\n  apiKey: " + dd + "\n");
  dir.write("infra/.env", "DIGITALOCEAN_TOKEN=" + revoked + "\n");
  const auto scan = scan_validating(dir.path(), {{"SPRAWL_ENDPOINT_DATADOG", datadog.base_url()},
                                                 {"SPRAWL_ENDPOINT_DIGITALOCEAN", digitalocean.base_url()}});
  const auto valid = sprawl::test::with_secret(scan, dd), invalid = sprawl::test::with_secret(scan, revoked);
  REQUIRE(valid.size() == 1);
  REQUIRE(invalid.size() == 1);
  CHECK(valid[0].validity_status == "valid");
  CHECK(valid[0].validity_method == "live");
  CHECK(valid[0].identity_of("site") == "datadoghq.eu");
  CHECK(invalid[0].validity_status == "invalid");
  CHECK(datadog.requests().size() == 1);
  CHECK(digitalocean.requests().size() == 1);
}
