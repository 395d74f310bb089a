// HttpClient against a real local server: headers and bodies both ways, retries on 429/5xx
// with Retry-After, the per-provider rate limit, timeouts, TLS with a private CA, and the
// refusal to send anywhere but https or loopback http. Also Endpoints and json_field.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>

#include "src/verify/http_client.h"
#include "src/verify/response_json.h"
#include "src/verify/validator.h"
#include "tests/support/fake_http_server.h"

using namespace sprawl::verify;
using sprawl::test::FakeHttpServer;
using sprawl::test::FakeRequest;
using sprawl::test::FakeResponse;
using sprawl::test::json_response;

namespace {
HttpOptions fast_options() {
  HttpOptions options;
  options.timeout = std::chrono::milliseconds(2000);
  options.backoff = std::chrono::milliseconds(10);
  options.rate_per_second = 0;
  return options;
}
}  // namespace

TEST_CASE("HttpClient sends method, headers, basic auth and body, and reads the answer", "[verify][http]") {
  FakeHttpServer server([](const FakeRequest& r) {
    FakeResponse response = json_response(200, R"({"echo":")" + r.method + " " + r.target + R"("})");
    response.headers.emplace_back("X-OAuth-Scopes", "repo, gist");
    return response;
  });
  HttpClient client(fast_options());
  HttpRequest request;
  request.method = "POST";
  request.url = server.base_url() + "/api/check?x=1";
  request.headers = {{"Authorization", "Bearer abc"}, {"Content-Type", "application/json"}};
  request.body = R"({"a":1})";
  const HttpResponse response = client.send("test", request);
  CHECK(response.status == 200);
  CHECK(response.attempts == 1);
  CHECK(json_field(response.body, {"echo"}) == "POST /api/check?x=1");
  CHECK(response.header("x-oauth-scopes") == "repo, gist");
  const auto seen = server.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].header("authorization") == "Bearer abc");
  CHECK(seen[0].body == R"({"a":1})");

  request.method = "GET";
  request.headers.clear();
  request.basic_user = "api";
  request.basic_password = "pw";
  CHECK(client.send("test", request).status == 200);
  CHECK(server.requests().back().header("authorization") == "Basic YXBpOnB3");
}

TEST_CASE("HttpClient retries 429 and 5xx, honours Retry-After, and gives up after the retries", "[verify][http]") {
  int calls = 0;
  FakeHttpServer server([&calls](const FakeRequest&) {
    ++calls;
    if (calls == 1) {
      FakeResponse r = json_response(429, "{}");
      r.headers.emplace_back("Retry-After", "0");
      return r;
    }
    if (calls == 2) return json_response(503, "{}");
    return json_response(200, R"({"ok":true})");
  });
  HttpClient client(fast_options());
  HttpResponse response = client.send("test", {"GET", server.base_url() + "/", {}, {}, {}, {}});
  CHECK(response.status == 200);
  CHECK(response.attempts == 3);

  FakeHttpServer always_busy([](const FakeRequest&) { return json_response(429, "{}"); });
  response = client.send("test", {"GET", always_busy.base_url() + "/", {}, {}, {}, {}});
  CHECK(response.status == 429);
  CHECK(response.attempts == 3);
  CHECK(always_busy.requests().size() == 3);
  CHECK(classify_response(response).status == LiveStatus::unknown);
}

TEST_CASE("HttpClient spaces requests to one provider by its rate limit", "[verify][http]") {
  FakeHttpServer server([](const FakeRequest&) { return json_response(200, "{}"); });
  HttpOptions options = fast_options();
  options.rate_per_second = 20;  // 50 ms apart
  HttpClient client(options);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) client.send("slow", {"GET", server.base_url() + "/", {}, {}, {}, {}});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed >= std::chrono::milliseconds(190));  // four intervals at least
}

TEST_CASE("HttpClient times out on a silent server, and says so without the URL", "[verify][http]") {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse r = json_response(200, "{}");
    r.delay_ms = 1500;
    return r;
  });
  HttpOptions options = fast_options();
  options.timeout = std::chrono::milliseconds(300);
  HttpClient client(options);
  const HttpResponse response = client.send("test", {"GET", server.base_url() + "/bot123:SECRET/getMe", {}, {}, {}, {}});
  CHECK(response.status == 0);
  CHECK(response.error == "timed out");
  CHECK(response.attempts == 1);  // a timeout is not retried: the wait stays bounded
  const LiveResult result = classify_response(response);
  CHECK(result.status == LiveStatus::unknown);
  CHECK(result.reason.find("SECRET") == std::string::npos);
}

TEST_CASE("HttpClient speaks TLS to a server whose CA it is given, and refuses one it cannot verify", "[verify][http]") {
  FakeHttpServer server([](const FakeRequest&) { return json_response(200, R"({"ok":true})"); }, true);
  HttpOptions options = fast_options();
  options.ca_file = server.ca_file();
  HttpClient trusting(options);
  CHECK(trusting.send("test", {"GET", server.base_url() + "/", {}, {}, {}, {}}).status == 200);

  HttpOptions no_ca = fast_options();
  no_ca.retries = 0;
  HttpClient strict(no_ca);
  const HttpResponse refused = strict.send("test", {"GET", server.base_url() + "/", {}, {}, {}, {}});
  CHECK(refused.status == 0);
  CHECK_FALSE(refused.error.empty());
}

TEST_CASE("Only https, or http to a loopback address, is ever sent to", "[verify][http]") {
  CHECK(url_allowed("https://api.github.com/user"));
  CHECK(url_allowed("http://127.0.0.1:8443/user"));
  CHECK(url_allowed("http://localhost:1/x"));
  CHECK(url_allowed("http://[::1]:80/"));
  CHECK_FALSE(url_allowed("http://api.github.com/user"));
  CHECK_FALSE(url_allowed("http://127.0.0.1.evil.example/x"));
  CHECK_FALSE(url_allowed("http://user@evil.example/127.0.0.1"));
  CHECK_FALSE(url_allowed("ftp://127.0.0.1/"));
  CHECK_FALSE(url_allowed("file:///etc/passwd"));
  HttpClient client(fast_options());
  const HttpResponse response = client.send("test", {"GET", "http://example.com/", {}, {}, {}, {}});
  CHECK(response.status == 0);
  CHECK(response.error.find("refused") != std::string::npos);
}

TEST_CASE("Endpoints: an environment override beats the config, which beats the default", "[verify][http]") {
  Endpoints endpoints({{"gitlab", "http://127.0.0.1:9000/prefix/"}, {"my-provider", "http://127.0.0.1:9001"}});
  CHECK(endpoints.url("github", "https://api.github.com", "/user") == "https://api.github.com/user");
  CHECK(endpoints.url("gitlab", "https://gitlab.com", "/api/v4/user") == "http://127.0.0.1:9000/prefix/api/v4/user");
  ::setenv("SPRAWL_ENDPOINT_MY_PROVIDER", "http://127.0.0.1:9002", 1);
  CHECK(endpoints.url("my-provider", "https://x.example", "/a") == "http://127.0.0.1:9002/a");
  ::unsetenv("SPRAWL_ENDPOINT_MY_PROVIDER");
  CHECK(endpoints.override_for("my-provider") == "http://127.0.0.1:9001");
  CHECK(endpoints.override_for("github").empty());
}

TEST_CASE("json_field reads nested values, arrays and scalars, and nothing from non-JSON", "[verify][http]") {
  const std::string body = R"({"data":{"user":{"login":"octo","id":42,"admin":false,"scopes":["a","b"]}},"list":[{"n":"x"}]})";
  CHECK(json_field(body, {"data", "user", "login"}) == "octo");
  CHECK(json_field(body, {"data", "user", "id"}) == "42");
  CHECK(json_field(body, {"data", "user", "admin"}) == "false");
  CHECK(json_field(body, {"data", "user", "scopes"}) == "a,b");
  CHECK(json_field(body, {"list", "0", "n"}) == "x");
  CHECK_FALSE(json_field(body, {"data", "user"}));
  CHECK_FALSE(json_field(body, {"data", "missing"}));
  CHECK_FALSE(json_field("<html>502</html>", {"data"}));
  CHECK_FALSE(is_json("<html>"));
  CHECK(is_json("[]"));
}
