// ConnectionUri: a database connection URI taken apart (scheme, user, password, hosts,
// database, query options), and the whole URI found again around a finding's match — the
// rules match only up to the first character of the host. Implemented in connection_uri.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/verify/database/tcp_connection.h"
#include "src/verify/live_result.h"

namespace sprawl::verify {

struct ConnectionUri {
  std::string scheme;           ///< lower case: "postgresql", "mongodb+srv", "rediss", …
  std::string user, password;   ///< percent-decoded
  std::vector<HostPort> hosts;  ///< port 0 where the URI names none
  std::string database;         ///< the path's first segment, percent-decoded ("" when none)
  std::vector<std::pair<std::string, std::string>> options;  ///< query options, keys lower-cased

  /// The value of query option `key` (lower case), or "".
  std::string option(std::string_view key) const;
};

namespace uri_detail {

/// %XX decoded where well formed; a stray '%' stays as written (passwords carry them raw).
std::string percent_decode(std::string_view text);

/// `text` in ASCII lower case.
std::string lowered(std::string_view text);

/// Appends the pairs of `query` ("a=1&b=2", percent-decoded, keys lower-cased) to `out.options`.
void parse_options(std::string_view query, ConnectionUri& out);

}  // namespace uri_detail

/// Parses `uri` ("scheme://user:password@host[:port][,host…][/database][?options]"); nullopt
/// when it has no "://", no user information or no host.
std::optional<ConnectionUri> parse_connection_uri(std::string_view uri);

/// The whole URI of `credential`: its match extended through the context until whitespace, a
/// quote or a bracket; nullopt when the context does not hold the match.
std::optional<std::string> full_uri_of(const Credential& credential);

/// The connection URI of `credential`, read from its whole URI; where that fails (the context
/// lacks it), rebuilt from the offline identity (user, host, port, database) and the secret.
std::optional<ConnectionUri> connection_uri_of(const Credential& credential);

}  // namespace sprawl::verify
