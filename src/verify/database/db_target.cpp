// Target selection (endpoint override or the URI's hosts), first-host-that-answers connection,
// and the reason/identity helpers every database validator shares, declared in db_target.h.
#include "src/verify/database/db_target.h"

#include <utility>

namespace sprawl::verify {

std::string host_label(const HostPort& host) {
  const bool v6 = host.host.find(':') != std::string::npos;
  return (v6 ? "[" + host.host + "]" : host.host) + ":" + std::to_string(host.port);
}

DbTargets db_targets(const ConnectionUri& uri, std::string_view provider, std::uint16_t default_port,
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

DbConnection connect_first(const DbTargets& targets, std::chrono::milliseconds timeout, std::string& error) {
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

std::string server_text(std::string_view text, std::string_view secret) {
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

LiveResult scrubbed(LiveResult result, std::string_view secret, std::string_view password) {
  for (std::string_view s : {secret, password}) {
    if (s.size() < 3) continue;
    for (std::size_t at = result.reason.find(s); at != std::string::npos; at = result.reason.find(s)) {
      result.reason.replace(at, s.size(), "***");
    }
  }
  return result;
}

Identity db_identity(std::string_view user, const DbConnection& connection, std::string_view database) {
  Identity id;
  if (!user.empty()) id.emplace_back("user", std::string(user));
  id.emplace_back("host", connection.label);
  if (!database.empty()) id.emplace_back("database", std::string(database));
  return id;
}

}  // namespace sprawl::verify
