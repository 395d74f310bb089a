// Redis validator: connects to the server of a redis:// or rediss:// URI (valkey:// too) and
// sends AUTH over RESP — nothing else — then hangs up.
//
// `+OK` is valid; -WRONGPASS, "-ERR invalid password" and "invalid username-password pair" are
// invalid. A server with no password at all ("no password is set", "without any password
// configured") is also `invalid`: it refuses this password as a credential (and the reason
// says the server is open without one). rediss:// / valkeys:// speak TLS from the first byte;
// redis:// sends AUTH in clear text, as the URI's own user would. A Redis older than 6 refuses
// "AUTH user password" with a wrong-arguments error: AUTH is then repeated with the password
// alone. redis+sentinel:// URIs name a sentinel, not the server the password is for: not served.
#include <cctype>
#include <string>
#include <vector>

#include "src/verify/database/db_target.h"
#include "src/verify/families.h"

namespace sprawl::verify {
namespace {

constexpr std::size_t kMaxReply = 4096;

std::string resp_command(const std::vector<std::string_view>& args) {
  std::string out(1, '*');
  out += std::to_string(args.size());
  out += "\r\n";
  for (std::string_view arg : args) {
    out += '$';
    out += std::to_string(arg.size());
    out += "\r\n";
    out += arg;
    out += "\r\n";
  }
  return out;
}

/// Reads one reply line (without "\r\n"); false on a timeout, a closed connection or a line
/// longer than kMaxReply.
bool read_line(TcpConnection& tcp, std::string& line, std::string& error) {
  std::string buffer;
  for (;;) {
    if (const std::size_t end = buffer.find("\r\n"); end != std::string::npos) {
      line = buffer.substr(0, end);
      return true;
    }
    if (buffer.size() >= kMaxReply) {
      error = "reply line too long: not a Redis server?";
      return false;
    }
    if (!tcp.read_some(kMaxReply - buffer.size(), buffer, error)) return false;
  }
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

/// What an AUTH reply says; `retry_without_user` is set for a pre-6 server's arity error.
LiveResult classify_auth_reply(const std::string& line, const ConnectionUri& uri, const DbConnection& connection,
                               bool& retry_without_user) {
  if (line == "+OK") {
    return LiveResult::valid(std::string("Redis accepted AUTH") + (connection.tcp->is_tls() ? " (TLS)" : ""),
                             db_identity(uri.user, connection, ""));
  }
  if (line.empty() || line[0] != '-') return LiveResult::unknown("unexpected reply to AUTH: not a Redis server?");
  const std::string text = server_text(line.substr(1), uri.password);
  if (starts_with_nocase(line, "-WRONGPASS") || contains(line, "invalid password") ||
      contains(line, "invalid username-password pair")) {
    return LiveResult::invalid("Redis rejected the password: " + text);
  }
  if (contains(line, "no password is set") || contains(line, "without any password configured")) {
    return LiveResult::invalid("the server has no password set (it is open without one): " + text);
  }
  if (contains(line, "wrong number of arguments")) retry_without_user = true;
  return LiveResult::unknown("Redis error: " + text);
}

LiveResult authenticate(const ConnectionUri& uri, DbConnection& connection) {
  std::string error;
  if (uri.scheme == "rediss" || uri.scheme == "valkeys") {
    if (!connection.tcp->start_tls(connection.host.host, error)) return LiveResult::unknown(error);
  }
  std::vector<std::string_view> args{"AUTH"};
  if (!uri.user.empty()) args.push_back(uri.user);
  args.push_back(uri.password);
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::string line;
    if (!connection.tcp->write_all(resp_command(args), error) || !read_line(*connection.tcp, line, error)) {
      return LiveResult::unknown("Redis AUTH: " + error);
    }
    bool retry_without_user = false;
    LiveResult result = classify_auth_reply(line, uri, connection, retry_without_user);
    if (!retry_without_user || args.size() != 3) return result;
    args = {"AUTH", uri.password};  // Redis before 6 has no users
  }
  return LiveResult::unknown("Redis AUTH did not finish");
}

LiveResult validate_redis(const Credential& credential, const ValidatorContext& context) {
  const std::optional<ConnectionUri> uri = connection_uri_of(credential);
  if (!uri) return LiveResult::unknown("no host found in the connection URI");
  if (uri->scheme.find("sentinel") != std::string::npos) {
    return LiveResult::unknown("a sentinel URI: the password is for the server the sentinel names; not checked");
  }
  if (uri->password.empty()) return LiveResult::unknown("no password in the connection URI");
  std::string error;
  DbConnection connection = connect_first(db_targets(*uri, "redis", 6379, context), context.timeout, error);
  if (!connection.tcp) return scrubbed(LiveResult::unknown(error), credential.secret, uri->password);
  return scrubbed(authenticate(*uri, connection), credential.secret, uri->password);
}

}  // namespace

void add_redis_validators(std::vector<Validator>& out) {
  out.push_back({"redis", {"redis-connection-uri"}, validate_redis});
}

}  // namespace sprawl::verify
