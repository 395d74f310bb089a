// Fake database servers for tests of the database validators: real TCP servers on 127.0.0.1
// that play the server side of the PostgreSQL, MySQL, MongoDB and Redis handshakes for one
// known user, or misbehave on purpose (garbage, a connection closed mid-handshake, silence).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/verify/live_result.h"

namespace sprawl::test {

enum class FakeDbProtocol { postgres, mysql, mongodb, redis };

/// How the server behaves on every connection.
enum class FakeDbMode {
  normal,       ///< speaks the protocol
  garbage,      ///< answers the client's first bytes with bytes of no protocol
  close_early,  ///< reads the client's first message, then closes the connection
  silent,       ///< accepts and never answers (the client must time out)
  noise,        ///< answers the client's first bytes with 1 to 600 random bytes, new on each connection
};

struct FakeDbOptions {
  std::string user = "svc_reader";
  std::string password;
  /// PostgreSQL/MySQL: the only database that exists ("" for any); MongoDB: the database the
  /// user is defined in ("" for admin).
  std::string database;
  /// The authentication the server asks for:
  ///  PostgreSQL: "scram" (SCRAM-SHA-256, the default), "md5", "cleartext", "trust" (no password);
  ///  MySQL: "native" (the default), "caching_sha2" (fast path), "caching_sha2_full" (asks for
  ///         full authentication), "switch" (announces caching_sha2, switches to native);
  ///  MongoDB: "SCRAM-SHA-256" (the default), "SCRAM-SHA-1";
  ///  Redis: "acl" (Redis 6+, the default), "legacy" (before 6: AUTH takes the password alone),
  ///         "nopass" (no password configured).
  std::string method;
  /// TLS with a self-signed certificate for 127.0.0.1 (see ca_file()): PostgreSQL answers
  /// SSLRequest with 'S', MySQL offers CLIENT_SSL, MongoDB and Redis speak TLS from the start.
  bool tls = false;
  FakeDbMode mode = FakeDbMode::normal;
};

class FakeDbServer {
 public:
  FakeDbServer(FakeDbProtocol protocol, FakeDbOptions options);
  ~FakeDbServer();
  FakeDbServer(const FakeDbServer&) = delete;
  FakeDbServer& operator=(const FakeDbServer&) = delete;

  int port() const;
  /// "tcp://127.0.0.1:PORT": the value for SPRAWL_ENDPOINT_<PROVIDER>.
  std::string endpoint() const;
  /// The PEM certificate to trust through SPRAWL_CA_BUNDLE (TLS servers only).
  std::string ca_file() const;
  /// Connections accepted so far.
  int connections() const;
  /// What the server saw, in order: "startup user=U database=D", "tls", "auth ok",
  /// "auth failed", "cleartext password", "command NAME", ….
  std::vector<std::string> events() const;
  /// Whether `event` is seen within `timeout` (the server records what arrives after the
  /// client's last answer — COM_QUIT, Terminate — on its own thread).
  bool wait_for_event(std::string_view event, std::chrono::milliseconds timeout = std::chrono::seconds(2)) const;
  /// Whether `bytes` appeared in what clients sent outside TLS (a password sent in clear).
  bool received_in_clear(std::string_view bytes) const;

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

/// Whether `events` holds `event`.
bool has_event(const std::vector<std::string>& events, std::string_view event);

/// A connection-URI credential as a scan hands it to a validator: the secret is the password
/// as written in `uri`, the match runs from the scheme to the host's first character, and the
/// context is `line` (which must hold `uri`; `uri` itself when empty).
verify::Credential uri_credential(const std::string& rule_id, const std::string& provider, const std::string& uri,
                                  const std::string& line = "");

/// Runs the validator of `credential.rule_id` with the endpoint of `credential.provider`
/// overridden to `override_endpoint` ("" for none) and `timeout` on every operation.
verify::LiveResult run_db_check(const verify::Credential& credential, const std::string& override_endpoint,
                                std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

}  // namespace sprawl::test
