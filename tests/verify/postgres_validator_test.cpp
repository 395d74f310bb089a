// The PostgreSQL validator against a fake server (SCRAM-SHA-256, MD5, cleartext, TLS, a
// missing database, garbage, a dropped connection, silence), the connection-URI reading all
// database validators share, SCRAM against the RFC 5802 / RFC 7677 examples, and the CLI end
// to end.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <string>

#include "src/verify/database/connection_uri.h"
#include "src/verify/database/scram.h"
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

std::string password(std::uint32_t seed) { return sprawl::test::random_chars(sprawl::test::kBase62, 20, seed); }


Credential pg_uri(const std::string& user, const std::string& pass, const std::string& tail = "/orders") {
  return uri_credential("postgres-connection-uri", "postgresql",
                        "postgresql://" + user + ":" + pass + "@orders-db.internal.example:5432" + tail);
}

FakeDbOptions pg_options(const std::string& pass, const std::string& method) {
  FakeDbOptions o;
  o.user = "orders_app";
  o.password = pass;
  o.method = method;
  return o;
}

/// Sets an environment variable for one scope (SPRAWL_CA_BUNDLE for TLS tests).
struct ScopedEnv {
  ScopedEnv(const char* name, const std::string& value) : m_name(name) { setenv(name, value.c_str(), 1); }
  ~ScopedEnv() { unsetenv(m_name); }
  const char* m_name;
};

}  // namespace

TEST_CASE("postgres SCRAM-SHA-256 login is valid and names user, host, database and version", "[verify][postgres]") {
  const std::string pass = password(1);
  FakeDbServer server(FakeDbProtocol::postgres, pg_options(pass, "scram"));
  const LiveResult result = run_db_check(pg_uri("orders_app", pass), server.endpoint());
  INFO(result.reason);
  CHECK(result.status == LiveStatus::valid);
  CHECK(identity_of(result, "user") == "orders_app");
  CHECK(identity_of(result, "host") == "orders-db.internal.example:5432");
  CHECK(identity_of(result, "database") == "orders");
  CHECK(identity_of(result, "server_version") == "16.2");
  const auto events = server.events();
  CHECK(has_event(events, "startup user=orders_app database=orders"));
  CHECK(server.wait_for_event("terminate"));
  CHECK_FALSE(server.received_in_clear(pass));
  CHECK(result.reason.find(pass) == std::string::npos);
}

TEST_CASE("postgres wrong password is invalid (SCRAM and MD5)", "[verify][postgres]") {
  const std::string method = GENERATE(std::string("scram"), std::string("md5"));
  FakeDbServer server(FakeDbProtocol::postgres, pg_options(password(2), method));
  const LiveResult result = run_db_check(pg_uri("orders_app", password(3)), server.endpoint());
  INFO(method << ": " << result.reason);
  CHECK(result.status == LiveStatus::invalid);
  CHECK(result.reason.find("28P01") != std::string::npos);
}

TEST_CASE("postgres MD5 login is valid without sending the password", "[verify][postgres]") {
  const std::string pass = password(4);
  FakeDbServer server(FakeDbProtocol::postgres, pg_options(pass, "md5"));
  const LiveResult result = run_db_check(pg_uri("orders_app", pass), server.endpoint());
  INFO(result.reason);
  CHECK(result.status == LiveStatus::valid);
  CHECK_FALSE(server.received_in_clear(pass));
}

TEST_CASE("postgres cleartext password goes to a loopback server", "[verify][postgres]") {
  const std::string pass = password(5);
  FakeDbServer server(FakeDbProtocol::postgres, pg_options(pass, "cleartext"));
  const LiveResult result = run_db_check(pg_uri("orders_app", pass), server.endpoint());
  INFO(result.reason);
  CHECK(result.status == LiveStatus::valid);
  CHECK(has_event(server.events(), "cleartext password"));
}

TEST_CASE("postgres percent-encoded password is decoded before it is sent", "[verify][postgres]") {
  const std::string pass = password(6) + "@/:";
  FakeDbServer server(FakeDbProtocol::postgres, pg_options(pass, "scram"));
  const std::string encoded = pass.substr(0, 20) + "%40%2F%3A";
  const LiveResult result = run_db_check(pg_uri("orders_app", encoded), server.endpoint());
  INFO(result.reason);
  CHECK(result.status == LiveStatus::valid);
}

TEST_CASE("postgres database that does not exist comes after the password: valid, with the reason",
          "[verify][postgres]") {
  const std::string pass = password(7);
  FakeDbOptions options = pg_options(pass, "scram");
  options.database = "billing";
  FakeDbServer server(FakeDbProtocol::postgres, options);
  const LiveResult result = run_db_check(pg_uri("orders_app", pass), server.endpoint());
  CHECK(result.status == LiveStatus::valid);
  CHECK(result.reason.find("3D000") != std::string::npos);
}

TEST_CASE("postgres sslmode=require upgrades to verified TLS", "[verify][postgres]") {
  const std::string pass = password(8);
  FakeDbOptions options = pg_options(pass, "cleartext");
  options.tls = true;
  FakeDbServer server(FakeDbProtocol::postgres, options);
  const ScopedEnv ca("SPRAWL_CA_BUNDLE", server.ca_file());
  const LiveResult result = run_db_check(pg_uri("orders_app", pass, "/orders?sslmode=require"), server.endpoint());
  INFO(result.reason);
  CHECK(result.status == LiveStatus::valid);
  CHECK(result.reason.find("TLS") != std::string::npos);
  CHECK(has_event(server.events(), "tls"));
  CHECK_FALSE(server.received_in_clear(pass));
}

TEST_CASE("postgres TLS with an untrusted certificate: require is unknown, prefer falls back", "[verify][postgres]") {
  const std::string pass = password(9);
  FakeDbOptions options = pg_options(pass, "scram");
  options.tls = true;
  FakeDbServer server(FakeDbProtocol::postgres, options);
  const LiveResult required =
      run_db_check(pg_uri("orders_app", pass, "/orders?sslmode=verify-full"), server.endpoint());
  CHECK(required.status == LiveStatus::unknown);
  CHECK(required.reason.find("certificate") != std::string::npos);
  // prefer (the default): the TLS handshake fails, and a second connection goes in plain text,
  // where SCRAM never reveals the password.
  const LiveResult preferred = run_db_check(pg_uri("orders_app", pass), server.endpoint());
  INFO(preferred.reason);
  CHECK(server.connections() == 3);
  CHECK(preferred.status == LiveStatus::valid);
  CHECK_FALSE(server.received_in_clear(pass));
}

TEST_CASE("postgres sslmode=require against a server without TLS is unknown", "[verify][postgres]") {
  FakeDbServer server(FakeDbProtocol::postgres, pg_options(password(10), "scram"));
  const LiveResult result =
      run_db_check(pg_uri("orders_app", password(10), "/orders?sslmode=require"), server.endpoint());
  CHECK(result.status == LiveStatus::unknown);
  CHECK(result.reason.find("TLS") != std::string::npos);
  CHECK_FALSE(has_event(server.events(), "auth ok"));
}

TEST_CASE("postgres misbehaving servers give unknown, silence within the timeout", "[verify][postgres]") {
  const FakeDbMode mode = GENERATE(FakeDbMode::garbage, FakeDbMode::close_early, FakeDbMode::silent);
  const std::string pass = password(11);
  FakeDbOptions options = pg_options(pass, "scram");
  options.mode = mode;
  FakeDbServer server(FakeDbProtocol::postgres, options);
  const auto start = std::chrono::steady_clock::now();
  const LiveResult result = run_db_check(pg_uri("orders_app", pass), server.endpoint(), std::chrono::milliseconds(300));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  INFO(result.reason);
  CHECK(result.status == LiveStatus::unknown);
  CHECK(elapsed < std::chrono::seconds(2));
  CHECK(result.reason.find(pass) == std::string::npos);
}

TEST_CASE("postgres server that never asks for the password (trust) has not checked it: unknown",
          "[verify][postgres]") {
  FakeDbServer server(FakeDbProtocol::postgres, pg_options(password(18), "trust"));
  const LiveResult result = run_db_check(pg_uri("orders_app", password(19)), server.endpoint());
  CHECK(result.status == LiveStatus::unknown);
  CHECK(result.reason.find("without asking for a password") != std::string::npos);
}

TEST_CASE("database validators survive random bytes from the server", "[verify][postgres][redis][mysql][mongodb]") {
  const std::pair<FakeDbProtocol, Credential> cases[] = {
      {FakeDbProtocol::postgres, pg_uri("orders_app", password(20))},
      {FakeDbProtocol::mysql, uri_credential("mysql-connection-uri", "mysql", "mysql://u:" + password(21) + "@h/db")},
      {FakeDbProtocol::mongodb,
       uri_credential("mongodb-connection-uri", "mongodb", "mongodb://u:" + password(22) + "@h/")},
      {FakeDbProtocol::redis, uri_credential("redis-connection-uri", "redis", "redis://u:" + password(23) + "@h:1")},
  };
  for (const auto& [protocol, credential] : cases) {
    FakeDbOptions options = pg_options(password(24), "");
    options.mode = FakeDbMode::noise;
    FakeDbServer server(protocol, options);
    for (int i = 0; i < 25; ++i) {
      const LiveResult result = run_db_check(credential, server.endpoint(), std::chrono::milliseconds(200));
      INFO(credential.rule_id << ": " << result.reason);
      CHECK(result.status == LiveStatus::unknown);
    }
  }
}

TEST_CASE("postgres server that is not listening is unknown at once", "[verify][postgres]") {
  int port = 0;
  {
    FakeDbServer closed(FakeDbProtocol::postgres, pg_options("x", "scram"));
    port = closed.port();
  }
  const LiveResult result = run_db_check(pg_uri("orders_app", password(12)), "tcp://127.0.0.1:" + std::to_string(port));
  CHECK(result.status == LiveStatus::unknown);
  CHECK(result.reason.find("could not connect") != std::string::npos);
}

TEST_CASE("pgpass entry is checked against its host", "[verify][postgres]") {
  const std::string pass = password(13);
  FakeDbServer server(FakeDbProtocol::postgres, pg_options(pass, "md5"));
  Credential c;
  c.rule_id = "pgpass-entry";
  c.provider = "postgresql";
  c.secret = pass;
  c.match_text = "pg.internal.example:5432:orders:orders_app:" + pass;
  c.context = c.match_text;
  const LiveResult result = run_db_check(c, server.endpoint());
  INFO(result.reason);
  CHECK(result.status == LiveStatus::valid);
  CHECK(has_event(server.events(), "startup user=orders_app database=orders"));
  c.match_text = "*:5432:*:orders_app:" + pass;
  CHECK(run_db_check(c, "").status == LiveStatus::unknown);
}

TEST_CASE("connection URI is read whole from the context around the match", "[verify][postgres]") {
  const std::string pass = password(14);
  const std::string uri =
      "postgresql+psycopg2://app:" + pass + "@[fd00::17]:6432,db2.example/orders?sslmode=require&x=1";
  const Credential c = uri_credential("postgres-connection-uri", "postgresql", uri, "url = \"jdbc:" + uri + "\"\n");
  const auto parsed = connection_uri_of(c);
  REQUIRE(parsed);
  CHECK(parsed->scheme == "postgresql+psycopg2");
  CHECK(parsed->user == "app");
  CHECK(parsed->password == pass);
  REQUIRE(parsed->hosts.size() == 2);
  CHECK(parsed->hosts[0].host == "fd00::17");
  CHECK(parsed->hosts[0].port == 6432);
  CHECK(parsed->hosts[1].host == "db2.example");
  CHECK(parsed->hosts[1].port == 0);
  CHECK(parsed->database == "orders");
  CHECK(parsed->option("sslmode") == "require");
}

TEST_CASE("connection URI falls back to the offline identity when the context lacks the URI", "[verify][postgres]") {
  Credential c =
      uri_credential("postgres-connection-uri", "postgresql", "postgres://app:" + password(15) + "@db.example/x");
  c.context = "unrelated";
  c.offline = {{"user", "app"}, {"host", "db.example"}, {"port", "5433"}, {"database", "x"}};
  const auto parsed = connection_uri_of(c);
  REQUIRE(parsed);
  CHECK(parsed->hosts.front().host == "db.example");
  CHECK(parsed->hosts.front().port == 5433);
  CHECK(parsed->password == c.secret);
  c.offline.clear();
  CHECK_FALSE(connection_uri_of(c));
}

TEST_CASE("SCRAM-SHA-256 client matches RFC 7677's example", "[verify][postgres][scram]") {
  scram::Client client(scram::Hash::sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
  CHECK(client.client_first() == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  const std::string server_first =
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
  std::string error;
  const std::string final_message = client.client_final(server_first, error);
  CHECK(final_message == "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=" +
                             std::string("dHzbZapWIk4jUhN+Ute9ytag") + "9zjfMHgsqmmiz7AndVQ=");
  CHECK(client.verify_server_final("v=" + std::string("6rriTRBi23WpRR/wtup+mMhUZUn/") + "dB5nLTJRsjl95G4=", error));
  CHECK_FALSE(
      client.verify_server_final("v=" + std::string("7rriTRBi23WpRR/wtup+mMhUZUn/") + "dB5nLTJRsjl95G4=", error));
}

TEST_CASE("SCRAM-SHA-1 client matches RFC 5802's example", "[verify][postgres][scram]") {
  scram::Client client(scram::Hash::sha1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");
  std::string error;
  const std::string final_message =
      client.client_final("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096", error);
  CHECK(final_message ==
        "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=" + std::string("v0X8v3Bz2T0CJGbJ") + "QyF0X+HI4Ts=");
  CHECK(client.verify_server_final("v=" + std::string("rmF9pqV8S7suAoZW") + "ja4dJRkFsKQ=", error));
}

TEST_CASE("SCRAM client refuses malformed or hostile server messages", "[verify][postgres][scram]") {
  std::string error;
  for (const char* bad :
       {"", "r=abc", "r=rOprNG,s=W22Z,i=4096", "r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0",
        "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999", "r=rOprNGfwEbeRWgbNEkqOx,s=***,i=4096"}) {
    scram::Client client(scram::Hash::sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
    INFO(bad);
    CHECK(client.client_final(bad, error).empty());
    CHECK_FALSE(client.verify_server_final("v=AAAA", error));
  }
}

TEST_CASE("scan --validate checks postgres URIs against the server the endpoint override names",
          "[verify][postgres][cli][validate]") {
  const std::string good = password(16), stale = password(17);
  FakeDbServer server(FakeDbProtocol::postgres, pg_options(good, "scram"));
  sprawl::test::TempDir dir;
  dir.write("app/.env", "DATABASE_URL=postgresql://orders_app:" + good + "@orders-db.internal.example:5432/orders\n");
  dir.write("old/.env", "DATABASE_URL=postgresql://orders_app:" + stale + "@orders-db.internal.example:5432/orders\n");
  const auto run = sprawl::test::run_sprawl_env(
      {"scan", dir.path(), "--validate", "--validation-cache-ttl", "0", "--format", "json", "--show-secrets"},
      {{"SPRAWL_ENDPOINT_POSTGRESQL", server.endpoint()}});
  INFO(run.err);
  const auto scan = sprawl::test::parse_report(run.out);
  const auto live = sprawl::test::with_secret(scan, good), dead = sprawl::test::with_secret(scan, stale);
  REQUIRE(live.size() == 1);
  REQUIRE(dead.size() == 1);
  CHECK(live[0].validity_status == "valid");
  CHECK(live[0].identity_of("user") == "orders_app");
  CHECK(live[0].identity_of("server_version") == "16.2");
  CHECK(dead[0].validity_status == "invalid");
  CHECK(run.err.find(good) == std::string::npos);
}

TEST_CASE("endpoint overrides name host and port in the forms the environment uses", "[verify][postgres]") {
  HostPort hp;
  REQUIRE(parse_host_port("tcp://127.0.0.1:6380", hp));
  CHECK((hp.host == "127.0.0.1" && hp.port == 6380));
  REQUIRE(parse_host_port("127.0.0.1:5432/", hp));
  CHECK((hp.host == "127.0.0.1" && hp.port == 5432));
  REQUIRE(parse_host_port("[::1]:27017", hp));
  CHECK((hp.host == "::1" && hp.port == 27017));
  for (const char* bad :
       {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000", "::1:5432", "[::1]5432", "host:12ab"}) {
    INFO(bad);
    CHECK_FALSE(parse_host_port(bad, hp));
  }
}
