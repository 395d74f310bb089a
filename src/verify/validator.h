// Validator: how one provider's credentials are checked live, and the context every validator
// gets — the HTTP client, the provider's endpoint (or its override) and the timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "src/verify/http_client.h"
#include "src/verify/live_result.h"

namespace sprawl::verify {

/// Where each provider's requests go: the documented host, unless overridden for the provider
/// by SPRAWL_ENDPOINT_<PROVIDER> (upper case, '-' as '_') or by config `[validation.endpoints]`.
class Endpoints {
 public:
  /// `config`: provider → base URL from the configuration file. The environment wins over it.
  explicit Endpoints(std::map<std::string, std::string> config = {});
  Endpoints(std::initializer_list<std::pair<const std::string, std::string>> config)
      : Endpoints(std::map<std::string, std::string>(config)) {}

  /// `default_base` ("https://api.github.com") joined with `path` ("/user"), with the scheme,
  /// host and port (and any path prefix) of the override put in place of `default_base` when
  /// `provider` has one.
  std::string url(std::string_view provider, std::string_view default_base, std::string_view path) const;

  /// The override for `provider` ("http://127.0.0.1:8443"), or "" when none.
  std::string override_for(std::string_view provider) const;

 private:
  std::map<std::string, std::string> m_config;
};

/// What a validator works with. One per check; not shared between threads.
struct ValidatorContext {
  HttpClient& http;
  const Endpoints& endpoints;
  std::chrono::milliseconds timeout;
  std::int64_t now = 0;  ///< seconds since the epoch (request signing, JWT lifetimes)

  /// Sends `request` on behalf of `provider` (rate limit, retries).
  HttpResponse send(std::string_view provider, const HttpRequest& request) const { return http.send(provider, request); }
  std::string url(std::string_view provider, std::string_view default_base, std::string_view path) const {
    return endpoints.url(provider, default_base, path);
  }
};

using ValidateFunction = LiveResult (*)(const Credential& credential, const ValidatorContext& context);

/// One provider's live check, and the rules whose findings it checks.
struct Validator {
  std::string provider;               ///< endpoint/rate-limit key, as in the rules' `provider`
  std::vector<std::string> rule_ids;  ///< built-in rule ids it serves
  ValidateFunction validate = nullptr;
};

/// Every built-in validator.
const std::vector<Validator>& validators();

/// The validator for rule `rule_id`, or nullptr.
const Validator* validator_for(std::string_view rule_id);

/// The usual reading of an HTTP answer to an authenticated "who am I" request: 2xx valid
/// (identity left to the caller), 401/403 invalid, 429 and 5xx unknown (rate limited /
/// provider error), anything else unknown with the status; no response: unknown with the error.
LiveResult classify_response(const HttpResponse& response);

}  // namespace sprawl::verify
