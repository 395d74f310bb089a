// Parsing of database connection URIs (percent-decoding, host lists with IPv6 and ports, query
// options) and recovery of a finding's whole URI from its context, declared in connection_uri.h.
#include "src/verify/database/connection_uri.h"

#include <cctype>
#include <charconv>

namespace sprawl::verify {

std::string ConnectionUri::option(std::string_view key) const {
  for (const auto& [k, v] : options)
    if (k == key) return v;
  return {};
}

namespace uri_detail {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// "host", "host:port", "[v6]" or "[v6]:port"; false when the port is not a number.
bool parse_host(std::string_view text, HostPort& out) {
  std::string_view host = text, port;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return false;
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return false;
      port = text.substr(close + 2);
    }
  } else if (const std::size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon), port = text.substr(colon + 1);
  }
  unsigned value = 0;
  if (!port.empty()) {
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) return false;
  }
  out.host = percent_decode(host);
  out.port = static_cast<std::uint16_t>(value);
  return !out.host.empty();
}

}  // namespace

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

std::string lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void parse_options(std::string_view query, ConnectionUri& out) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (!pair.empty()) {
      out.options.emplace_back(lowered(percent_decode(pair.substr(0, eq))),
                               eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

}  // namespace uri_detail

std::optional<ConnectionUri> parse_connection_uri(std::string_view uri) {
  using namespace uri_detail;
  const std::size_t sep = uri.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  ConnectionUri out;
  out.scheme = lowered(uri.substr(0, sep));
  std::string_view rest = uri.substr(sep + 3);
  if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  // Passwords sometimes carry a raw '@': the user information ends at the authority's last '@'.
  const std::size_t first_at = rest.find('@');
  if (first_at == std::string_view::npos) return std::nullopt;
  const std::size_t authority_end = rest.find_first_of("/?", first_at);
  const std::size_t at = rest.substr(0, authority_end).rfind('@');
  const std::string_view userinfo = rest.substr(0, at);
  const std::size_t colon = userinfo.find(':');
  out.user = percent_decode(userinfo.substr(0, colon));
  if (colon != std::string_view::npos) out.password = percent_decode(userinfo.substr(colon + 1));
  std::string_view after = rest.substr(at + 1);
  const std::size_t hosts_end = after.find_first_of("/?");
  std::string_view hosts = after.substr(0, hosts_end);
  while (!hosts.empty()) {
    const std::size_t comma = hosts.find(',');
    HostPort host;
    if (parse_host(hosts.substr(0, comma), host)) out.hosts.push_back(std::move(host));
    if (comma == std::string_view::npos) break;
    hosts.remove_prefix(comma + 1);
  }
  if (out.hosts.empty()) return std::nullopt;
  after = hosts_end == std::string_view::npos ? std::string_view{} : after.substr(hosts_end);
  const std::size_t question = after.find('?');
  std::string_view path = after.substr(0, question);
  if (path.starts_with('/')) path.remove_prefix(1);
  out.database = percent_decode(path.substr(0, path.find('/')));
  if (question != std::string_view::npos) parse_options(after.substr(question + 1), out);
  return out;
}

std::optional<std::string> full_uri_of(const Credential& credential) {
  constexpr std::string_view kStops = " \t\r\n'\"`<>(){};\\";
  const std::string_view context = credential.context;
  const std::size_t at = credential.match_text.empty() ? std::string_view::npos : context.find(credential.match_text);
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t end = at + credential.match_text.size();
  while (end < context.size() && kStops.find(context[end]) == std::string_view::npos) ++end;
  return std::string(context.substr(at, end - at));
}

std::optional<ConnectionUri> connection_uri_of(const Credential& credential) {
  if (const auto text = full_uri_of(credential))
    if (auto parsed = parse_connection_uri(*text)) return parsed;
  const std::string_view host = credential.offline_value("host");
  if (host.empty()) return std::nullopt;
  ConnectionUri uri;
  const std::size_t sep = credential.match_text.find("://");
  uri.scheme = uri_detail::lowered(std::string_view(credential.match_text).substr(0, sep));
  uri.user = std::string(credential.offline_value("user"));
  uri.password = uri_detail::percent_decode(credential.secret);
  HostPort hp{std::string(host), 0};
  const std::string_view port = credential.offline_value("port");
  unsigned value = 0;
  if (std::from_chars(port.data(), port.data() + port.size(), value).ec == std::errc{} && value <= 65535) {
    hp.port = static_cast<std::uint16_t>(value);
  }
  uri.hosts.push_back(std::move(hp));
  uri.database = std::string(credential.offline_value("database"));
  return uri;
}

}  // namespace sprawl::verify
