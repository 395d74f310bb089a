// What the validator tests share: running one validator against a fake provider, credentials
// as findings give them, where the secret travelled, the provider's documented answers
// (accepted, rejected, rate limited, malformed) as scenarios, and a `scan --validate` run.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "src/verify/live_result.h"
#include "tests/support/fake_http_server.h"
#include "tests/support/findings_json.h"

namespace sprawl::test {

/// How a test's validator client behaves: quick backoff, no rate limit, a fixed clock.
struct CheckSettings {
  int retries = 2;
  std::chrono::milliseconds backoff{5};
  std::int64_t now = 1700000000;  ///< Tue, 14 Nov 2023 22:13:20 GMT
};

/// Runs the validator of `rule_id` on `credential` with its provider's endpoint on `server`;
/// requires that validator to exist for the credential's provider, and checks that its reason
/// never holds the secret.
verify::LiveResult run_check(const std::string& rule_id, const verify::Credential& credential,
                             const FakeHttpServer& server, const CheckSettings& settings = {});

/// A validator's answer, and the requests its fake provider received.
struct Outcome {
  verify::LiveResult result;
  std::vector<FakeRequest> requests;
};

/// Runs the validator of `credential.rule_id` against a fresh server answering with `handler`
/// (or always with `answer`).
Outcome run_check(const verify::Credential& credential, FakeHttpServer::Handler handler,
                  const CheckSettings& settings = {});
Outcome run_check(const verify::Credential& credential, FakeResponse answer, const CheckSettings& settings = {});

/// One fake provider for several checks in a row (its requests() add up).
struct FakeProvider {
  FakeProvider(FakeHttpServer::Handler handler, CheckSettings settings)
      : server(std::move(handler)), settings(settings) {}
  verify::LiveResult check(const verify::Credential& credential) const {
    return run_check(credential.rule_id, credential, server, settings);
  }
  FakeHttpServer server;
  CheckSettings settings;
};

/// A credential as a finding of `rule_id` gives it: the secret is the whole match, and the
/// context is `context` (the secret alone when empty).
verify::Credential credential_for(std::string rule_id, std::string provider, std::string secret,
                                  std::string context = {});

/// The identity value for `key`, or "".
std::string identity_of(const verify::LiveResult& result, const std::string& key);

/// `response` with header `name: value` added.
FakeResponse with_header(FakeResponse response, std::string name, std::string value);

/// A text/plain response.
FakeResponse text_response(int status, std::string body);

/// How many of the request's parts (target, body, each header) hold `secret`.
int places_holding(const FakeRequest& request, const std::string& secret);

/// Header `header` of the request is `value`, and the secret is nowhere else (nowhere at all
/// when `value` only encodes it, as Basic authentication does).
void require_secret_only_in(const FakeRequest& request, const std::string& secret, const std::string& header,
                            const std::string& value);

/// There were requests, and each carried `secret` in header `header` only, after `prefix`.
void secret_only_in_header(const std::vector<FakeRequest>& requests, const std::string& secret,
                           const std::string& header, const std::string& prefix = "");

/// 429 is unknown after the client's retries; a 200 that is HTML or other JSON than the
/// documented answer is unknown.
void check_busy_and_malformed(const verify::Credential& credential);

/// Every rule a validator of `providers` serves is a built-in rule of that provider, and every id
/// in `unserved` is a built-in rule that no validator serves (so a misspelt id cannot pass).
void check_served_rules(const std::vector<std::string>& providers, const std::vector<std::string>& unserved);

/// What a provider's check looks like from the server's side, and its documented answers.
struct Scenario {
  std::string rule;
  verify::Credential credential;
  std::string method, target;           ///< the documented request ("GET", "/v1/account")
  std::string auth_header, auth_value;  ///< where the secret goes, lower-case header name
  FakeResponse accepted, rejected;
};

/// The scenario of a GET of `target` with `Authorization: Bearer <secret>`.
Scenario bearer_scenario(const std::string& rule, const std::string& provider, const std::string& secret,
                         const std::string& target, FakeResponse accepted, FakeResponse rejected);

/// Accepted: valid, the request as documented. Returns the result for identity checks.
verify::LiveResult expect_accepted(const Scenario& s);
/// Rejected: invalid after one request, with the status and no identity.
void expect_rejected(const Scenario& s);
/// 429: unknown after the client's retries, the status in the reason.
void expect_rate_limited(const Scenario& s);
/// A 200 of HTML, an empty object or an array: unknown.
void expect_malformed(const Scenario& s);
/// Rejected, rate limited and malformed.
void expect_documented_answers(const Scenario& s);

/// `sprawl scan DIR --validate --validation-cache-ttl 0 --format json --show-secrets` with `env`
/// (the providers' SPRAWL_ENDPOINT_* overrides), parsed; requires a report.
ReportedScan scan_validating(const std::string& dir, const std::vector<std::pair<std::string, std::string>>& env);

}  // namespace sprawl::test
