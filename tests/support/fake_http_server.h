// FakeHttpServer: a real HTTP/1.1 server (plain or TLS, self-signed) on 127.0.0.1 for tests
// of live validation. Each request is answered by a handler that mimics a provider's documented
// responses; every request is recorded so that tests can assert what was sent.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sprawl::test {

struct FakeRequest {
  std::string method;
  std::string target;  ///< path and query as sent ("/user?x=1")
  std::string path;    ///< without the query
  std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-cased
  std::string body;

  /// The value of header `name` (lower case), or "".
  std::string header(std::string_view name) const;
};

struct FakeResponse {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< added to Content-Type/Length
  std::string content_type = "application/json";
  int delay_ms = 0;  ///< wait before answering (timeouts)
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  /// Listens on 127.0.0.1 on a free port; with `tls`, speaks HTTPS with a self-signed
  /// certificate for 127.0.0.1 and localhost (see ca_file()).
  explicit FakeHttpServer(Handler handler, bool tls = false);
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  /// "http://127.0.0.1:PORT" (or https://).
  std::string base_url() const;
  int port() const;
  /// PEM file of the server's certificate, to trust via SPRAWL_CA_BUNDLE (TLS only).
  std::string ca_file() const;
  /// Every request received so far, in order.
  std::vector<FakeRequest> requests() const;

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

/// A JSON response with `status` and `body`.
inline FakeResponse json_response(int status, std::string body) {
  FakeResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace sprawl::test
