// FakeDbServer: one accept thread on 127.0.0.1 serving connections one at a time, each handed
// to the protocol's server side (PostgreSQL, MySQL, MongoDB, Redis) or to a misbehaving mode.
// The server sides verify what clients send the way real servers do (SCRAM proofs from stored
// keys, MySQL scrambles from the stored double hash), not by recomputing the client's answer.
#include "tests/support/fake_db_servers.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "src/verify/database/bson.h"
#include "src/verify/database/scram.h"
#include "src/verify/validator.h"
#include "tests/support/fake_db_connection.h"
#include "tests/support/temp_dir.h"

namespace sprawl::test {

using namespace fake_db;

namespace {

namespace scram = sprawl::verify::scram;
namespace bson = sprawl::verify::bson;
using Clock = std::chrono::steady_clock;

/// The server side of SCRAM, from the stored keys of one password.
class ScramServer {
 public:
  ScramServer(scram::Hash hash, std::string_view password) : m_hash(hash) {
    m_salt = random_bytes(16, false);
    const std::string salted = scram::salted_password(hash, password, m_salt, 4096);
    m_stored_key = scram::digest(hash, scram::hmac(hash, salted, "Client Key"));
    m_server_key = scram::hmac(hash, salted, "Server Key");
  }
  /// The server-first message for `client_first` ("n,,n=user,r=nonce"); "" when malformed.
  std::string first(std::string_view client_first) {
    if (!client_first.starts_with("n,,")) return {};
    m_client_first_bare = std::string(client_first.substr(3));
    const auto user = scram::attribute(m_client_first_bare, 'n');
    const auto nonce = scram::attribute(m_client_first_bare, 'r');
    if (!user || !nonce) return {};
    user_name = std::string(*user);
    m_nonce = std::string(*nonce) + scram::base64_encode(random_bytes(12, false));
    m_server_first = "r=" + m_nonce + ",s=" + scram::base64_encode(m_salt) + ",i=4096";
    return m_server_first;
  }
  /// Whether `client_final` proves the password; `server_final` gets "v=…".
  bool verify(std::string_view client_final, std::string& server_final) {
    const std::size_t p = client_final.find(",p=");
    std::string proof;
    if (p == std::string_view::npos || scram::attribute(client_final, 'r') != std::string_view(m_nonce) ||
        !scram::base64_decode(client_final.substr(p + 3), proof)) {
      return false;
    }
    const std::string auth = m_client_first_bare + "," + m_server_first + "," + std::string(client_final.substr(0, p));
    const std::string client_key = scram::xor_bytes(proof, scram::hmac(m_hash, m_stored_key, auth));
    server_final = "v=" + scram::base64_encode(scram::hmac(m_hash, m_server_key, auth));
    return scram::digest(m_hash, client_key) == m_stored_key;
  }
  std::string user_name;

 private:
  scram::Hash m_hash;
  std::string m_salt, m_stored_key, m_server_key, m_client_first_bare, m_server_first, m_nonce;
};

}  // namespace

struct FakeDbServer::State {
  FakeDbProtocol protocol;
  FakeDbOptions options;
  int listen_fd = -1;
  int port = 0;
  std::atomic<bool> stop{false};
  std::atomic<int> connections{0};
  mutable std::mutex mutex;
  std::vector<std::string> events;
  std::string clear_log;
  std::unique_ptr<TempDir> dir;
  std::string ca_file;
  SSL_CTX* tls = nullptr;
  std::thread thread;

  void event(std::string text) {
    std::lock_guard lock(mutex);
    events.push_back(std::move(text));
  }
  void serve();
  void handle(FakeDbConnection& conn);
  bool misbehave(FakeDbConnection& conn);  // true when the mode is not normal (the connection is done)
  void postgres(FakeDbConnection& conn);
  bool postgres_auth(FakeDbConnection& conn, const std::string& user);
  void mysql(FakeDbConnection& conn);
  void mongodb(FakeDbConnection& conn);
  void redis(FakeDbConnection& conn);
};

void FakeDbServer::State::serve() {
  while (!stop) {
    pollfd p{listen_fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    const int fd = accept(listen_fd, nullptr, nullptr);
    if (fd < 0) continue;
    ++connections;
    FakeDbConnection conn(fd, stop, clear_log, mutex);
    handle(conn);
  }
}

void FakeDbServer::State::handle(FakeDbConnection& conn) {
  const bool tls_first = options.tls && (protocol == FakeDbProtocol::mongodb || protocol == FakeDbProtocol::redis);
  if (tls_first) {
    if (!conn.start_tls(tls)) return;
    event("tls");
  }
  switch (protocol) {
    case FakeDbProtocol::postgres:
      return postgres(conn);
    case FakeDbProtocol::mysql:
      return mysql(conn);
    case FakeDbProtocol::mongodb:
      return mongodb(conn);
    case FakeDbProtocol::redis:
      return redis(conn);
  }
}

bool FakeDbServer::State::misbehave(FakeDbConnection& conn) {
  switch (options.mode) {
    case FakeDbMode::normal:
      return false;
    case FakeDbMode::silent:
      conn.stay_silent();
      return true;
    case FakeDbMode::close_early:
      return true;
    case FakeDbMode::garbage:
      conn.write("HTTP/1.1 400 Bad Request\r\n\r\n" + random_bytes(64, false));
      return true;
    case FakeDbMode::noise: {
      unsigned char size[2];
      RAND_bytes(size, 2);
      conn.write(random_bytes(1 + (size[0] * 256u + size[1]) % 600, false));
      return true;
    }
  }
  return true;
}

// ---- PostgreSQL ------------------------------------------------------------------------------

void FakeDbServer::State::postgres(FakeDbConnection& conn) {
  if (options.mode == FakeDbMode::silent) return conn.stay_silent();
  std::string header, body;
  if (!conn.read_exact(8, header)) return;
  if (get_be32(header.substr(4)) == 80877103) {  // SSLRequest
    if (misbehave(conn)) return;
    conn.write(options.tls ? "S" : "N");
    if (options.tls) {
      if (!conn.start_tls(tls)) return;
      event("tls");
    }
    header.clear();
    if (!conn.read_exact(8, header)) return;
  }
  if (get_be32(header) < 8 || !conn.read_exact(get_be32(header) - 8, body) || misbehave(conn)) return;
  std::string user, database;
  for (std::size_t pos = 0; pos < body.size() && body[pos] != '\0';) {
    const std::size_t key_end = body.find('\0', pos), value_end = body.find('\0', key_end + 1);
    if (value_end == std::string::npos) return;
    const std::string key = body.substr(pos, key_end - pos), value = body.substr(key_end + 1, value_end - key_end - 1);
    if (key == "user") user = value;
    if (key == "database") database = value;
    pos = value_end + 1;
  }
  event("startup user=" + user + " database=" + database);
  if (!postgres_auth(conn, user)) return;
  if (!options.database.empty() && database != options.database) {
    conn.write(pg_error("3D000", "database \"" + database + "\" does not exist"));
    return;
  }
  conn.write(pg_message('S', std::string("server_version") + '\0' + "16.2" + '\0') +
             pg_message('K', be32(7) + be32(9)) + pg_message('Z', "I"));
  char type = 0;
  if (pg_read(conn, type, body) && type == 'X') event("terminate");
}

bool FakeDbServer::State::postgres_auth(FakeDbConnection& conn, const std::string& user) {
  const std::string method = options.method.empty() ? "scram" : options.method;
  char type = 0;
  std::string body;
  bool ok = false;
  if (method == "trust") {
    ok = user == options.user;
  } else if (method == "md5") {
    const std::string salt = random_bytes(4, false);
    const std::string stored = hex(digest(EVP_md5(), options.password + options.user));
    if (!conn.write(pg_auth(5, salt)) || !pg_read(conn, type, body)) return false;
    ok = user == options.user && body == "md5" + hex(digest(EVP_md5(), stored + salt)) + '\0';
  } else if (method == "cleartext") {
    if (!conn.write(pg_auth(3)) || !pg_read(conn, type, body)) return false;
    event("cleartext password");
    ok = user == options.user && body == options.password + '\0';
  } else {
    ScramServer server(scram::Hash::sha256, options.password);
    if (!conn.write(pg_auth(10, std::string("SCRAM-SHA-256") + '\0' + '\0')) || !pg_read(conn, type, body)) {
      return false;
    }
    const std::size_t nul = body.find('\0');
    if (nul == std::string::npos || body.substr(0, nul) != "SCRAM-SHA-256" || body.size() < nul + 5) return false;
    const std::string first = server.first(std::string_view(body).substr(nul + 5));
    if (first.empty() || !conn.write(pg_auth(11, first)) || !pg_read(conn, type, body)) return false;
    std::string server_final;
    ok = server.verify(body, server_final) && user == options.user;
    if (ok) conn.write(pg_auth(12, server_final));
  }
  event(ok ? "auth ok" : "auth failed");
  conn.write(ok ? pg_auth(0) : pg_error("28P01", "password authentication failed for user \"" + user + "\""));
  return ok;
}

// ---- MySQL -----------------------------------------------------------------------------------

constexpr std::uint32_t kMyCaps = 0x1 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x80000;

/// Checks a scramble as the server does: stage2 = H(H(p)); H(reply ^ H(mix)) == stage2.
bool my_scramble_ok(bool sha2, std::string_view reply, std::string_view password, std::string_view nonce) {
  const EVP_MD* md = sha2 ? EVP_sha256() : EVP_sha1();
  const std::string stage2 = digest(md, digest(md, password));
  const std::string mix = digest(md, sha2 ? stage2 + std::string(nonce) : std::string(nonce) + stage2);
  return reply.size() == mix.size() && digest(md, scram::xor_bytes(std::string(reply), mix)) == stage2;
}

void FakeDbServer::State::mysql(FakeDbConnection& conn) {
  if (misbehave(conn)) return;
  const std::string method = options.method.empty() ? "native" : options.method;
  const std::string plugin = method == "native" ? "mysql_native_password" : "caching_sha2_password";
  std::string nonce = random_bytes(20, true);
  const std::uint32_t caps = kMyCaps | (options.tls ? 0x800 : 0);
  std::string hello = std::string(1, '\x0a') + "8.0.36-fake" + '\0' + le(42, 4) + nonce.substr(0, 8) + '\0' +
                      le(caps & 0xffff, 2) + '\x2d' + le(2, 2) + le(caps >> 16, 2) + '\x15' + std::string(10, '\0') +
                      nonce.substr(8) + '\0' + plugin + '\0';
  std::uint8_t seq = 0xff;
  std::string packet;
  if (!my_write(conn, seq, hello) || !my_read(conn, seq, packet)) return;
  if (packet.size() == 32 && (get_le(packet, 4) & 0x800)) {
    if (!conn.start_tls(tls)) return;
    event("tls");
    if (!my_read(conn, seq, packet)) return;
  }
  std::size_t pos = 32;
  const std::size_t user_end = packet.find('\0', pos);
  if (user_end == std::string::npos || user_end + 1 >= packet.size()) return;
  const std::string user = packet.substr(pos, user_end - pos);
  std::string reply = packet.substr(user_end + 2, static_cast<unsigned char>(packet[user_end + 1]));
  pos = user_end + 2 + reply.size();
  std::string database;
  if ((get_le(packet, 4) & 0x8) && pos < packet.size()) database = packet.substr(pos, packet.find('\0', pos) - pos);
  event("startup user=" + user + " database=" + database);
  bool ok = false;
  if (method == "switch") {
    nonce = random_bytes(20, true);
    if (!my_write(conn, seq, "\xfe" + std::string("mysql_native_password") + '\0' + nonce + '\0') ||
        !my_read(conn, seq, reply)) {
      return;
    }
  }
  if (method == "caching_sha2_full") {
    if (!my_write(conn, seq, "\x01\x04") || !my_read(conn, seq, reply)) return;
    event("cleartext password");
    ok = reply == options.password + '\0';
  } else {
    ok = my_scramble_ok(method == "caching_sha2", reply, options.password, nonce);
    if (ok && method == "caching_sha2") my_write(conn, seq, "\x01\x03");
  }
  ok = ok && user == options.user;
  event(ok ? "auth ok" : "auth failed");
  if (!ok) {
    my_write(conn, seq,
             my_error(1045, "28000", "Access denied for user '" + user + "'@'localhost' (using password: YES)"));
  } else if (!options.database.empty() && database != options.database) {
    my_write(conn, seq, my_error(1049, "42000", "Unknown database '" + database + "'"));
  } else {
    my_write(conn, seq, std::string("\x00\x00\x00\x02\x00\x00\x00", 7));
    if (my_read(conn, seq, packet) && packet == "\x01") event("quit");
  }
}

// ---- MongoDB ---------------------------------------------------------------------------------

void FakeDbServer::State::mongodb(FakeDbConnection& conn) {
  const std::string mechanism = options.method.empty() ? "SCRAM-SHA-256" : options.method;
  const std::string source = options.database.empty() ? "admin" : options.database;
  const bool sha256 = mechanism == "SCRAM-SHA-256";
  ScramServer server(sha256 ? scram::Hash::sha256 : scram::Hash::sha1,
                     sha256 ? options.password : hex(digest(EVP_md5(), options.user + ":mongo:" + options.password)));
  std::uint32_t id = 0;
  std::string doc;
  for (int i = 0; i < 8 && mongo_read(conn, id, doc); ++i) {
    if (i == 0 && misbehave(conn)) return;
    std::string command;
    bson::for_each(doc, [&](const bson::Element& e) { return command = std::string(e.key), false; });
    const auto db = bson::find(doc, "$db");
    const std::string database(db && db->string() ? *db->string() : "");
    event("command " + command + " db=" + database);
    if (command == "hello" || command == "isMaster") {
      const std::string mechs = bson::Builder().string("0", mechanism).finish();
      mongo_write(conn, id,
                  bson::Builder()
                      .boolean("isWritablePrimary", true)
                      .int32("maxWireVersion", 21)
                      .document("saslSupportedMechs", mechs, true)
                      .float64("ok", 1)
                      .finish());
    } else if (command == "saslStart") {
      const auto payload = bson::find(doc, "payload");
      const auto mech = bson::find(doc, "mechanism");
      const std::string first_reply = payload && payload->binary() ? server.first(*payload->binary()) : "";
      if (first_reply.empty() || !mech || mech->string() != std::string_view(mechanism)) {
        mongo_write(conn, id, mongo_failure(334, "Received authentication for mechanism which is not enabled"));
        continue;
      }
      mongo_write(conn, id,
                  bson::Builder()
                      .int32("conversationId", 1)
                      .boolean("done", false)
                      .binary("payload", first_reply)
                      .float64("ok", 1)
                      .finish());
    } else if (command == "saslContinue") {
      const auto payload = bson::find(doc, "payload");
      std::string server_final;
      const bool ok = payload && payload->binary() && server.verify(*payload->binary(), server_final) &&
                      server.user_name == options.user && database == source;
      event(ok ? "auth ok" : "auth failed");
      mongo_write(conn, id,
                  ok ? bson::Builder()
                           .int32("conversationId", 1)
                           .boolean("done", true)
                           .binary("payload", server_final)
                           .float64("ok", 1)
                           .finish()
                     : mongo_failure(18, "Authentication failed."));
    } else {
      mongo_write(conn, id, mongo_failure(59, "no such command: '" + command + "'"));
    }
  }
}

// ---- Redis -----------------------------------------------------------------------------------

void FakeDbServer::State::redis(FakeDbConnection& conn) {
  const std::string method = options.method.empty() ? "acl" : options.method;
  std::vector<std::string> args;
  for (int i = 0; i < 4 && resp_read(conn, args); ++i) {
    if (i == 0 && misbehave(conn)) return;
    event("command " + (args.empty() ? std::string() : args[0]));
    if (args.empty() || args[0] != "AUTH") {
      conn.write("-ERR unknown command\r\n");
    } else if (method == "nopass") {
      conn.write(
          "-ERR AUTH <password> called without any password configured for the default user. Are you sure "
          "your configuration is correct?\r\n");
    } else if (method == "legacy" && args.size() != 2) {
      conn.write("-ERR wrong number of arguments for 'auth' command\r\n");
    } else {
      const std::string user = args.size() == 3 ? args[1] : "default";
      const bool ok = args.back() == options.password && (method == "legacy" || user == options.user);
      event(ok ? "auth ok" : "auth failed");
      conn.write(ok                   ? "+OK\r\n"
                 : method == "legacy" ? "-ERR invalid password\r\n"
                                      : "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    }
  }
}

// ---- The server itself -----------------------------------------------------------------------

FakeDbServer::FakeDbServer(FakeDbProtocol protocol, FakeDbOptions options) : m_state(std::make_unique<State>()) {
  State& s = *m_state;
  s.protocol = protocol;
  s.options = std::move(options);
  if (s.options.tls) {
    s.dir = std::make_unique<TempDir>();
    s.ca_file = *s.dir / "fake-db-ca.pem";
    s.tls = make_tls_context(s.ca_file);
  }
  s.listen_fd = listen_on_loopback(s.port);
  if (s.listen_fd < 0) throw std::runtime_error("fake database server: cannot listen on 127.0.0.1");
  s.thread = std::thread([&s] { s.serve(); });
}

FakeDbServer::~FakeDbServer() {
  m_state->stop = true;
  m_state->thread.join();
  close(m_state->listen_fd);
  if (m_state->tls != nullptr) SSL_CTX_free(m_state->tls);
}

int FakeDbServer::port() const { return m_state->port; }
std::string FakeDbServer::endpoint() const { return "tcp://127.0.0.1:" + std::to_string(m_state->port); }
std::string FakeDbServer::ca_file() const { return m_state->ca_file; }
int FakeDbServer::connections() const { return m_state->connections; }

std::vector<std::string> FakeDbServer::events() const {
  std::lock_guard lock(m_state->mutex);
  return m_state->events;
}

bool FakeDbServer::wait_for_event(std::string_view event, std::chrono::milliseconds timeout) const {
  const auto until = Clock::now() + timeout;
  while (!has_event(events(), event)) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

bool FakeDbServer::received_in_clear(std::string_view bytes) const {
  std::lock_guard lock(m_state->mutex);
  return m_state->clear_log.find(bytes) != std::string::npos;
}

verify::Credential uri_credential(const std::string& rule_id, const std::string& provider, const std::string& uri,
                                  const std::string& line) {
  verify::Credential c;
  c.rule_id = rule_id;
  c.provider = provider;
  const std::size_t scheme_end = uri.find("://") + 3;
  const std::size_t at = uri.rfind('@', uri.find_first_of("/?", uri.find('@')));
  const std::size_t colon = uri.find(':', scheme_end);
  c.secret = uri.substr(colon + 1, at - colon - 1);
  c.match_text = uri.substr(0, at + 2);
  c.context = line.empty() ? uri : line;
  return c;
}

verify::LiveResult run_db_check(const verify::Credential& credential, const std::string& override_endpoint,
                                std::chrono::milliseconds timeout) {
  verify::HttpOptions options;
  options.timeout = timeout;
  verify::HttpClient client(options);
  std::map<std::string, std::string> config;
  if (!override_endpoint.empty()) config.emplace(credential.provider, override_endpoint);
  const verify::Endpoints endpoints(config);
  const verify::ValidatorContext context{client, endpoints, timeout, 0};
  const verify::Validator* validator = verify::validator_for(credential.rule_id);
  if (validator == nullptr) throw std::runtime_error("no validator for " + credential.rule_id);
  return validator->validate(credential, context);
}

bool has_event(const std::vector<std::string>& events, std::string_view event) {
  for (const auto& e : events)
    if (e == event) return true;
  return false;
}

}  // namespace sprawl::test
