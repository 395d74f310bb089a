// MySQL / MariaDB validator: reads the server's Handshake v10 and answers it with the
// credential of a mysql:// URI — mysql_native_password (SHA-1 scramble) or
// caching_sha2_password (SHA-256 scramble, fast path) — then sends COM_QUIT. No query is sent.
//
// TLS is used when the URI asks for it (ssl-mode=REQUIRED/VERIFY_*, sslmode=require/verify-*,
// useSSL/requireSSL/ssl/tls=true: TLS or unknown; ssl-mode=PREFERRED: TLS when the server offers
// it); otherwise plain, where only scrambles travel. A password goes in clear text (full
// caching_sha2 authentication, mysql_clear_password, sha256_password) only over TLS or to a
// loopback address: sprawl does not fetch the server's RSA key to encrypt it, since nothing
// vouches for that key. When the server's cache lacks the user (it asks for full
// authentication) on a plain connection the result is therefore unknown. OK is valid; ERR 1045
// is invalid; ERR 1044/1049/1862 (no access to the database, unknown database, password expired)
// come after the password was accepted and are valid with the reason saying so.
#include <openssl/evp.h>

#include <cstdint>
#include <optional>
#include <string>

#include "src/verify/database/db_target.h"
#include "src/verify/database/scram.h"
#include "src/verify/families.h"

namespace sprawl::verify {
namespace {

constexpr std::size_t kMaxPacket = 64 * 1024;
constexpr int kMaxRounds = 8;

constexpr std::uint32_t kLongPassword = 0x1, kConnectWithDb = 0x8, kProtocol41 = 0x200, kSsl = 0x800,
                        kTransactions = 0x2000, kSecureConnection = 0x8000, kPluginAuth = 0x80000;

std::string le(std::uint32_t v, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out += static_cast<char>(v >> (8 * i));
  return out;
}

std::uint32_t read_le(std::string_view bytes) {
  std::uint32_t v = 0;
  for (std::size_t i = bytes.size(); i-- > 0;) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  return v;
}

/// Packets with their sequence numbers: each side answers with the last one seen plus one.
class MysqlWire {
 public:
  explicit MysqlWire(TcpConnection& tcp) : m_tcp(tcp) {}
  bool read(std::string& payload, std::string& error) {
    std::string header;
    if (!m_tcp.read_exact(4, header, error)) return false;
    const std::uint32_t length = read_le(std::string_view(header).substr(0, 3));
    if (length == 0 || length > kMaxPacket) {
      error = "malformed server packet (length " + std::to_string(length) + ")";
      return false;
    }
    m_seq = static_cast<unsigned char>(header[3]);
    payload.clear();
    return m_tcp.read_exact(length, payload, error);
  }
  bool write(std::string_view payload, std::string& error) {
    m_seq = static_cast<std::uint8_t>(m_seq + 1);
    return m_tcp.write_all(
        le(static_cast<std::uint32_t>(payload.size()), 3) + static_cast<char>(m_seq) + std::string(payload), error);
  }
  void restart() { m_seq = 0xff; }  // the next write is sequence 0 (a new command)

 private:
  TcpConnection& m_tcp;
  std::uint8_t m_seq = 0;
};

struct Handshake {
  std::string server_version, scramble, plugin;
  std::uint32_t capabilities = 0;
};

/// Reads a NUL-terminated string at `pos`; false when there is no NUL.
bool read_cstring(std::string_view p, std::size_t& pos, std::string& out) {
  const std::size_t end = p.find('\0', pos);
  if (end == std::string_view::npos) return false;
  out = std::string(p.substr(pos, end - pos));
  pos = end + 1;
  return true;
}

std::optional<Handshake> parse_handshake(std::string_view p) {
  Handshake h;
  std::size_t pos = 1;
  if (p.empty() || p[0] != 10 || !read_cstring(p, pos, h.server_version) || pos + 4 + 8 + 1 + 2 > p.size()) {
    return std::nullopt;
  }
  pos += 4;  // connection id
  h.scramble = std::string(p.substr(pos, 8));
  pos += 9;  // scramble part 1 and a filler byte
  h.capabilities = read_le(p.substr(pos, 2));
  pos += 2;
  if (pos + 1 + 2 + 2 + 1 + 10 > p.size()) return h;
  h.capabilities |= read_le(p.substr(pos + 3, 2)) << 16;
  const std::size_t data_length = static_cast<unsigned char>(p[pos + 5]);
  pos += 16;
  if (h.capabilities & kSecureConnection) {
    const std::size_t part2 = std::max<std::size_t>(13, data_length > 8 ? data_length - 8 : 0);
    if (pos + part2 > p.size()) return std::nullopt;
    std::string_view rest = p.substr(pos, part2);
    if (rest.ends_with('\0')) rest.remove_suffix(1);
    h.scramble += rest;
    pos += part2;
  }
  if ((h.capabilities & kPluginAuth) && pos < p.size()) {
    const std::size_t end = p.find('\0', pos);
    h.plugin = std::string(p.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
  }
  return h;
}

std::string sha(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), out, &size, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), size);
}

/// The scrambled password for `plugin`: SHA1(p) ^ SHA1(nonce + SHA1(SHA1(p))) for native,
/// SHA256(p) ^ SHA256(SHA256(SHA256(p)) + nonce) for caching_sha2; "" for an empty password.
std::string scramble_for(std::string_view plugin, const std::string& password, std::string_view nonce) {
  if (password.empty()) return {};
  nonce = nonce.substr(0, 20);
  if (plugin == "caching_sha2_password") {
    const std::string p1 = sha(EVP_sha256(), password);
    return scram::xor_bytes(p1, sha(EVP_sha256(), sha(EVP_sha256(), p1) + std::string(nonce)));
  }
  const std::string p1 = sha(EVP_sha1(), password);
  return scram::xor_bytes(p1, sha(EVP_sha1(), std::string(nonce) + sha(EVP_sha1(), p1)));
}

enum class TlsWish { none, prefer, require };

TlsWish tls_wish(const ConnectionUri& uri) {
  std::string mode = uri_detail::lowered(uri.option("ssl-mode"));
  if (mode.empty()) mode = uri_detail::lowered(uri.option("sslmode"));
  if (mode == "required" || mode == "require" || mode.starts_with("verify")) return TlsWish::require;
  for (const char* flag : {"usessl", "requiressl", "ssl", "tls"}) {
    if (uri_detail::lowered(uri.option(flag)) == "true") return TlsWish::require;
  }
  return mode == "preferred" || mode == "prefer" ? TlsWish::prefer : TlsWish::none;
}

class MysqlSession {
 public:
  MysqlSession(const ConnectionUri& uri, const Credential& credential, DbConnection connection)
      : m_uri(uri), m_credential(credential), m_connection(std::move(connection)), m_wire(*m_connection.tcp) {}
  LiveResult run();

 private:
  TcpConnection& tcp() { return *m_connection.tcp; }
  bool cleartext_allowed() { return tcp().is_tls() || tcp().peer_is_loopback(); }
  std::optional<LiveResult> start(const Handshake& handshake);
  std::optional<LiveResult> auth_response(std::string_view plugin, std::string_view nonce, std::string& out);
  std::optional<LiveResult> next(std::string_view packet);
  LiveResult from_error(std::string_view packet) const;
  LiveResult accepted(std::string note);

  const ConnectionUri& m_uri;
  const Credential& m_credential;
  DbConnection m_connection;
  MysqlWire m_wire;
  std::string m_plugin, m_nonce, m_server_version, m_error;
};

LiveResult MysqlSession::run() {
  std::string packet;
  if (!m_wire.read(packet, m_error)) return LiveResult::unknown("MySQL handshake: " + m_error);
  if (!packet.empty() && static_cast<unsigned char>(packet[0]) == 0xff) return from_error(packet);
  const std::optional<Handshake> handshake = parse_handshake(packet);
  if (!handshake) return LiveResult::unknown("malformed MySQL handshake: not a MySQL server?");
  m_server_version = server_text(handshake->server_version, "");
  if (auto stop = start(*handshake)) return *stop;
  for (int round = 0; round < kMaxRounds; ++round) {
    if (!m_wire.read(packet, m_error)) return LiveResult::unknown("MySQL authentication: " + m_error);
    if (auto done = next(packet)) return *done;
  }
  return LiveResult::unknown("MySQL authentication did not finish");
}

std::optional<LiveResult> MysqlSession::start(const Handshake& h) {
  if ((h.capabilities & (kProtocol41 | kSecureConnection)) != (kProtocol41 | kSecureConnection) ||
      h.scramble.size() < 20) {
    return LiveResult::unknown("MySQL server too old (no protocol 4.1 authentication)");
  }
  const TlsWish wish = tls_wish(m_uri);
  const bool tls = wish != TlsWish::none && (h.capabilities & kSsl);
  if (wish == TlsWish::require && !tls) return LiveResult::unknown("server does not offer TLS, which the URI requires");
  std::uint32_t caps = kLongPassword | kProtocol41 | kTransactions | kSecureConnection | kPluginAuth;
  if (!m_uri.database.empty()) caps |= kConnectWithDb;
  if (tls) caps |= kSsl;
  caps &= h.capabilities | kProtocol41 | kSecureConnection;
  const std::string prefix = le(caps, 4) + le(1u << 24, 4) + static_cast<char>(45) + std::string(23, '\0');
  if (tls && (!m_wire.write(prefix, m_error) || !tcp().start_tls(m_connection.host.host, m_error))) {
    return LiveResult::unknown(m_error);
  }
  m_plugin = h.plugin == "caching_sha2_password" ? h.plugin : "mysql_native_password";
  m_nonce = h.scramble;
  std::string response;
  if (auto stop = auth_response(m_plugin, m_nonce, response)) return stop;
  std::string body = prefix + m_uri.user + '\0' + static_cast<char>(response.size()) + response;
  if (caps & kConnectWithDb) body += m_uri.database + '\0';
  body += m_plugin + '\0';
  if (!m_wire.write(body, m_error)) return LiveResult::unknown(m_error);
  return std::nullopt;
}

std::optional<LiveResult> MysqlSession::auth_response(std::string_view plugin, std::string_view nonce,
                                                      std::string& out) {
  if (plugin == "mysql_native_password" || plugin == "caching_sha2_password") {
    out = scramble_for(plugin, m_uri.password, nonce);
    return std::nullopt;
  }
  if (plugin == "mysql_clear_password" || plugin == "sha256_password") {
    if (!cleartext_allowed()) {
      return LiveResult::unknown("server asks for " + std::string(plugin) +
                                 ", which sends the password in clear text, without TLS; not sent");
    }
    out = m_uri.password + '\0';
    return std::nullopt;
  }
  return LiveResult::unknown("server asks for an unsupported authentication plugin: " + server_text(plugin, ""));
}

std::optional<LiveResult> MysqlSession::next(std::string_view packet) {
  const auto kind = static_cast<unsigned char>(packet[0]);
  if (kind == 0x00) return accepted("");
  if (kind == 0xff) return from_error(packet);
  std::string response;
  if (kind == 0xfe) {  // AuthSwitchRequest: plugin name and a new nonce
    std::size_t pos = 1;
    if (packet.size() < 2 || !read_cstring(packet, pos, m_plugin)) {
      return LiveResult::unknown("server asks for the pre-4.1 password scheme");
    }
    m_nonce = std::string(packet.substr(pos));
    if (m_nonce.ends_with('\0')) m_nonce.pop_back();
    if (auto stop = auth_response(m_plugin, m_nonce, response)) return stop;
  } else if (kind == 0x01 && packet.size() == 2 && m_plugin == "caching_sha2_password") {
    if (packet[1] == 3) return std::nullopt;  // fast authentication succeeded; OK follows
    if (packet[1] != 4) return LiveResult::unknown("unexpected caching_sha2_password state");
    if (!cleartext_allowed()) {
      return LiveResult::unknown(
          "server needs full caching_sha2_password authentication (the user is not in its cache), which sends the "
          "password; not sent without TLS");
    }
    response = m_uri.password + '\0';
  } else {
    return LiveResult::unknown("unexpected packet during MySQL authentication");
  }
  if (!m_wire.write(response, m_error)) return LiveResult::unknown(m_error);
  return std::nullopt;
}

LiveResult MysqlSession::from_error(std::string_view packet) const {
  const std::uint32_t code = packet.size() >= 3 ? read_le(packet.substr(1, 2)) : 0;
  std::string_view message = packet.size() > 3 ? packet.substr(3) : std::string_view{};
  if (message.starts_with('#') && message.size() >= 6) message.remove_prefix(6);  // '#' and the SQLSTATE
  const std::string text = "ERR " + std::to_string(code) + " " + server_text(message, m_credential.secret);
  if (code == 1045) return LiveResult::invalid("MySQL denied access: " + text);
  if (code == 1044 || code == 1049 || code == 1862) {
    return LiveResult::valid("MySQL accepted the password; then: " + text,
                             db_identity(m_uri.user, m_connection, m_uri.database));
  }
  return LiveResult::unknown("MySQL error before authentication finished: " + text);
}

LiveResult MysqlSession::accepted(std::string note) {
  Identity id = db_identity(m_uri.user, m_connection, m_uri.database);
  if (!m_server_version.empty()) id.emplace_back("server_version", m_server_version);
  id.emplace_back("auth_plugin", m_plugin);
  m_wire.restart();
  m_wire.write(std::string(1, '\x01'), m_error);  // COM_QUIT
  return LiveResult::valid("MySQL accepted the password" + std::string(tcp().is_tls() ? " (TLS)" : "") + note,
                           std::move(id));
}

LiveResult validate_mysql(const Credential& credential, const ValidatorContext& context) {
  const std::optional<ConnectionUri> uri = connection_uri_of(credential);
  if (!uri) return LiveResult::unknown("no host found in the connection URI");
  if (uri->user.empty()) return LiveResult::unknown("no user name in the connection URI");
  if (uri->scheme.starts_with("mysqlx")) return LiveResult::unknown("X Protocol URIs (mysqlx://) are not checked");
  std::string error;
  DbConnection connection = connect_first(db_targets(*uri, "mysql", 3306, context), context.timeout, error);
  if (!connection.tcp) return scrubbed(LiveResult::unknown(error), credential.secret, uri->password);
  MysqlSession session(*uri, credential, std::move(connection));
  return scrubbed(session.run(), credential.secret, uri->password);
}

}  // namespace

void add_mysql_validators(std::vector<Validator>& out) {
  out.push_back({"mysql", {"mysql-connection-uri"}, validate_mysql});
}

}  // namespace sprawl::verify
