// The MongoDB validator against a fake server (hello, SCRAM-SHA-256 and SCRAM-SHA-1 over
// OP_MSG, authSource, TLS, garbage, silence), and the BSON reader on well-formed and hostile
// documents.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <string>

#include "src/verify/database/bson.h"
#include "src/verify/database/dns_srv.h"
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

std::string password(std::uint32_t seed) { return sprawl::test::random_chars(sprawl::test::kBase62, 16, 700 + seed); }


Credential mongo_uri(const std::string& pass, const std::string& tail = "/?replicaSet=rs0",
                     const std::string& scheme = "mongodb") {
  return uri_credential("mongodb-connection-uri", "mongodb",
                        scheme + "://reporter:" + pass + "@mongo-0.example:27017,mongo-1.example:27017" + tail);
}

FakeDbOptions mongo_options(const std::string& pass, const std::string& method = "SCRAM-SHA-256") {
  FakeDbOptions o;
  o.user = "reporter";
  o.password = pass;
  o.method = method;
  return o;
}

/// Commands the server saw, in order ("hello db=admin", …).
std::vector<std::string> commands(const FakeDbServer& server) {
  std::vector<std::string> out;
  for (const auto& e : server.events())
    if (e.starts_with("command ")) out.push_back(e.substr(8));
  return out;
}

}  // namespace

TEST_CASE("mongodb SCRAM login is valid, names user, host, authSource and mechanism", "[verify][mongodb]") {
  const std::string mechanism = GENERATE(std::string("SCRAM-SHA-256"), std::string("SCRAM-SHA-1"));
  const std::string pass = password(1);
  FakeDbServer server(FakeDbProtocol::mongodb, mongo_options(pass, mechanism));
  const LiveResult result = run_db_check(mongo_uri(pass), server.endpoint());
  INFO(mechanism << ": " << result.reason);
  CHECK(result.status == LiveStatus::valid);
  CHECK(identity_of(result, "user") == "reporter");
  CHECK(identity_of(result, "host") == "mongo-0.example:27017");
  CHECK(identity_of(result, "auth_source") == "admin");
  CHECK(identity_of(result, "mechanism") == mechanism);
  CHECK(commands(server) == std::vector<std::string>{"hello db=admin", "saslStart db=admin", "saslContinue db=admin"});
  CHECK_FALSE(server.received_in_clear(pass));
}

TEST_CASE("mongodb wrong password is invalid (code 18)", "[verify][mongodb]") {
  FakeDbServer server(FakeDbProtocol::mongodb, mongo_options(password(2)));
  const LiveResult result = run_db_check(mongo_uri(password(3)), server.endpoint());
  CHECK(result.status == LiveStatus::invalid);
  CHECK(result.reason.find("18") != std::string::npos);
}

TEST_CASE("mongodb authenticates against authSource, else the URI's database", "[verify][mongodb]") {
  const std::string pass = password(4);
  FakeDbOptions options = mongo_options(pass);
  options.database = "reports";
  FakeDbServer server(FakeDbProtocol::mongodb, options);
  CHECK(run_db_check(mongo_uri(pass, "/?authSource=reports"), server.endpoint()).status == LiveStatus::valid);
  CHECK(run_db_check(mongo_uri(pass, "/reports"), server.endpoint()).status == LiveStatus::valid);
  CHECK(run_db_check(mongo_uri(pass, "/"), server.endpoint()).status == LiveStatus::invalid);  // admin
}

TEST_CASE("mongodb tls=true and mongodb+srv speak verified TLS", "[verify][mongodb]") {
  const std::string pass = password(5);
  FakeDbOptions options = mongo_options(pass);
  options.tls = true;
  FakeDbServer server(FakeDbProtocol::mongodb, options);
  setenv("SPRAWL_CA_BUNDLE", server.ca_file().c_str(), 1);
  const LiveResult tls = run_db_check(mongo_uri(pass, "/?tls=true"), server.endpoint());
  // +srv: the override stands in for the SRV lookup; TLS is the default.
  const LiveResult srv = run_db_check(mongo_uri(pass, "/?retryWrites=true", "mongodb+srv"), server.endpoint());
  unsetenv("SPRAWL_CA_BUNDLE");
  INFO(tls.reason << " / " << srv.reason);
  CHECK(tls.status == LiveStatus::valid);
  CHECK(srv.status == LiveStatus::valid);
  CHECK_FALSE(server.received_in_clear(pass));
}

TEST_CASE("mongodb mechanisms other than SCRAM are not checked", "[verify][mongodb]") {
  FakeDbServer server(FakeDbProtocol::mongodb, mongo_options(password(6)));
  const LiveResult result = run_db_check(mongo_uri(password(6), "/?authMechanism=PLAIN"), server.endpoint());
  CHECK(result.status == LiveStatus::unknown);
  CHECK(commands(server) == std::vector<std::string>{"hello db=admin"});
}

TEST_CASE("mongodb misbehaving servers give unknown within the timeout", "[verify][mongodb]") {
  const FakeDbMode mode = GENERATE(FakeDbMode::garbage, FakeDbMode::close_early, FakeDbMode::silent);
  const std::string pass = password(7);
  FakeDbOptions options = mongo_options(pass);
  options.mode = mode;
  FakeDbServer server(FakeDbProtocol::mongodb, options);
  const auto start = std::chrono::steady_clock::now();
  const LiveResult result = run_db_check(mongo_uri(pass), server.endpoint(), std::chrono::milliseconds(300));
  INFO(result.reason);
  CHECK(result.status == LiveStatus::unknown);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("bson builder writes the documented bytes", "[verify][mongodb][bson]") {
  CHECK(bson::Builder().int32("hello", 1).finish() == std::string("\x10\0\0\0\x10hello\0\x01\0\0\0\0", 16));
  const std::string doc = bson::Builder().string("a", "b").boolean("t", true).binary("p", "xy").finish();
  CHECK(doc == std::string("\x1c\0\0\0\x02"
                           "a\0\x02\0\0\0b\0\x08t\0\x01\x05p\0\x02\0\0\0\0xy\0",
                           28));
  REQUIRE(bson::valid(doc));
  CHECK(bson::find(doc, "a")->string() == std::string_view("b"));
  CHECK(bson::find(doc, "t")->truth() == true);
  CHECK(bson::find(doc, "p")->binary() == std::string_view("xy"));
  CHECK_FALSE(bson::find(doc, "missing"));
}

TEST_CASE("bson reader rejects malformed documents without reading past them", "[verify][mongodb][bson]") {
  const std::string good = bson::Builder().string("k", "value").int64("n", 7).finish();
  REQUIRE(bson::valid(good));
  for (std::size_t cut = 0; cut < good.size(); ++cut) CHECK_FALSE(bson::valid(good.substr(0, cut)));
  std::string long_string = good;
  long_string[7] = '\x7f';  // the string's length runs past the document
  CHECK_FALSE(bson::valid(long_string));
  std::string bad_type = good;
  bad_type[4] = '\x42';
  CHECK_FALSE(bson::valid(bad_type));
  std::string deep = bson::Builder().int32("x", 1).finish();
  for (int i = 0; i < 40; ++i) deep = bson::Builder().document("d", deep).finish();
  CHECK_FALSE(bson::valid(deep));
  CHECK_FALSE(bson::valid(std::string("\xff\xff\xff\xff", 4)));
}

namespace {

std::string dns_name(const std::string& name) {
  std::string out;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t dot = std::min(name.find('.', start), name.size());
    out += static_cast<char>(dot - start);
    out += name.substr(start, dot - start);
    start = dot + 1;
  }
  return out + '\0';
}

std::string be16(unsigned v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xff)}; }

std::string srv_record(unsigned port, const std::string& target) {
  const std::string rdata = be16(0) + be16(0) + be16(port) + dns_name(target);
  return "\xc0\x0c" + be16(33) + be16(1) + be16(0) + be16(60) + be16(static_cast<unsigned>(rdata.size())) + rdata;
}

}  // namespace

TEST_CASE("mongodb+srv seed hosts are kept only within the host's parent domain", "[verify][mongodb][dns]") {
  const std::string host = "cluster0.abc.example.net";
  std::string reply = be16(0x1234) + be16(0x8180) + be16(1) + be16(3) + be16(0) + be16(0);
  reply += dns_name("_mongodb._tcp." + host) + be16(33) + be16(1);
  reply += srv_record(27017, "shard-00.abc.example.net") + srv_record(27017, "evil.attacker.test") +
           srv_record(27018, "Shard-01.ABC.example.net.");
  const auto* bytes = reinterpret_cast<const unsigned char*>(reply.data());
  const auto hosts = srv_hosts_in_answer(bytes, static_cast<int>(reply.size()), host);
  REQUIRE(hosts.size() == 2);
  CHECK(hosts[0].host == "shard-00.abc.example.net");
  CHECK(hosts[0].port == 27017);
  CHECK(hosts[1].host == "shard-01.abc.example.net");
  CHECK(hosts[1].port == 27018);
  for (std::size_t cut = 0; cut < reply.size(); ++cut) {  // truncated replies: no crash, fewer hosts
    CHECK(srv_hosts_in_answer(bytes, static_cast<int>(cut), host).size() <= 2);
  }
}
