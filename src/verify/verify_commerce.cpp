// Live checks for payment and commerce credentials: Stripe, Shopify, Square, Razorpay, GoCardless
// and Flutterwave. Each is one read-only request that shows whether the key authenticates and,
// where the answer says it, whose account it opens. Nothing is created, charged or changed.
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

/// The word made of `allowed` characters that starts at `text[from]`.
std::string_view word_at(std::string_view text, std::size_t from, bool (*allowed)(char)) {
  std::size_t end = from;
  while (end < text.size() && allowed(text[end])) ++end;
  return text.substr(from, end - from);
}

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_shop_char(char c) {
  return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-';
}

// --- Stripe ------------------------------------------------------------------------------------

/// The account id a Stripe permission error names ("… on account 'acct_1A2b…'"), or "".
std::string stripe_account_in(std::string_view body) {
  const auto at = body.find("acct_");
  if (at == std::string_view::npos) return {};
  return std::string(word_at(body, at, [](char c) { return is_alnum(c) || c == '_'; }));
}

// GET /v1/account. A restricted key without the account permission gets 403 with a permission
// error: Stripe has authenticated it (a wrong or revoked key gets 401), so it is valid.
LiveResult check_stripe(const Credential& credential, const ValidatorContext& context) {
  const auto response = context.send(
      "stripe", get_request(context.url("stripe", "https://api.stripe.com", "/v1/account"), bearer(credential.secret)));
  const std::string livemode = credential.secret.find("_live_") != std::string::npos ? "true" : "false";
  if (response.status == 403 && mentions(response.body, "permission")) {
    Identity identity{{"livemode", livemode}};
    if (auto account = stripe_account_in(response.body); !account.empty()) identity.emplace_back("account", account);
    return LiveResult::valid("restricted key: authenticated, but not allowed to read the account", identity, 403);
  }
  auto result = read_answer(response, "Stripe accepted the key", {"id"},
                            {{"account", {"id"}},
                             {"email", {"email"}},
                             {"business_name", {"business_profile", "name"}},
                             {"display_name", {"settings", "dashboard", "display_name"}},
                             {"country", {"country"}}});
  if (result.status == LiveStatus::valid) result.identity.insert(result.identity.begin(), {"livemode", livemode});
  return result;
}

// --- Shopify -----------------------------------------------------------------------------------

/// The shop name of the first "<shop>.myshopify.com" in `text`, or "".
std::string shopify_shop_in(std::string_view text) {
  constexpr std::string_view kSuffix = ".myshopify.com";
  for (auto at = text.find(kSuffix); at != std::string_view::npos; at = text.find(kSuffix, at + 1)) {
    std::size_t begin = at;
    while (begin > 0 && is_shop_char(text[begin - 1])) --begin;
    if (begin < at && text[begin] != '-') return std::string(text.substr(begin, at - begin));
  }
  return {};
}

/// The handles of an access_scopes.json answer, joined with ",".
std::string shopify_scopes(std::string_view body) {
  std::string scopes;
  for (int i = 0; i < 200; ++i) {
    const auto handle = json_field(body, {"access_scopes", std::to_string(i), "handle"});
    if (!handle) break;
    scopes += (scopes.empty() ? "" : ",") + *handle;
  }
  return scopes;
}

// Admin API tokens belong to one shop, and the shop's own host is the only place to ask. The
// shop must be named near the token ("acme.myshopify.com"); without it nothing is sent.
LiveResult check_shopify(const Credential& credential, const ValidatorContext& context) {
  const std::string shop = shopify_shop_in(credential.context);
  if (shop.empty()) return LiveResult::unknown("no <shop>.myshopify.com near the token: the shop is unknown");
  const std::string base = "https://" + shop + ".myshopify.com";
  const std::vector<std::pair<std::string, std::string>> auth{{"X-Shopify-Access-Token", credential.secret}};
  const auto response =
      context.send("shopify", get_request(context.url("shopify", base, "/admin/api/2024-01/shop.json"), auth));
  auto result = read_answer(response, "Shopify accepted the key", {"shop", "id"},
                            {{"shop", {"shop", "myshopify_domain"}},
                             {"name", {"shop", "name"}},
                             {"domain", {"shop", "domain"}},
                             {"email", {"shop", "email"}},
                             {"plan", {"shop", "plan_name"}}});
  if (result.status != LiveStatus::valid) return result;
  const auto scopes =
      context.send("shopify", get_request(context.url("shopify", base, "/admin/oauth/access_scopes.json"), auth));
  if (scopes.status == 200) {
    if (auto handles = shopify_scopes(scopes.body); !handles.empty()) result.identity.emplace_back("scopes", handles);
  }
  return result;
}

// --- Square ------------------------------------------------------------------------------------

// GET /v2/merchants/me on production, or on the sandbox when the text around the token names it.
// An OAuth token without MERCHANT_PROFILE_READ gets 403 INSUFFICIENT_SCOPES: authenticated.
LiveResult check_square(const Credential& credential, const ValidatorContext& context) {
  const bool sandbox = mentions(credential.context, "squareupsandbox");
  const std::string base = sandbox ? "https://connect.squareupsandbox.com" : "https://connect.squareup.com";
  const auto response = context.send(
      "square", get_request(context.url("square", base, "/v2/merchants/me"),
                            {{"Authorization", "Bearer " + credential.secret}, {"Square-Version", "2024-10-17"}}));
  Identity environment{{"environment", sandbox ? "sandbox" : "production"}};
  if (response.status == 403 && mentions(response.body, "insufficient_scopes"))
    return LiveResult::valid("authenticated, but not allowed to read the merchant profile", environment, 403);
  auto result = read_answer(response, "Square accepted the key", {"merchant", "id"},
                            {{"merchant", {"merchant", "id"}},
                             {"business_name", {"merchant", "business_name"}},
                             {"country", {"merchant", "country"}},
                             {"status", {"merchant", "status"}}});
  if (result.status == LiveStatus::valid) result.identity.insert(result.identity.begin(), environment.front());
  return result;
}

// --- Razorpay ----------------------------------------------------------------------------------

/// The first Razorpay key id ("rzp_live_…" / "rzp_test_…", 14 characters after) in `text`, or "".
std::string razorpay_key_id_in(std::string_view text) {
  for (auto at = text.find("rzp_"); at != std::string_view::npos; at = text.find("rzp_", at + 1)) {
    const auto id = word_at(text, at, [](char c) { return is_alnum(c) || c == '_'; });
    const bool live = id.substr(0, 9) == "rzp_live_", test = id.substr(0, 9) == "rzp_test_";
    if ((live || test) && id.size() == 9 + 14) return std::string(id);
  }
  return {};
}

// The key secret works only with its key id (basic auth), which must stand near it. The check
// lists at most one payment and reads nothing from it.
LiveResult check_razorpay(const Credential& credential, const ValidatorContext& context) {
  const std::string key_id = razorpay_key_id_in(credential.context);
  if (key_id.empty()) return LiveResult::unknown("no rzp_live_/rzp_test_ key id near the secret");
  HttpRequest request = get_request(context.url("razorpay", "https://api.razorpay.com", "/v1/payments?count=1"));
  request.basic_user = key_id;
  request.basic_password = credential.secret;
  auto result = read_answer(context.send("razorpay", request), "Razorpay accepted the key", {"entity"}, {});
  if (result.status == LiveStatus::valid)
    result.identity = {{"key_id", key_id}, {"mode", key_id.substr(4, 4) == "live" ? "live" : "test"}};
  return result;
}

// --- GoCardless --------------------------------------------------------------------------------

// GET /creditors?limit=1: every access token, read-only ones included, may list creditors.
LiveResult check_gocardless(const Credential& credential, const ValidatorContext& context) {
  const auto response = context.send(
      "gocardless", get_request(context.url("gocardless", "https://api.gocardless.com", "/creditors?limit=1"),
                                {{"Authorization", "Bearer " + credential.secret},
                                 {"GoCardless-Version", "2015-07-06"},
                                 {"Accept", "application/json"}}));
  return read_answer(response, "GoCardless accepted the key", {"meta", "limit"},
                     {{"creditor", {"creditors", "0", "id"}}, {"creditor_name", {"creditors", "0", "name"}}});
}

// --- Flutterwave -------------------------------------------------------------------------------

// GET /v3/balances: the wallet balances (not reported). Test and live keys share the host.
LiveResult check_flutterwave(const Credential& credential, const ValidatorContext& context) {
  const auto response =
      context.send("flutterwave", get_request(context.url("flutterwave", "https://api.flutterwave.com", "/v3/balances"),
                                              bearer(credential.secret)));
  auto result = read_answer(response, "Flutterwave accepted the key", {"status"}, {});
  if (result.status != LiveStatus::valid) return result;
  if (json_field(response.body, {"status"}) != "success")
    return LiveResult::unknown(status_text(response.status) + " without status success", response.status);
  result.identity = {{"mode", credential.secret.find("_TEST") != std::string::npos ? "test" : "live"}};
  return result;
}

}  // namespace

void add_commerce_validators(std::vector<Validator>& out) {
  out.push_back({"stripe", {"stripe-secret-key", "stripe-restricted-key", "stripe-test-secret-key"}, check_stripe});
  out.push_back(
      {"shopify", {"shopify-access-token", "shopify-custom-app-token", "shopify-private-app-token"}, check_shopify});
  out.push_back({"square", {"square-access-token", "square-legacy-access-token"}, check_square});
  out.push_back({"razorpay", {"razorpay-key-secret"}, check_razorpay});
  out.push_back({"gocardless", {"gocardless-access-token"}, check_gocardless});
  out.push_back({"flutterwave", {"flutterwave-secret-key"}, check_flutterwave});
}

}  // namespace sprawl::verify
