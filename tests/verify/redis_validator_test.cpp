// The Redis validator against a fake server: AUTH with and without a user, Redis before 6
// (AUTH takes the password alone), no password configured, rediss:// TLS, and servers that
// send garbage, hang up or stay silent. Only AUTH is ever sent.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <string>

#include "tests/support/cli_runner.h"
#include "tests/support/fake_db_servers.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/validator_harness.h"
#include "tests/support/findings_json.h"
#include "tests/support/temp_dir.h"

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

std::string password(std::uint32_t seed) { return sprawl::test::random_chars(sprawl::test::kBase62, 24, 300 + seed); }


Credential redis_uri(const std::string& scheme, const std::string& user, const std::string& pass) {
  return uri_credential("redis-connection-uri", "redis",
                        scheme + "://" + user + ":" + pass + "@cache.internal.example:6380/0");
}

FakeDbOptions redis_options(const std::string& user, const std::string& pass, const std::string& method = "acl") {
  FakeDbOptions o;
  o.user = user;
  o.password = pass;
  o.method = method;
  return o;
}

/// Every command the server saw was AUTH.
bool only_auth(const std::vector<std::string>& events) {
  for (const auto& e : events)
    if (e.starts_with("command ") && e != "command AUTH") return false;
  return true;
}

}  // namespace

TEST_CASE("redis AUTH user password accepted is valid, with user and host", "[verify][redis]") {
  const std::string pass = password(1);
  FakeDbServer server(FakeDbProtocol::redis, redis_options("cache_rw", pass));
  const LiveResult result = run_db_check(redis_uri("redis", "cache_rw", pass), server.endpoint());
  INFO(result.reason);
  CHECK(result.status == LiveStatus::valid);
  CHECK(identity_of(result, "user") == "cache_rw");
  CHECK(identity_of(result, "host") == "cache.internal.example:6380");
  CHECK(has_event(server.events(), "auth ok"));
  CHECK(only_auth(server.events()));
}

TEST_CASE("redis URI without a user authenticates the default user", "[verify][redis]") {
  const std::string pass = password(2);
  FakeDbServer server(FakeDbProtocol::redis, redis_options("default", pass));
  const LiveResult result = run_db_check(redis_uri("redis", "", pass), server.endpoint());
  INFO(result.reason);
  CHECK(result.status == LiveStatus::valid);
  CHECK(identity_of(result, "user").empty());
}

TEST_CASE("redis WRONGPASS is invalid", "[verify][redis]") {
  FakeDbServer server(FakeDbProtocol::redis, redis_options("cache_rw", password(3)));
  const LiveResult result = run_db_check(redis_uri("redis", "cache_rw", password(4)), server.endpoint());
  CHECK(result.status == LiveStatus::invalid);
  CHECK(result.reason.find("WRONGPASS") != std::string::npos);
  CHECK(result.reason.find(password(4)) == std::string::npos);
}

TEST_CASE("redis before 6 refuses AUTH user password: AUTH password is tried next", "[verify][redis]") {
  const std::string pass = password(5);
  FakeDbServer server(FakeDbProtocol::redis, redis_options("default", pass, "legacy"));
  const LiveResult result = run_db_check(redis_uri("redis", "default", pass), server.endpoint());
  INFO(result.reason);
  CHECK(result.status == LiveStatus::valid);
  FakeDbServer wrong(FakeDbProtocol::redis, redis_options("default", pass, "legacy"));
  const LiveResult rejected = run_db_check(redis_uri("redis", "default", password(6)), wrong.endpoint());
  CHECK(rejected.status == LiveStatus::invalid);
  CHECK(rejected.reason.find("invalid password") != std::string::npos);
}

TEST_CASE("redis server without a password rejects the credential: invalid, saying the server is open",
          "[verify][redis]") {
  FakeDbServer server(FakeDbProtocol::redis, redis_options("default", "", "nopass"));
  const LiveResult result = run_db_check(redis_uri("redis", "", password(7)), server.endpoint());
  CHECK(result.status == LiveStatus::invalid);
  CHECK(result.reason.find("no password set") != std::string::npos);
}

TEST_CASE("rediss speaks verified TLS from the first byte", "[verify][redis]") {
  const std::string pass = password(8);
  FakeDbOptions options = redis_options("default", pass);
  options.tls = true;
  FakeDbServer server(FakeDbProtocol::redis, options);
  setenv("SPRAWL_CA_BUNDLE", server.ca_file().c_str(), 1);
  const LiveResult result = run_db_check(redis_uri("rediss", "default", pass), server.endpoint());
  unsetenv("SPRAWL_CA_BUNDLE");
  INFO(result.reason);
  CHECK(result.status == LiveStatus::valid);
  CHECK(has_event(server.events(), "tls"));
  CHECK_FALSE(server.received_in_clear(pass));
  // Without the CA the certificate is not trusted, and nothing is sent.
  const LiveResult untrusted = run_db_check(redis_uri("rediss", "default", pass), server.endpoint());
  CHECK(untrusted.status == LiveStatus::unknown);
}

TEST_CASE("redis misbehaving servers give unknown within the timeout", "[verify][redis]") {
  const FakeDbMode mode = GENERATE(FakeDbMode::garbage, FakeDbMode::close_early, FakeDbMode::silent);
  const std::string pass = password(9);
  FakeDbOptions options = redis_options("default", pass);
  options.mode = mode;
  FakeDbServer server(FakeDbProtocol::redis, options);
  const auto start = std::chrono::steady_clock::now();
  const LiveResult result =
      run_db_check(redis_uri("redis", "default", pass), server.endpoint(), std::chrono::milliseconds(300));
  INFO(result.reason);
  CHECK(result.status == LiveStatus::unknown);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  CHECK(result.reason.find(pass) == std::string::npos);
}

TEST_CASE("redis sentinel URIs are not checked", "[verify][redis]") {
  const LiveResult result = run_db_check(redis_uri("redis+sentinel", "", password(10)), "tcp://127.0.0.1:9");
  CHECK(result.status == LiveStatus::unknown);
  CHECK(result.reason.find("sentinel") != std::string::npos);
}

TEST_CASE("scan --validate checks a redis URI through the endpoint override", "[verify][redis][cli][validate]") {
  const std::string pass = password(11);
  FakeDbServer server(FakeDbProtocol::redis, redis_options("default", pass));
  sprawl::test::TempDir dir;
  dir.write("worker/.env", "CELERY_BROKER_URL=redis://:" + pass + "@cache.internal.example:6379/0\n");
  const auto run = sprawl::test::run_sprawl_env(
      {"scan", dir.path(), "--validate", "--validation-cache-ttl", "0", "--format", "json", "--show-secrets"},
      {{"SPRAWL_ENDPOINT_REDIS", server.endpoint()}});
  INFO(run.err);
  const auto found = sprawl::test::with_secret(sprawl::test::parse_report(run.out), pass);
  REQUIRE(found.size() == 1);
  CHECK(found[0].validity_status == "valid");
  CHECK(found[0].identity_of("host") == "cache.internal.example:6379");
}
