// What every database validator shares: where to connect (the URI's hosts, or the provider's
// endpoint override), connecting to the first host that answers, and keeping server text and
// the secret out of a result's reason. Implemented in db_target.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/verify/database/connection_uri.h"
#include "src/verify/database/tcp_connection.h"
#include "src/verify/validator.h"

namespace sprawl::verify {

/// The hosts to try, in order, and whether they came from the endpoint override.
struct DbTargets {
  std::vector<HostPort> hosts;
  bool overridden = false;
  std::string uri_host;  ///< "host:port" of the URI's first host: what results name
};

/// "host:port", with an IPv6 host in brackets.
std::string host_label(const HostPort& host);

/// The override for `provider` ("tcp://127.0.0.1:PORT") when one is set, else the URI's hosts
/// with `default_port` where they name none.
DbTargets db_targets(const ConnectionUri& uri, std::string_view provider, std::uint16_t default_port,
                     const ValidatorContext& context);

/// An open connection and the host it reached.
struct DbConnection {
  std::unique_ptr<TcpConnection> tcp;
  HostPort host;      ///< where the connection goes (the override's host when overridden)
  std::string label;  ///< the URI's host:port it stands for, for results
};

/// Connects to the first of `targets` that accepts within the timeout; `error` holds the last
/// failure when none does. A Unix-socket path (a host starting with '/') is skipped.
DbConnection connect_first(const DbTargets& targets, std::chrono::milliseconds timeout, std::string& error);

/// Text a server sent (an error message), fit for a one-line reason: printable ASCII only, at
/// most 120 characters, and never the secret.
std::string server_text(std::string_view text, std::string_view secret);

/// `result` with the secret (and its decoded form) removed from the reason, as a last guard.
LiveResult scrubbed(LiveResult result, std::string_view secret, std::string_view password);

/// The identity every database result starts with: user, host (the URI's), database.
Identity db_identity(std::string_view user, const DbConnection& connection, std::string_view database);

}  // namespace sprawl::verify
