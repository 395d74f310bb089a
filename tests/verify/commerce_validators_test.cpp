// Live checks of payment and commerce credentials (Stripe, Shopify, Square, Razorpay, GoCardless,
// Flutterwave) against a fake server that answers as each provider documents: accepted, rejected,
// rate limited and malformed; and that the secret travels only where the provider wants it.
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

std::string stripe_key(const std::string& kind, std::uint32_t seed) {
  return kind + "_" + "live_" + random_chars(kBase62, 32, seed);
}
std::string shopify_token(std::uint32_t seed) { return std::string("shp") + "at_" + random_chars(kHexLower, 32, seed); }
std::string square_token(std::uint32_t seed) { return std::string("EA") + "AA" + random_chars(kBase62, 60, seed); }
std::string razorpay_key_id(std::uint32_t seed) {
  return std::string("rzp") + "_live_" + random_chars(kBase62, 14, seed);
}
std::string gocardless_token(std::uint32_t seed) { return std::string("li") + "ve_" + random_chars(kBase62, 40, seed); }
std::string flutterwave_key(std::uint32_t seed) {
  return std::string("FLW") + "SECK-" + random_chars(kHexLower, 32, seed) + "-X";
}

std::string base64(const std::string& in) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    for (int k = 18; k >= 0; k -= 6) out += table[(v >> k) & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = (unsigned char)in[i] << 16;
    out += std::string{table[(v >> 18) & 63], table[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += std::string{table[(v >> 18) & 63], table[(v >> 12) & 63], table[(v >> 6) & 63], '='};
  }
  return out;
}

// --- scenarios --------------------------------------------------------------------------------------

Scenario stripe_scenario() {
  const auto key = stripe_key("sk", 11);
  return {"stripe-secret-key",
          credential_for("stripe-secret-key", "stripe", key),
          "GET",
          "/v1/account",
          "authorization",
          "Bearer " + key,
          json_response(200, R"({"id":"acct_1Nv0FGQ9RKHgCVdK","object":"account","email":"billing@acme.example",
            "business_profile":{"name":"Acme Goods"},"country":"US","settings":{"dashboard":{"display_name":"Acme"}}})"),
          json_response(
              401, R"({"error":{"message":"Invalid API Key provided: sk_live_****","type":"invalid_request_error"}})")};
}

Scenario shopify_scenario() {
  const auto token = shopify_token(12);
  return {"shopify-access-token",
          credential_for("shopify-access-token", "shopify", token,
                         "SHOPIFY_STORE=acme-goods.myshopify.com\nSHOPIFY_ACCESS_TOKEN=" + token),
          "GET",
          "/admin/api/2024-01/shop.json",
          "x-shopify-access-token",
          token,
          {},
          json_response(401,
                        R"({"errors":"[API] Invalid API key or access token: unrecognized login or wrong password"})")};
}

Scenario square_scenario() {
  const auto token = square_token(13);
  return {
      "square-access-token",
      credential_for("square-access-token", "square", token),
      "GET",
      "/v2/merchants/me",
      "authorization",
      "Bearer " + token,
      json_response(
          200, R"({"merchant":{"id":"MLEFBHHSJGVHD","business_name":"Acme Cafe","country":"US","status":"ACTIVE"}})"),
      json_response(
          401,
          R"({"errors":[{"category":"AUTHENTICATION_ERROR","code":"UNAUTHORIZED","detail":"This request could not be authorized."}]})")};
}

Scenario razorpay_scenario() {
  const auto key_id = razorpay_key_id(14);
  const auto secret = random_chars(kBase62, 24, 15);
  return {"razorpay-key-secret",
          credential_for("razorpay-key-secret", "razorpay", secret,
                         "RAZORPAY_KEY_ID=" + key_id + "\nRAZORPAY_KEY_SECRET=" + secret),
          "GET",
          "/v1/payments?count=1",
          "authorization",
          "Basic " + base64(key_id + ":" + secret),
          json_response(200, R"({"entity":"collection","count":0,"items":[]})"),
          json_response(401, R"({"error":{"code":"BAD_REQUEST_ERROR","description":"Authentication failed"}})")};
}

Scenario gocardless_scenario() {
  const auto token = gocardless_token(16);
  return {
      "gocardless-access-token",
      credential_for("gocardless-access-token", "gocardless", token),
      "GET",
      "/creditors?limit=1",
      "authorization",
      "Bearer " + token,
      json_response(200, R"({"creditors":[{"id":"CR000123","name":"Acme Subscriptions"}],
            "meta":{"cursors":{"before":null,"after":null},"limit":1}})"),
      json_response(401, R"({"error":{"message":"Access token not found","type":"invalid_api_usage","code":401}})")};
}

Scenario flutterwave_scenario() {
  const auto key = flutterwave_key(17);
  return {
      "flutterwave-secret-key",
      credential_for("flutterwave-secret-key", "flutterwave", key),
      "GET",
      "/v3/balances",
      "authorization",
      "Bearer " + key,
      json_response(
          200,
          R"({"status":"success","message":"Wallet balances fetched","data":[{"currency":"NGN","available_balance":0}]})"),
      json_response(401, R"({"status":"error","message":"Invalid authorization key","data":null})")};
}

FakeResponse shopify_answer(const FakeRequest& request) {
  if (request.path == "/admin/oauth/access_scopes.json")
    return json_response(200, R"({"access_scopes":[{"handle":"read_products"},{"handle":"read_orders"}]})");
  return json_response(200, R"({"shop":{"id":548380009,"name":"Acme Goods","email":"owner@acme.example",
    "domain":"shop.acme.example","myshopify_domain":"acme-goods.myshopify.com","plan_name":"basic"}})");
}

}  // namespace

TEST_CASE("Stripe key: the account it opens, rejected, rate limited, malformed", "[verify][commerce]") {
  const auto s = stripe_scenario();
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "account") == "acct_1Nv0FGQ9RKHgCVdK");
  CHECK(identity_of(result, "email") == "billing@acme.example");
  CHECK(identity_of(result, "business_name") == "Acme Goods");
  CHECK(identity_of(result, "livemode") == "true");
  expect_documented_answers(s);
}

TEST_CASE("Stripe restricted key denied the account read is valid: Stripe authenticated it", "[verify][commerce]") {
  const auto key = stripe_key("rk", 21);
  FakeHttpServer server([](const FakeRequest&) {
    return json_response(
        403,
        R"({"error":{"message":"The provided key 'rk_live_****' does not have the required permissions for this endpoint on account 'acct_1Abc23XyZ'.","type":"invalid_request_error"}})");
  });
  const auto result =
      run_check("stripe-restricted-key", credential_for("stripe-restricted-key", "stripe", key), server);
  CHECK(result.status == LiveStatus::valid);
  CHECK(result.http_status == 403);
  CHECK(identity_of(result, "account") == "acct_1Abc23XyZ");
}

TEST_CASE("Stripe 403 without a permission error is rejected", "[verify][commerce]") {
  FakeHttpServer server(
      [](const FakeRequest&) { return json_response(403, R"({"error":{"type":"invalid_request_error"}})"); });
  const auto result =
      run_check("stripe-secret-key", credential_for("stripe-secret-key", "stripe", stripe_key("sk", 22)), server);
  CHECK(result.status == LiveStatus::invalid);
}

TEST_CASE("Shopify token: the shop and scopes, rejected, rate limited, malformed", "[verify][commerce]") {
  auto s = shopify_scenario();
  FakeHttpServer server(shopify_answer);
  const auto result = run_check(s.rule, s.credential, server);
  CHECK(result.status == LiveStatus::valid);
  CHECK(identity_of(result, "shop") == "acme-goods.myshopify.com");
  CHECK(identity_of(result, "name") == "Acme Goods");
  CHECK(identity_of(result, "scopes") == "read_products,read_orders");
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].target == "/admin/api/2024-01/shop.json");
  CHECK(requests[1].target == "/admin/oauth/access_scopes.json");
  for (const auto& request : requests)
    require_secret_only_in(request, s.credential.secret, s.auth_header, s.auth_value);
  expect_documented_answers(s);
}

TEST_CASE("Shopify token with no shop domain nearby is unknown and nothing is sent", "[verify][commerce]") {
  const auto token = shopify_token(23);
  FakeHttpServer server(shopify_answer);
  const auto result =
      run_check("shopify-access-token",
                credential_for("shopify-access-token", "shopify", token, "SHOPIFY_TOKEN=" + token), server);
  CHECK(result.status == LiveStatus::unknown);
  CHECK(server.requests().empty());
}

TEST_CASE("Square token: the merchant, rejected, rate limited, malformed", "[verify][commerce]") {
  const auto s = square_scenario();
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "merchant") == "MLEFBHHSJGVHD");
  CHECK(identity_of(result, "business_name") == "Acme Cafe");
  CHECK(identity_of(result, "environment") == "production");
  expect_documented_answers(s);
}

TEST_CASE("Square OAuth token without the merchant-profile scope still authenticated", "[verify][commerce]") {
  FakeHttpServer server([](const FakeRequest&) {
    return json_response(403, R"({"errors":[{"category":"AUTHENTICATION_ERROR","code":"INSUFFICIENT_SCOPES"}]})");
  });
  const auto result =
      run_check("square-access-token", credential_for("square-access-token", "square", square_token(24)), server);
  CHECK(result.status == LiveStatus::valid);
  CHECK(result.http_status == 403);
}

TEST_CASE("Razorpay secret with its key id: basic auth, rejected, rate limited, malformed", "[verify][commerce]") {
  const auto s = razorpay_scenario();
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "key_id").rfind("rzp_live_", 0) == 0);
  CHECK(identity_of(result, "mode") == "live");
  expect_documented_answers(s);
}

TEST_CASE("Razorpay secret without a key id nearby is unknown and nothing is sent", "[verify][commerce]") {
  const auto secret = random_chars(kBase62, 24, 25);
  FakeHttpServer server([](const FakeRequest&) { return json_response(200, R"({"entity":"collection"})"); });
  const auto result =
      run_check("razorpay-key-secret", credential_for("razorpay-key-secret", "razorpay", secret), server);
  CHECK(result.status == LiveStatus::unknown);
  CHECK(server.requests().empty());
}

TEST_CASE("GoCardless token: the creditor, rejected, rate limited, malformed", "[verify][commerce]") {
  const auto s = gocardless_scenario();
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "creditor") == "CR000123");
  CHECK(identity_of(result, "creditor_name") == "Acme Subscriptions");
  FakeHttpServer server(
      [](const FakeRequest&) { return json_response(200, R"({"creditors":[],"meta":{"limit":1}})"); });
  run_check(s.rule, s.credential, server);
  CHECK(server.requests().at(0).header("gocardless-version") == "2015-07-06");
  expect_documented_answers(s);
}

TEST_CASE("Flutterwave secret key: accepted, rejected, rate limited, malformed", "[verify][commerce]") {
  const auto s = flutterwave_scenario();
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "mode") == "live");
  expect_documented_answers(s);
  FakeHttpServer server([](const FakeRequest&) { return json_response(200, R"({"status":"error"})"); });
  CHECK(run_check(s.rule, s.credential, server).status == LiveStatus::unknown);
}

TEST_CASE("Commerce validators serve only real rule ids", "[verify][commerce]") {
  for (const char* rule :
       {"stripe-secret-key", "stripe-restricted-key", "stripe-test-secret-key", "shopify-access-token",
        "shopify-custom-app-token", "shopify-private-app-token", "square-access-token", "square-legacy-access-token",
        "razorpay-key-secret", "gocardless-access-token", "flutterwave-secret-key"})
    CHECK(validator_for(rule) != nullptr);
  check_served_rules({"stripe", "shopify", "square", "razorpay", "gocardless", "flutterwave"},
                     {"stripe-webhook-secret", "shopify-shared-secret", "razorpay-key-id", "square-oauth-secret"});
}

TEST_CASE("scan --validate checks Stripe and Shopify credentials against their stand-ins",
          "[cli][validate][verify][commerce]") {
  const auto live = stripe_key("sk", 81), revoked = stripe_key("sk", 82), token = shopify_token(83);
  FakeHttpServer stripe([&](const FakeRequest& r) {
    if (r.path == "/v1/account" && r.header("authorization") == "Bearer " + live)
      return json_response(200, R"({"id":"acct_1Nv0FGQ9RKHgCVdK","email":"billing@acme.example"})");
    return json_response(401, R"({"error":{"message":"Invalid API Key provided","type":"invalid_request_error"}})");
  });
  FakeHttpServer shopify(shopify_answer);
  sprawl::test::TempDir dir;
  dir.write("billing/.env", "STRIPE_SECRET_KEY=" + live + "\n");
  dir.write("old/.env", "STRIPE_SECRET_KEY=" + revoked + "\n");
  dir.write("shop/.env", "SHOPIFY_STORE=acme-goods.myshopify.com\nSHOPIFY_ACCESS_TOKEN=" + token + "\n");
  const auto scan = scan_validating(
      dir.path(), {{"SPRAWL_ENDPOINT_STRIPE", stripe.base_url()}, {"SPRAWL_ENDPOINT_SHOPIFY", shopify.base_url()}});
  const auto valid = sprawl::test::with_secret(scan, live), invalid = sprawl::test::with_secret(scan, revoked),
             shop = sprawl::test::with_secret(scan, token);
  REQUIRE(valid.size() == 1);
  REQUIRE(invalid.size() == 1);
  REQUIRE(shop.size() == 1);
  CHECK(valid[0].validity_status == "valid");
  CHECK(valid[0].validity_method == "live");
  CHECK(valid[0].identity_of("account") == "acct_1Nv0FGQ9RKHgCVdK");
  CHECK(invalid[0].validity_status == "invalid");
  CHECK(shop[0].validity_status == "valid");
  CHECK(shop[0].identity_of("shop") == "acme-goods.myshopify.com");
  CHECK(shop[0].identity_of("scopes") == "read_products,read_orders");
  CHECK(stripe.requests().size() == 2);  // one request per distinct key
}
