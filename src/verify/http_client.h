// HttpClient: HTTPS requests for validators (libcurl), with a timeout, retries with backoff on
// 429/5xx and transient network errors, and a per-provider rate limit. Never logs a request.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sprawl::verify {

struct HttpRequest {
  std::string method = "GET";  ///< GET, POST, HEAD
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  ///< name, value
  std::string body;                                           ///< sent for POST (may be empty)
  /// Basic authentication (curl encodes it into the Authorization header) when user is set.
  std::string basic_user, basic_password;
};

struct HttpResponse {
  int status = 0;  ///< 0: no response (see error)
  std::string body;  ///< at most 1 MiB is kept
  std::vector<std::pair<std::string, std::string>> headers;  ///< lower-cased names
  std::string error;  ///< set when no response came back: "timeout", "could not connect", …
  int attempts = 0;   ///< tries made (1 + retries)

  /// The value of header `name` (lower case), or "".
  std::string_view header(std::string_view name) const;
};

struct HttpOptions {
  std::chrono::milliseconds timeout{10000};  ///< per attempt, connect included
  int retries = 2;                           ///< after the first try, on 429/5xx/network errors
  std::chrono::milliseconds backoff{500};    ///< doubled each retry; Retry-After wins (≤ 10 s)
  double rate_per_second = 5.0;              ///< per provider; 0: unlimited
  std::string ca_file;                       ///< extra CA bundle (SPRAWL_CA_BUNDLE); "": system
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Sends `request` for `provider` (rate-limited per provider), retrying as the options say.
  /// Only https URLs are sent, and http ones to a loopback address (a test's fake server);
  /// others come back with `error` set. Redirects are not followed.
  HttpResponse send(std::string_view provider, const HttpRequest& request);

  const HttpOptions& options() const { return m_options; }

 private:
  struct State;
  HttpOptions m_options;
  std::unique_ptr<State> m_state;
};

/// Whether `url` may be sent to: https, or http to localhost / 127.0.0.0/8 / [::1].
bool url_allowed(std::string_view url);

}  // namespace sprawl::verify
