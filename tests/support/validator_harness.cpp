// The validator test harness: a fast HttpClient pointed at a fake provider, and the checks of
// what a validator sent and answered that every validator family's tests make.
#include "tests/support/validator_harness.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include "src/rules/builtin_rules.h"
#include "src/verify/validator.h"
#include "tests/support/cli_runner.h"

namespace sprawl::test {

using verify::Credential;
using verify::LiveResult;
using verify::LiveStatus;

LiveResult run_check(const std::string& rule_id, const Credential& credential, const FakeHttpServer& server,
                     const CheckSettings& settings) {
  const verify::Validator* validator = verify::validator_for(rule_id);
  REQUIRE(validator != nullptr);
  REQUIRE(validator->provider == credential.provider);
  verify::HttpOptions options;
  options.timeout = std::chrono::milliseconds(3000);
  options.retries = settings.retries;
  options.backoff = settings.backoff;
  options.rate_per_second = 0;
  verify::HttpClient client(options);
  const verify::Endpoints endpoints({{validator->provider, server.base_url()}});
  const verify::ValidatorContext context{client, endpoints, options.timeout, settings.now};
  LiveResult result = validator->validate(credential, context);
  CHECK(result.reason.find(credential.secret) == std::string::npos);
  return result;
}

Outcome run_check(const Credential& credential, FakeHttpServer::Handler handler, const CheckSettings& settings) {
  FakeHttpServer server(std::move(handler));
  LiveResult result = run_check(credential.rule_id, credential, server, settings);
  return {std::move(result), server.requests()};
}

Outcome run_check(const Credential& credential, FakeResponse answer, const CheckSettings& settings) {
  return run_check(
      credential, [answer](const FakeRequest&) { return answer; }, settings);
}

Credential credential_for(std::string rule_id, std::string provider, std::string secret, std::string context) {
  Credential credential;
  credential.rule_id = std::move(rule_id);
  credential.provider = std::move(provider);
  credential.secret = std::move(secret);
  credential.match_text = credential.secret;
  credential.context = context.empty() ? credential.secret : std::move(context);
  return credential;
}

std::string identity_of(const LiveResult& result, const std::string& key) {
  for (const auto& [k, v] : result.identity)
    if (k == key) return v;
  return {};
}

FakeResponse with_header(FakeResponse response, std::string name, std::string value) {
  response.headers.emplace_back(std::move(name), std::move(value));
  return response;
}

FakeResponse text_response(int status, std::string body) {
  FakeResponse response = json_response(status, std::move(body));
  response.content_type = "text/plain";
  return response;
}

int places_holding(const FakeRequest& request, const std::string& secret) {
  int places = (request.target.find(secret) != std::string::npos) + (request.body.find(secret) != std::string::npos);
  for (const auto& [name, value] : request.headers) places += value.find(secret) != std::string::npos;
  return places;
}

void require_secret_only_in(const FakeRequest& request, const std::string& secret, const std::string& header,
                            const std::string& value) {
  CHECK(request.header(header) == value);
  CHECK(places_holding(request, secret) == (value.find(secret) != std::string::npos ? 1 : 0));
}

void secret_only_in_header(const std::vector<FakeRequest>& requests, const std::string& secret,
                           const std::string& header, const std::string& prefix) {
  REQUIRE_FALSE(requests.empty());
  for (const auto& request : requests) require_secret_only_in(request, secret, header, prefix + secret);
}

void check_busy_and_malformed(const Credential& credential) {
  const auto busy = run_check(credential, json_response(429, R"({"message":"slow down"})"));
  CHECK(busy.result.status == LiveStatus::unknown);
  CHECK(busy.result.http_status == 429);
  CHECK(busy.requests.size() == 1 + CheckSettings{}.retries);
  const auto html = run_check(credential, text_response(200, "<html>maintenance</html>"));
  CHECK(html.result.status == LiveStatus::unknown);
  const auto other_json = run_check(credential, json_response(200, R"({"unexpected":{"shape":1}})"));
  CHECK(other_json.result.status == LiveStatus::unknown);
}

void check_served_rules(const std::vector<std::string>& providers, const std::vector<std::string>& unserved) {
  auto config = sprawl::load_builtin_rules();
  REQUIRE(config.ok());
  std::map<std::string, std::string> provider_of;
  for (const auto& rule : config->rules) provider_of[rule.id] = rule.provider;
  std::size_t served = 0;
  for (const auto& validator : verify::validators()) {
    if (std::find(providers.begin(), providers.end(), validator.provider) == providers.end()) continue;
    for (const auto& id : validator.rule_ids) {
      INFO(id);
      REQUIRE(provider_of.count(id) == 1);
      CHECK(provider_of[id] == validator.provider);
      ++served;
    }
  }
  CHECK(served >= providers.size());
  for (const auto& id : unserved) {
    INFO(id);
    CHECK(provider_of.count(id) == 1);
    CHECK(verify::validator_for(id) == nullptr);
  }
}

Scenario bearer_scenario(const std::string& rule, const std::string& provider, const std::string& secret,
                         const std::string& target, FakeResponse accepted, FakeResponse rejected) {
  return {rule,
          credential_for(rule, provider, secret),
          "GET",
          target,
          "authorization",
          "Bearer " + secret,
          std::move(accepted),
          std::move(rejected)};
}

LiveResult expect_accepted(const Scenario& s) {
  FakeHttpServer server([&](const FakeRequest&) { return s.accepted; });
  const auto result = run_check(s.rule, s.credential, server);
  CHECK(result.status == LiveStatus::valid);
  const auto requests = server.requests();
  REQUIRE(!requests.empty());
  CHECK(requests.front().method == s.method);
  CHECK(requests.front().target == s.target);
  for (const auto& request : requests)
    require_secret_only_in(request, s.credential.secret, s.auth_header, s.auth_value);
  return result;
}

void expect_rejected(const Scenario& s) {
  FakeHttpServer server([&](const FakeRequest&) { return s.rejected; });
  const auto result = run_check(s.rule, s.credential, server);
  CHECK(result.status == LiveStatus::invalid);
  CHECK(result.http_status == s.rejected.status);
  CHECK(result.identity.empty());
  CHECK(server.requests().size() == 1);
}

void expect_rate_limited(const Scenario& s) {
  FakeHttpServer server([](const FakeRequest&) { return json_response(429, R"({"error":"rate limited"})"); });
  const auto result = run_check(s.rule, s.credential, server);
  CHECK(result.status == LiveStatus::unknown);
  CHECK(result.http_status == 429);
  CHECK(result.reason.find("429") != std::string::npos);
  CHECK(server.requests().size() == 1 + CheckSettings{}.retries);  // the first try and the retries
}

void expect_malformed(const Scenario& s) {
  for (const std::string body : {"<html>maintenance</html>", "{}", "[]"}) {
    FakeHttpServer server([&](const FakeRequest&) { return json_response(200, body); });
    const auto result = run_check(s.rule, s.credential, server);
    CHECK(result.status == LiveStatus::unknown);
    CHECK(result.http_status == 200);
  }
}

void expect_documented_answers(const Scenario& s) {
  expect_rejected(s);
  expect_rate_limited(s);
  expect_malformed(s);
}

ReportedScan scan_validating(const std::string& dir, const std::vector<std::pair<std::string, std::string>>& env) {
  const auto run = run_sprawl_env(
      {"scan", dir, "--validate", "--validation-cache-ttl", "0", "--format", "json", "--show-secrets"}, env);
  INFO(run.err);
  ReportedScan scan;
  REQUIRE_NOTHROW(scan = parse_report(run.out));
  return scan;
}

}  // namespace sprawl::test
