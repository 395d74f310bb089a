// The MySQL validator against a fake server: mysql_native_password, caching_sha2_password (fast
// path, full authentication, an auth switch), an unknown database after the password, TLS on
// request, and servers that send garbage, hang up or stay silent.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <string>

#include "tests/support/fake_db_servers.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/validator_harness.h"

using namespace sprawl::verify;
using sprawl::test::FakeDbMode;
using sprawl::test::FakeDbOptions;
using sprawl::test::FakeDbProtocol;
using sprawl::test::FakeDbServer;
using sprawl::test::has_event;
using sprawl::test::identity_of;
using sprawl::test::run_db_check;
using sprawl::test::uri_credential;

namespace {

// The server plugin mode that asks for full caching_sha2 authentication (see fake_db_servers).
const char* const kFullAuthPlugin = "caching_sha2_full";

std::string password(std::uint32_t seed) { return sprawl::test::random_chars(sprawl::test::kBase62, 18, 500 + seed); }


Credential mysql_uri(const std::string& pass, const std::string& tail = "/wordpress") {
  return uri_credential("mysql-connection-uri", "mysql", "mysql://wp_prod:" + pass + "@mysql-primary.example" + tail);
}

FakeDbOptions mysql_options(const std::string& pass, const std::string& method) {
  FakeDbOptions o;
  o.user = "wp_prod";
  o.password = pass;
  o.method = method;
  return o;
}

}  // namespace

TEST_CASE("mysql native and caching_sha2 logins are valid and never send the password", "[verify][mysql]") {
  const std::string method = GENERATE(std::string("native"), std::string("caching_sha2"), std::string("switch"));
  const std::string pass = password(1);
  FakeDbServer server(FakeDbProtocol::mysql, mysql_options(pass, method));
  const LiveResult result = run_db_check(mysql_uri(pass), server.endpoint());
  INFO(method << ": " << result.reason);
  CHECK(result.status == LiveStatus::valid);
  CHECK(identity_of(result, "user") == "wp_prod");
  CHECK(identity_of(result, "host") == "mysql-primary.example:3306");
  CHECK(identity_of(result, "database") == "wordpress");
  CHECK(identity_of(result, "server_version") == "8.0.36-fake");
  const auto events = server.events();
  CHECK(has_event(events, "startup user=wp_prod database=wordpress"));
  CHECK(server.wait_for_event("quit"));
  CHECK_FALSE(server.received_in_clear(pass));
}

TEST_CASE("mysql wrong password is invalid (ERR 1045)", "[verify][mysql]") {
  const std::string method = GENERATE(std::string("native"), std::string("caching_sha2"));
  FakeDbServer server(FakeDbProtocol::mysql, mysql_options(password(2), method));
  const LiveResult result = run_db_check(mysql_uri(password(3)), server.endpoint());
  INFO(method << ": " << result.reason);
  CHECK(result.status == LiveStatus::invalid);
  CHECK(result.reason.find("1045") != std::string::npos);
}

TEST_CASE("mysql full caching_sha2 authentication sends the password only to loopback or over TLS", "[verify][mysql]") {
  const std::string pass = password(4);
  FakeDbServer server(FakeDbProtocol::mysql, mysql_options(pass, kFullAuthPlugin));
  const LiveResult result = run_db_check(mysql_uri(pass), server.endpoint());
  INFO(result.reason);
  CHECK(result.status == LiveStatus::valid);  // 127.0.0.1: the password stays on this machine
  CHECK(has_event(server.events(), "cleartext password"));
}

TEST_CASE("mysql unknown database comes after the password: valid, with the reason", "[verify][mysql]") {
  const std::string pass = password(5);
  FakeDbOptions options = mysql_options(pass, "native");
  options.database = "shop";
  FakeDbServer server(FakeDbProtocol::mysql, options);
  const LiveResult result = run_db_check(mysql_uri(pass), server.endpoint());
  CHECK(result.status == LiveStatus::valid);
  CHECK(result.reason.find("1049") != std::string::npos);
}

TEST_CASE("mysql ssl-mode=REQUIRED uses verified TLS, or gives unknown without it", "[verify][mysql]") {
  const std::string pass = password(6);
  FakeDbOptions options = mysql_options(pass, kFullAuthPlugin);
  options.tls = true;
  FakeDbServer server(FakeDbProtocol::mysql, options);
  setenv("SPRAWL_CA_BUNDLE", server.ca_file().c_str(), 1);
  const LiveResult result = run_db_check(mysql_uri(pass, "/wordpress?ssl-mode=REQUIRED"), server.endpoint());
  unsetenv("SPRAWL_CA_BUNDLE");
  INFO(result.reason);
  CHECK(result.status == LiveStatus::valid);
  CHECK(has_event(server.events(), "tls"));
  CHECK_FALSE(server.received_in_clear(pass));

  FakeDbServer plain(FakeDbProtocol::mysql, mysql_options(pass, "native"));
  const LiveResult refused = run_db_check(mysql_uri(pass, "/wordpress?useSSL=true"), plain.endpoint());
  CHECK(refused.status == LiveStatus::unknown);
  CHECK(refused.reason.find("TLS") != std::string::npos);
  CHECK_FALSE(has_event(plain.events(), "auth ok"));
}

TEST_CASE("mysql misbehaving servers give unknown within the timeout", "[verify][mysql]") {
  const FakeDbMode mode = GENERATE(FakeDbMode::garbage, FakeDbMode::close_early, FakeDbMode::silent);
  const std::string pass = password(7);
  FakeDbOptions options = mysql_options(pass, "native");
  options.mode = mode;
  FakeDbServer server(FakeDbProtocol::mysql, options);
  const auto start = std::chrono::steady_clock::now();
  const LiveResult result = run_db_check(mysql_uri(pass), server.endpoint(), std::chrono::milliseconds(300));
  INFO(result.reason);
  CHECK(result.status == LiveStatus::unknown);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}
