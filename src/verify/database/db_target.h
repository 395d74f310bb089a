// What every database validator shares: where to connect (the URI's hosts, or the provider's
// endpoint override), connecting to the first host that answers, and keeping server text and
// the secret out of a result's reason.
//
// The database helpers (connection_uri.h, scram.h, bson.h, dns_srv.h and this file) are
// header-only so that the validators could land without build-file changes; they can move to
// .cpp files when CMakeLists.txt lists them.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
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

inline std::string host_label(const HostPort& host) {
  const bool v6 = host.host.find(':') != std::string::npos;
  return (v6 ? "[" + host.host + "]" : host.host) + ":" + std::to_string(host.port);
}

/// The override for `provider` ("tcp://127.0.0.1:PORT") when one is set, else the URI's hosts
/// with `default_port` where they name none.
inline DbTargets db_targets(const ConnectionUri& uri, std::string_view provider, std::uint16_t default_port,
                            const ValidatorContext& context) {
  DbTargets out;
  if (!uri.hosts.empty()) {
    HostPort first = uri.hosts.front();
    if (first.port == 0) first.port = default_port;
    out.uri_host = host_label(first);
  }
  HostPort override_target;
  if (const std::string text = context.endpoints.override_for(provider);
      !text.empty() && parse_host_port(text, override_target)) {
    out.hosts.push_back(std::move(override_target));
    out.overridden = true;
    return out;
  }
  for (HostPort host : uri.hosts) {
    if (host.port == 0) host.port = default_port;
    out.hosts.push_back(std::move(host));
  }
  return out;
}

/// An open connection and the host it reached.
struct DbConnection {
  std::unique_ptr<TcpConnection> tcp;
  HostPort host;      ///< where the connection goes (the override's host when overridden)
  std::string label;  ///< the URI's host:port it stands for, for results
};

/// Connects to the first of `targets` that accepts within the timeout; `error` holds the last
/// failure when none does. A Unix-socket path (a host starting with '/') is skipped.
inline DbConnection connect_first(const DbTargets& targets, std::chrono::milliseconds timeout, std::string& error) {
  error = "no host to connect to";
  for (const HostPort& host : targets.hosts) {
    if (host.host.starts_with('/')) {
      error = "the URI names a Unix socket, not a network host";
      continue;
    }
    if (auto tcp = TcpConnection::open(host, timeout, error)) {
      return {std::move(tcp), host, targets.overridden ? targets.uri_host : host_label(host)};
    }
  }
  return {};
}

/// Text a server sent (an error message), fit for a one-line reason: printable ASCII only, at
/// most 120 characters, and never the secret.
inline std::string server_text(std::string_view text, std::string_view secret) {
  std::string out;
  for (char c : text) {
    if (out.size() >= 120) {
      out += "...";
      break;
    }
    out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  }
  if (secret.size() >= 3) {
    for (std::size_t at = out.find(secret); at != std::string::npos; at = out.find(secret, at + 3)) {
      out.replace(at, secret.size(), "***");
    }
  }
  return out;
}

/// `result` with the secret (and its decoded form) removed from the reason, as a last guard.
inline LiveResult scrubbed(LiveResult result, std::string_view secret, std::string_view password) {
  for (std::string_view s : {secret, password}) {
    if (s.size() < 3) continue;
    for (std::size_t at = result.reason.find(s); at != std::string::npos; at = result.reason.find(s)) {
      result.reason.replace(at, s.size(), "***");
    }
  }
  return result;
}

/// The identity every database result starts with: user, host (the URI's), database.
inline Identity db_identity(std::string_view user, const DbConnection& connection, std::string_view database) {
  Identity id;
  if (!user.empty()) id.emplace_back("user", std::string(user));
  id.emplace_back("host", connection.label);
  if (!database.empty()) id.emplace_back("database", std::string(database));
  return id;
}

}  // namespace sprawl::verify
