// MongoDB validator: speaks OP_MSG to the server of a mongodb:// or mongodb+srv:// URI — `hello`
// (isMaster for servers before 4.4.2) asking which SASL mechanisms the user has, then
// saslStart / saslContinue with SCRAM-SHA-256 or SCRAM-SHA-1 against the authSource (the
// URI's authSource option, else the TXT record of a +srv host, else the URI's database, else
// "admin") — and hangs up. No other command is sent.
//
// ok:1 with done and a server signature that verifies is valid; error 18 (AuthenticationFailed)
// is invalid; anything else is unknown. TLS when tls=true / ssl=true, and by default for
// mongodb+srv:// (tls=false turns it off). mongodb+srv:// hosts come from the DNS SRV record
// _mongodb._tcp.<host>, kept only within the host's parent domain. Mechanisms other than SCRAM
// (X.509, LDAP PLAIN, GSSAPI, AWS) are not checked. SCRAM-SHA-256 wants the password SASLprep'd;
// sprawl sends it as written, so a non-ASCII password that is rejected is reported unknown.
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/verify/database/bson.h"
#include "src/verify/database/db_target.h"
#include "src/verify/database/dns_srv.h"
#include "src/verify/database/scram.h"
#include "src/verify/families.h"

namespace sprawl::verify {
namespace {

constexpr std::size_t kMaxMessage = 4 * 1024 * 1024;
constexpr std::int32_t kOpMsg = 2013;
constexpr int kMaxSaslRounds = 4;
constexpr int kAuthenticationFailed = 18, kCommandNotFound = 59;

std::uint32_t read_le32(std::string_view bytes) { return static_cast<std::uint32_t>(bson::detail::get_le(bytes, 4)); }

/// One command/reply exchange over OP_MSG: the reply's body document, or "" with `error`.
class MongoWire {
 public:
  explicit MongoWire(TcpConnection& tcp) : m_tcp(tcp) {}
  std::string command(const std::string& document, std::string& error) {
    const std::int32_t id = ++m_request_id;
    std::string message;
    bson::detail::put_le(message, 16 + 4 + 1 + document.size(), 4);
    bson::detail::put_le(message, static_cast<std::uint32_t>(id), 4);
    bson::detail::put_le(message, 0, 4);  // responseTo
    bson::detail::put_le(message, kOpMsg, 4);
    bson::detail::put_le(message, 0, 4);  // flagBits
    message += '\0';                      // section kind 0: the body
    message += document;
    if (!m_tcp.write_all(message, error)) return {};
    return read_reply(id, error);
  }

 private:
  std::string read_reply(std::int32_t id, std::string& error) {
    std::string header;
    if (!m_tcp.read_exact(16, header, error)) return {};
    const std::uint32_t length = read_le32(header);
    if (length < 21 || length > kMaxMessage || read_le32(header.substr(8)) != static_cast<std::uint32_t>(id) ||
        read_le32(header.substr(12)) != kOpMsg) {
      error = "malformed reply: not a MongoDB server?";
      return {};
    }
    std::string rest;
    if (!m_tcp.read_exact(length - 16, rest, error)) return {};
    std::string_view sections = std::string_view(rest).substr(4);
    if (read_le32(rest) & 1) sections.remove_suffix(std::min<std::size_t>(4, sections.size()));  // checksum
    // Kind 1 sections (document sequences) never answer these commands: the body comes first.
    if (sections.empty() || sections[0] != 0 || !bson::valid(sections.substr(1))) {
      error = "malformed reply document";
      return {};
    }
    const std::string_view body = sections.substr(1);
    return std::string(body.substr(0, read_le32(body)));
  }

  TcpConnection& m_tcp;
  std::int32_t m_request_id = 0;
};

struct Reply {
  bool ok = false;
  int code = 0;
  std::string message;
};

Reply read_status(std::string_view doc) {
  Reply r;
  if (const auto ok = bson::find(doc, "ok")) r.ok = ok->truth().value_or(false);
  if (const auto code = bson::find(doc, "code")) r.code = static_cast<int>(code->number().value_or(0));
  if (const auto message = bson::find(doc, "errmsg")) r.message = std::string(message->string().value_or(""));
  return r;
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

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

class MongoSession {
 public:
  MongoSession(const ConnectionUri& uri, const Credential& credential, std::string auth_source, DbConnection connection)
      : m_uri(uri),
        m_credential(credential),
        m_auth_source(std::move(auth_source)),
        m_connection(std::move(connection)),
        m_wire(*m_connection.tcp) {}
  LiveResult run(bool tls);

 private:
  std::optional<LiveResult> hello(std::vector<std::string>& mechanisms);
  LiveResult authenticate(const std::string& mechanism);
  LiveResult failed(const Reply& reply, const std::string& mechanism) const;
  std::string exchange(bson::Builder& command, Reply& status);

  const ConnectionUri& m_uri;
  const Credential& m_credential;
  std::string m_auth_source;
  DbConnection m_connection;
  MongoWire m_wire;
  std::string m_error;
  int m_max_wire_version = 0;
};

std::string MongoSession::exchange(bson::Builder& command, Reply& status) {
  command.string("$db", m_auth_source);
  std::string reply = m_wire.command(command.finish(), m_error);
  if (!reply.empty()) status = read_status(reply);
  return reply;
}

std::optional<LiveResult> MongoSession::hello(std::vector<std::string>& mechanisms) {
  std::string reply;
  Reply status;
  for (const char* name : {"hello", "isMaster"}) {
    bson::Builder command;
    command.int32(name, 1).string("saslSupportedMechs", m_auth_source + "." + m_uri.user).string("$db", "admin");
    reply = m_wire.command(command.finish(), m_error);
    if (reply.empty()) return LiveResult::unknown("MongoDB hello: " + m_error);
    status = read_status(reply);
    if (status.ok || status.code != kCommandNotFound) break;
  }
  if (!status.ok) return LiveResult::unknown("MongoDB hello failed: " + server_text(status.message, ""));
  if (const auto v = bson::find(reply, "maxWireVersion"))
    m_max_wire_version = static_cast<int>(v->number().value_or(0));
  if (const auto list = bson::find(reply, "saslSupportedMechs"); list && list->document()) {
    bson::for_each(*list->document(), [&](const bson::Element& e) {
      if (const auto s = e.string()) mechanisms.emplace_back(*s);
      return mechanisms.size() < 16;
    });
  }
  return std::nullopt;
}

LiveResult MongoSession::run(bool tls) {
  if (tls && !m_connection.tcp->start_tls(m_connection.host.host, m_error)) return LiveResult::unknown(m_error);
  std::vector<std::string> offered;
  if (auto stop = hello(offered)) return *stop;
  std::string mechanism = m_uri.option("authmechanism");
  const auto has = [&](const char* m) { return std::find(offered.begin(), offered.end(), m) != offered.end(); };
  if (mechanism.empty()) {
    // No list: the user may not exist; the server's default mechanism (4.0+: SHA-256) decides.
    mechanism = has("SCRAM-SHA-256") || (offered.empty() && m_max_wire_version >= 7) ? "SCRAM-SHA-256" : "SCRAM-SHA-1";
  }
  if (mechanism != "SCRAM-SHA-256" && mechanism != "SCRAM-SHA-1") {
    return LiveResult::unknown("authMechanism " + server_text(mechanism, "") + " is not checked (SCRAM only)");
  }
  return authenticate(mechanism);
}

LiveResult MongoSession::authenticate(const std::string& mechanism) {
  const bool sha256 = mechanism == "SCRAM-SHA-256";
  // SCRAM-SHA-1 in MongoDB hashes the password first: hex(MD5(user ":mongo:" password)).
  std::string password = sha256 ? m_uri.password : md5_hex(m_uri.user + ":mongo:" + m_uri.password);
  scram::Client client(sha256 ? scram::Hash::sha256 : scram::Hash::sha1, m_uri.user, std::move(password),
                       scram::random_nonce());
  Reply status;
  bson::Builder start;
  start.int32("saslStart", 1).string("mechanism", mechanism).binary("payload", client.client_first());
  start.int32("autoAuthorize", 1).document("options", bson::Builder().boolean("skipEmptyExchange", true).finish());
  std::string reply = exchange(start, status);
  bool proved = false;
  for (int round = 0; round < kMaxSaslRounds; ++round) {
    if (reply.empty()) return LiveResult::unknown("MongoDB authentication: " + m_error);
    if (!status.ok) return failed(status, mechanism);
    const auto done = bson::find(reply, "done");
    const auto payload = bson::find(reply, "payload");
    const auto conversation = bson::find(reply, "conversationId");
    const std::string_view data = payload && payload->binary() ? *payload->binary() : std::string_view{};
    std::string next;
    if (round == 0) {
      next = client.client_final(data, m_error);
      if (next.empty()) return LiveResult::unknown(m_error);
    } else if (!data.empty()) {
      if (!client.verify_server_final(data, m_error)) return LiveResult::unknown(m_error);
      proved = true;
    }
    if (done && done->truth().value_or(false)) break;
    if (!conversation || !conversation->number()) return LiveResult::unknown("SASL reply without a conversationId");
    bson::Builder more;
    more.int32("saslContinue", 1).int32("conversationId", static_cast<std::int32_t>(*conversation->number()));
    more.binary("payload", next);
    reply = exchange(more, status);
  }
  if (!proved) return LiveResult::unknown("server accepted SCRAM without proving the password");
  Identity id = db_identity(m_uri.user, m_connection, "");
  id.emplace_back("auth_source", m_auth_source);
  id.emplace_back("mechanism", mechanism);
  return LiveResult::valid(std::string("MongoDB accepted the password") + (m_connection.tcp->is_tls() ? " (TLS)" : ""),
                           std::move(id));
}

LiveResult MongoSession::failed(const Reply& reply, const std::string& mechanism) const {
  const std::string text = server_text(reply.message, m_credential.secret);
  if (reply.code != kAuthenticationFailed) {
    return LiveResult::unknown("MongoDB error " + std::to_string(reply.code) + ": " + text);
  }
  if (mechanism == "SCRAM-SHA-256" && !is_ascii(m_uri.password)) {
    return LiveResult::unknown("password rejected, but it is not ASCII and SASLprep was not applied");
  }
  return LiveResult::invalid("MongoDB authentication failed (code 18)");
}

/// Where the user is defined: authSource, else the +srv TXT record's, else the database, else admin.
std::string auth_source_of(const ConnectionUri& uri, std::string_view txt_options) {
  if (std::string s = uri.option("authsource"); !s.empty()) return s;
  ConnectionUri txt;
  uri_detail::parse_options(txt_options, txt);
  if (std::string s = txt.option("authsource"); !s.empty()) return s;
  return uri.database.empty() ? "admin" : uri.database;
}

LiveResult validate_mongodb(const Credential& credential, const ValidatorContext& context) {
  const std::optional<ConnectionUri> uri = connection_uri_of(credential);
  if (!uri) return LiveResult::unknown("no host found in the connection URI");
  if (uri->user.empty()) return LiveResult::unknown("no user name in the connection URI");
  const bool srv = uri->scheme == "mongodb+srv";
  const std::string tls_option =
      uri_detail::lowered(uri->option("tls").empty() ? uri->option("ssl") : uri->option("tls"));
  const bool tls = tls_option == "true" || (srv && tls_option != "false");
  DbTargets targets = db_targets(*uri, "mongodb", 27017, context);
  std::string error, txt;
  if (srv && !targets.overridden) {
    targets.hosts = mongodb_srv_hosts(uri->hosts.front().host, context.timeout, error);
    if (targets.hosts.empty()) return LiveResult::unknown(error);
    txt = mongodb_txt_options(uri->hosts.front().host, context.timeout);
  }
  DbConnection connection = connect_first(targets, context.timeout, error);
  if (!connection.tcp) return scrubbed(LiveResult::unknown(error), credential.secret, uri->password);
  MongoSession session(*uri, credential, auth_source_of(*uri, txt), std::move(connection));
  return scrubbed(session.run(tls), credential.secret, uri->password);
}

}  // namespace

void add_mongodb_validators(std::vector<Validator>& out) {
  out.push_back({"mongodb", {"mongodb-connection-uri"}, validate_mongodb});
}

}  // namespace sprawl::verify
