// PostgreSQL validator: connects to the server of a postgres:// URI (or a .pgpass entry) and
// authenticates with the frontend/backend protocol 3.0 — cleartext, MD5 or SCRAM-SHA-256 —
// then hangs up. No query is sent.
//
// TLS follows the URI's sslmode: disable (plain), prefer (the default: SSLRequest, plain when
// the server says 'N' or when TLS fails, as libpq does), require / verify-ca / verify-full (TLS
// or unknown). The server's certificate is always verified (system store plus SPRAWL_CA_BUNDLE).
// A password goes in clear text only over TLS or to a loopback address: a server asking for it
// over a plain connection elsewhere gets nothing (it may be a downgrade) and the result is
// unknown. A server that lets the user in without asking for a password (trust) has not
// checked it: unknown. An error before AuthenticationOk with SQLSTATE 28P01 is `invalid`; 28000 (no
// pg_hba.conf entry, a rejected host) says nothing about the password and is `unknown`. Once
// AuthenticationOk arrived the password is `valid`, even when the server then refuses the
// session (database does not exist, too many connections): the reason says so.
#include <openssl/evp.h>

#include <cstdint>
#include <optional>
#include <string>

#include "src/verify/database/db_target.h"
#include "src/verify/database/scram.h"
#include "src/verify/families.h"

namespace sprawl::verify {
namespace {

constexpr std::size_t kMaxMessage = 64 * 1024;
constexpr int kMaxMessages = 256;
constexpr std::uint32_t kProtocol30 = 196608;
constexpr std::uint32_t kSslRequestCode = 80877103;

enum class TlsPolicy { disable, prefer, require };

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::uint32_t read_be32(std::string_view bytes) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4 && i < bytes.size(); ++i) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  return v;
}

struct PgMessage {
  char type = 0;
  std::string body;
};

bool read_message(TcpConnection& tcp, PgMessage& out, std::string& error) {
  std::string header;
  if (!tcp.read_exact(5, header, error)) return false;
  const std::uint32_t length = read_be32(std::string_view(header).substr(1));
  if (length < 4 || length > kMaxMessage) {
    error = "malformed server message (length " + std::to_string(length) + ")";
    return false;
  }
  out.type = header[0];
  out.body.clear();
  return tcp.read_exact(length - 4, out.body, error);
}

bool send_message(TcpConnection& tcp, char type, std::string_view body, std::string& error) {
  std::string bytes(1, type);
  bytes += be32(static_cast<std::uint32_t>(body.size() + 4));
  bytes += body;
  return tcp.write_all(bytes, error);
}

std::string startup_message(const std::string& user, const std::string& database) {
  std::string body = be32(kProtocol30);
  body += "user" + std::string(1, '\0') + user + '\0';
  body += "database" + std::string(1, '\0') + database + '\0';
  body += "application_name" + std::string(1, '\0') + "sprawl" + '\0';
  body += '\0';
  return be32(static_cast<std::uint32_t>(body.size() + 4)) + body;
}

std::string md5_hex(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), out, &size, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < size; ++i) hex += {kHex[out[i] >> 4], kHex[out[i] & 15]};
  return hex;
}

/// The MD5 method's answer: "md5" + md5(md5(password + user) + salt), hex.
std::string md5_response(const std::string& user, const std::string& password, std::string_view salt) {
  return "md5" + md5_hex(md5_hex(password + user) + std::string(salt));
}

/// The fields of an ErrorResponse: SQLSTATE ('C') and message ('M').
struct PgError {
  std::string sqlstate, message;
};

PgError parse_error(std::string_view body) {
  PgError out;
  while (!body.empty() && body[0] != '\0') {
    const char field = body[0];
    const std::size_t end = body.find('\0', 1);
    if (end == std::string_view::npos) break;
    const std::string_view value = body.substr(1, end - 1);
    if (field == 'C') out.sqlstate = std::string(value);
    if (field == 'M') out.message = std::string(value);
    body.remove_prefix(end + 1);
  }
  return out;
}

TlsPolicy tls_policy(const ConnectionUri& uri) {
  const std::string mode = uri.option("sslmode");
  if (mode == "disable") return TlsPolicy::disable;
  if (mode == "require" || mode == "verify-ca" || mode == "verify-full" || uri.option("ssl") == "true") {
    return TlsPolicy::require;
  }
  return TlsPolicy::prefer;
}

bool is_ascii(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

/// One authentication attempt on one connection.
class PgSession {
 public:
  PgSession(const ConnectionUri& uri, const Credential& credential, DbConnection connection)
      : m_uri(uri), m_credential(credential), m_connection(std::move(connection)) {}

  /// The TLS step: nullopt to go on; a result to stop with. `tls_failed` is set when the
  /// server accepted SSLRequest but the handshake failed (prefer retries in plain text).
  std::optional<LiveResult> negotiate_tls(TlsPolicy policy, bool& tls_failed);
  LiveResult authenticate();

 private:
  TcpConnection& tcp() { return *m_connection.tcp; }
  std::optional<LiveResult> answer(std::uint32_t code, std::string_view data);
  std::optional<LiveResult> answer_sasl(std::string_view mechanisms);
  LiveResult rejected(std::string_view body) const;
  LiveResult after_ok();
  std::string database() const { return m_uri.database.empty() ? m_uri.user : m_uri.database; }

  const ConnectionUri& m_uri;
  const Credential& m_credential;
  DbConnection m_connection;
  std::optional<scram::Client> m_scram;
  bool m_scram_verified = false;
  bool m_password_used = false;  ///< some proof of the password went to the server
  std::string m_error;
};

std::optional<LiveResult> PgSession::negotiate_tls(TlsPolicy policy, bool& tls_failed) {
  if (policy == TlsPolicy::disable) return std::nullopt;
  std::string answer;
  if (!tcp().write_all(be32(8) + be32(kSslRequestCode), m_error) || !tcp().read_exact(1, answer, m_error)) {
    return LiveResult::unknown("PostgreSQL SSLRequest: " + m_error);
  }
  if (answer[0] == 'N') {
    if (policy == TlsPolicy::require) return LiveResult::unknown("server does not offer TLS, which the URI requires");
    return std::nullopt;
  }
  if (answer[0] != 'S') return LiveResult::unknown("unexpected answer to SSLRequest: not a PostgreSQL server?");
  if (!tcp().start_tls(m_connection.host.host, m_error)) {
    tls_failed = true;
    return LiveResult::unknown(m_error);
  }
  return std::nullopt;
}

LiveResult PgSession::authenticate() {
  if (!tcp().write_all(startup_message(m_uri.user, database()), m_error)) return LiveResult::unknown(m_error);
  for (int i = 0; i < kMaxMessages; ++i) {
    PgMessage message;
    if (!read_message(tcp(), message, m_error)) return LiveResult::unknown("PostgreSQL handshake: " + m_error);
    if (message.type == 'E') return rejected(message.body);
    if (message.type == 'N') continue;  // a notice
    if (message.type != 'R' || message.body.size() < 4) {
      return LiveResult::unknown("unexpected message during authentication: not a PostgreSQL server?");
    }
    const std::uint32_t code = read_be32(message.body);
    if (code == 0) return after_ok();
    if (auto stop = answer(code, std::string_view(message.body).substr(4))) return *stop;
  }
  return LiveResult::unknown("PostgreSQL handshake did not finish");
}

std::optional<LiveResult> PgSession::answer(std::uint32_t code, std::string_view data) {
  const std::string& password = m_uri.password;
  switch (code) {
    case 3:  // AuthenticationCleartextPassword
      if (!tcp().is_tls() && !tcp().peer_is_loopback()) {
        return LiveResult::unknown(
            "server asks for the password in clear text over an unencrypted connection; not sent");
      }
      if (!send_message(tcp(), 'p', password + '\0', m_error)) return LiveResult::unknown(m_error);
      m_password_used = true;
      return std::nullopt;
    case 5:  // AuthenticationMD5Password
      if (data.size() < 4) return LiveResult::unknown("malformed MD5 password request");
      if (!send_message(tcp(), 'p', md5_response(m_uri.user, password, data.substr(0, 4)) + '\0', m_error)) {
        return LiveResult::unknown(m_error);
      }
      m_password_used = true;
      return std::nullopt;
    case 10:  // AuthenticationSASL
      return answer_sasl(data);
    case 11: {  // AuthenticationSASLContinue: the server-first message
      if (!m_scram) return LiveResult::unknown("SASL continue without a SASL start");
      const std::string final_message = m_scram->client_final(data, m_error);
      if (final_message.empty()) return LiveResult::unknown(m_error);
      if (!send_message(tcp(), 'p', final_message, m_error)) return LiveResult::unknown(m_error);
      m_password_used = true;
      return std::nullopt;
    }
    case 12:  // AuthenticationSASLFinal: the server proves it knows the password
      if (!m_scram) return LiveResult::unknown("SASL final without a SASL exchange");
      if (!m_scram->verify_server_final(data, m_error)) return LiveResult::unknown(m_error);
      m_scram_verified = true;
      return std::nullopt;
    default:
      return LiveResult::unknown("server asks for an unsupported authentication method (" + std::to_string(code) +
                                 ": Kerberos, GSSAPI or SSPI)");
  }
}

std::optional<LiveResult> PgSession::answer_sasl(std::string_view mechanisms) {
  bool offered = false;
  while (!mechanisms.empty() && mechanisms[0] != '\0') {
    const std::size_t end = mechanisms.find('\0');
    if (mechanisms.substr(0, end) == "SCRAM-SHA-256") offered = true;
    if (end == std::string_view::npos) break;
    mechanisms.remove_prefix(end + 1);
  }
  if (!offered) return LiveResult::unknown("server offers no SASL mechanism sprawl speaks (SCRAM-SHA-256)");
  // PostgreSQL takes the user from the startup message; the SCRAM user name is left empty.
  m_scram.emplace(scram::Hash::sha256, "", m_uri.password, scram::random_nonce());
  const std::string first = m_scram->client_first();
  std::string body = "SCRAM-SHA-256";
  body += '\0';
  body += be32(static_cast<std::uint32_t>(first.size())) + first;
  if (!send_message(tcp(), 'p', body, m_error)) return LiveResult::unknown(m_error);
  return std::nullopt;
}

LiveResult PgSession::rejected(std::string_view body) const {
  const PgError e = parse_error(body);
  const std::string text = server_text(e.message, m_credential.secret);
  if (e.sqlstate == "28P01") {
    if (m_scram && !is_ascii(m_uri.password)) {
      return LiveResult::unknown("password rejected, but it is not ASCII and SASLprep was not applied");
    }
    return LiveResult::invalid("password authentication failed (SQLSTATE 28P01)");
  }
  if (e.sqlstate == "28000") return LiveResult::unknown("server refused the connection before any password: " + text);
  return LiveResult::unknown("server error before authentication, SQLSTATE " + server_text(e.sqlstate, "") + ": " +
                             text);
}

LiveResult PgSession::after_ok() {
  if (!m_password_used) {
    return LiveResult::unknown(
        "server let the user in without asking for a password (trust): the password was not checked");
  }
  if (m_scram && !m_scram_verified) return LiveResult::unknown("server accepted SCRAM without proving the password");
  Identity id = db_identity(m_uri.user, m_connection, database());
  std::string refused;
  for (int i = 0; i < kMaxMessages; ++i) {
    PgMessage message;
    if (!read_message(tcp(), message, m_error) || message.type == 'Z') break;
    if (message.type == 'E') {
      const PgError e = parse_error(message.body);
      refused = "; the server then refused the session: SQLSTATE " + server_text(e.sqlstate, "") + " " +
                server_text(e.message, m_credential.secret);
      break;
    }
    if (message.type == 'S') {
      const std::string_view body = message.body;
      const std::size_t nul = body.find('\0');
      if (nul != std::string_view::npos && body.substr(0, nul) == "server_version") {
        const std::string_view value = body.substr(nul + 1);
        id.emplace_back("server_version", server_text(value.substr(0, value.find('\0')), ""));
      }
    }
  }
  send_message(tcp(), 'X', "", m_error);  // Terminate
  return LiveResult::valid(std::string("PostgreSQL accepted the password") + (tcp().is_tls() ? " (TLS)" : "") + refused,
                           std::move(id));
}

/// A .pgpass line "host:port:database:user:password" (':' and '\' escaped with '\').
std::optional<ConnectionUri> parse_pgpass(std::string_view line) {
  std::vector<std::string> fields(1);
  for (std::size_t i = 0; i < line.size() && fields.size() <= 5; ++i) {
    const char c = line[i];
    if (c == '\\' && i + 1 < line.size())
      fields.back() += line[++i];
    else if (c == ':' && fields.size() < 5)
      fields.emplace_back();
    else
      fields.back() += c;
  }
  if (fields.size() != 5) return std::nullopt;
  for (auto& f : fields) {
    while (!f.empty() && (f.front() == ' ' || f.front() == '\t')) f.erase(f.begin());
    while (!f.empty() && (f.back() == ' ' || f.back() == '\t' || f.back() == '\r')) f.pop_back();
  }
  ConnectionUri uri;
  uri.scheme = "pgpass";
  HostPort host{fields[0], 0};
  if (fields[1] != "*") {
    HostPort parsed;
    if (!parse_host_port("x:" + fields[1], parsed)) return std::nullopt;
    host.port = parsed.port;
  }
  uri.hosts.push_back(std::move(host));
  uri.database = fields[2] == "*" ? "" : fields[2];
  uri.user = fields[3];
  uri.password = fields[4];
  return uri;
}

LiveResult attempt(const ConnectionUri& uri, const Credential& credential, const DbTargets& targets, TlsPolicy policy,
                   const ValidatorContext& context, bool& tls_failed) {
  std::string error;
  DbConnection connection = connect_first(targets, context.timeout, error);
  if (!connection.tcp) return LiveResult::unknown(error);
  PgSession session(uri, credential, std::move(connection));
  if (auto stop = session.negotiate_tls(policy, tls_failed)) return *stop;
  return session.authenticate();
}

LiveResult validate_postgres(const Credential& credential, const ValidatorContext& context) {
  const std::optional<ConnectionUri> uri =
      credential.rule_id == "pgpass-entry" ? parse_pgpass(credential.match_text) : connection_uri_of(credential);
  if (!uri) return LiveResult::unknown("no host found for the credential");
  if (uri->user.empty()) return LiveResult::unknown("no user name in the connection URI");
  if (uri->hosts.front().host == "*" && context.endpoints.override_for("postgresql").empty()) {
    return LiveResult::unknown("the .pgpass entry matches any host: no server to ask");
  }
  const DbTargets targets = db_targets(*uri, "postgresql", 5432, context);
  const TlsPolicy policy = tls_policy(*uri);
  bool tls_failed = false;
  LiveResult result = attempt(*uri, credential, targets, policy, context, tls_failed);
  if (tls_failed && policy == TlsPolicy::prefer) {
    result = attempt(*uri, credential, targets, TlsPolicy::disable, context, tls_failed);
  }
  return scrubbed(std::move(result), credential.secret, uri->password);
}

}  // namespace

void add_postgres_validators(std::vector<Validator>& out) {
  out.push_back({"postgresql", {"postgres-connection-uri", "pgpass-entry"}, validate_postgres});
}

}  // namespace sprawl::verify
