// Offline checks of token formats: GitHub/npm CRC32 checksums, AWS key id decoding, JWT claims,
// connection-URI credentials and GCP service-account fields. Pure functions, no network.
#include "src/check/offline/token_checks.h"
#include "src/util/iso8601.h"

#include <simdjson.h>
#include <zlib.h>

#include <array>
#include <ctime>

namespace sprawl::offline {
namespace {

constexpr std::string_view k_base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

bool is_base62(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

bool all_base62(std::string_view s) {
  for (char c : s) {
    if (!is_base62(c)) return false;
  }
  return true;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

CheckResult make_result(Verdict verdict, std::string reason, Identity identity = {}) {
  CheckResult r;
  r.verdict = verdict;
  r.reason = std::move(reason);
  r.identity = std::move(identity);
  return r;
}

// --- GitHub and npm ----------------------------------------------------------------------------

// The classic format (github.blog, "Behind GitHub's new authentication token formats", 2021):
// prefix + 30 random base62 + CRC32 of those 30 as 6 base62 digits (0-9A-Za-z, '0'-padded).
// Checked against the published example token of the gist by coolaj86 ("github base62 token
// format": body zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ, checksum 0mLq17); see the test "published GitHub example".
CheckResult check_crc_body(std::string_view body, Identity identity) {
  const std::string_view random = body.substr(0, 30);
  const std::string_view given = body.substr(30);
  if (crc32_base62(random) == given) {
    return make_result(Verdict::format_valid, "CRC32 checksum matches", std::move(identity));
  }
  return make_result(Verdict::invalid_format, "CRC32 checksum mismatch", std::move(identity));
}

const char* github_token_type(std::string_view prefix) {
  if (prefix == "ghp_") return "personal access token";
  if (prefix == "gho_") return "OAuth access token";
  if (prefix == "ghu_") return "user-to-server";
  if (prefix == "ghs_") return "server-to-server";
  if (prefix == "ghr_") return "refresh token";
  return nullptr;
}

std::optional<CheckResult> check_github_fine_grained(std::string_view token) {
  constexpr std::string_view prefix = "github_pat_";
  const std::string_view rest = token.substr(prefix.size());
  if (rest.size() != 22 + 1 + 59 || rest[22] != '_') return std::nullopt;
  if (!all_base62(rest.substr(0, 22)) || !all_base62(rest.substr(23))) return std::nullopt;
  return make_result(Verdict::format_valid, "shape only: no public checksum",
                     {{"token_type", "fine-grained personal access token"}});
}

// --- AWS ---------------------------------------------------------------------------------------

struct AwsPrefix {
  std::string_view prefix;
  std::string_view key_type;
};

// Prefixes from the IAM user guide, "Understanding unique ID prefixes".
constexpr std::array<AwsPrefix, 12> k_aws_prefixes{{
    {"AKIA", "access key"},
    {"ASIA", "access key"},
    {"ABIA", "STS service bearer token"},
    {"ACCA", "context-specific credential"},
    {"AGPA", "user group"},
    {"AIDA", "user"},
    {"AIPA", "EC2 instance profile"},
    {"ANPA", "managed policy"},
    {"ANVA", "managed policy version"},
    {"APKA", "public key"},
    {"AROA", "role"},
    {"ASCA", "certificate"},
}};

int base32_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

// Aidan Steele (2020) and Tal Be'ery (2021), confirmed by WithSecure's bitwise analysis: the 16
// characters after the prefix are base32 (A-Z2-7); of the decoded bytes, the first six read
// big-endian, masked with 0x7fffffffff80 and shifted right by 7, give the account id. The top
// bit of those 48 (i.e. 5th character >= 'Q') marks a new-generation key; older keys do not
// encode the account. Published pair: ASIA + Y34FZKBOKMUTVV7A -> 609629065308.
std::optional<std::string> aws_account_id(std::string_view body) {
  std::uint64_t bits = 0;  // the first 10 characters = 50 bits
  for (char c : body.substr(0, 10)) bits = (bits << 5) | static_cast<std::uint64_t>(base32_value(c));
  const std::uint64_t first48 = bits >> 2;
  if ((first48 & (std::uint64_t{1} << 47)) == 0) return std::nullopt;
  const std::uint64_t account = (first48 & 0x7fffffffff80ULL) >> 7;
  const std::string digits = std::to_string(account);
  return std::string(digits.size() < 12 ? 12 - digits.size() : 0, '0') + digits;
}

// --- JWT ---------------------------------------------------------------------------------------

int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

bool all_base64url(std::string_view s) {
  for (char c : s) {
    if (base64url_value(c) < 0) return false;
  }
  return true;
}

std::optional<std::string> base64url_decode(std::string_view s) {
  if (s.size() % 4 == 1) return std::nullopt;
  std::string out;
  std::uint32_t acc = 0;
  int nbits = 0;
  for (char c : s) {
    acc = (acc << 6) | static_cast<std::uint32_t>(base64url_value(c));
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out.push_back(static_cast<char>((acc >> nbits) & 0xff));
    }
  }
  return out;
}


std::optional<simdjson::dom::object> parse_object(simdjson::dom::parser& parser, const std::string& text) {
  simdjson::dom::object obj;
  if (parser.parse(text).get(obj) != simdjson::SUCCESS) return std::nullopt;
  return obj;
}

std::optional<std::string> string_field(simdjson::dom::object obj, const char* key) {
  std::string_view value;
  if (obj[key].get(value) != simdjson::SUCCESS) return std::nullopt;
  return std::string(value);
}

std::optional<std::string> audience(simdjson::dom::object payload) {
  if (auto single = string_field(payload, "aud")) return single;
  simdjson::dom::array list;
  if (payload["aud"].get(list) != simdjson::SUCCESS) return std::nullopt;
  std::string joined;
  for (auto item : list) {
    std::string_view v;
    if (item.get(v) != simdjson::SUCCESS) continue;
    if (!joined.empty()) joined += ',';
    joined += v;
  }
  return joined;
}

std::optional<std::int64_t> exp_claim(simdjson::dom::object payload) {
  simdjson::dom::element el;
  if (payload["exp"].get(el) != simdjson::SUCCESS) return std::nullopt;
  std::int64_t i = 0;
  if (el.get(i) == simdjson::SUCCESS) return i;
  double d = 0;
  if (el.get(d) == simdjson::SUCCESS && d > -1e17 && d < 1e17) return static_cast<std::int64_t>(d);
  return std::nullopt;
}

void add_if(Identity& id, const char* name, std::optional<std::string> value) {
  if (value) id.emplace_back(name, std::move(*value));
}

CheckResult judge_jwt(simdjson::dom::object header, simdjson::dom::object payload, std::int64_t now) {
  Identity id;
  const auto alg = string_field(header, "alg");
  add_if(id, "alg", alg);
  add_if(id, "typ", string_field(header, "typ"));
  add_if(id, "kid", string_field(header, "kid"));
  add_if(id, "iss", string_field(payload, "iss"));
  add_if(id, "sub", string_field(payload, "sub"));
  add_if(id, "aud", audience(payload));
  const auto exp = exp_claim(payload);
  if (exp) id.emplace_back("exp", iso8601_utc(*exp));

  Verdict verdict = Verdict::format_valid;
  std::string reason = "header and payload decode to JSON objects";
  if (exp && *exp < now) {
    verdict = Verdict::expired;
    reason = "exp " + iso8601_utc(*exp) + " is past";
  }
  if (alg && lowered(*alg) == "none") reason += "; alg none: unsigned token";
  return make_result(verdict, std::move(reason), std::move(id));
}

// --- Connection URIs ---------------------------------------------------------------------------

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = ascii_lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool valid_scheme(std::string_view s) {
  if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) return false;
  for (char c : s) {
    if (!is_base62(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

bool all_of_char(std::string_view s, char c, std::size_t min_len) {
  return s.size() >= min_len && s.find_first_not_of(c) == std::string_view::npos;
}

bool wrapped(std::string_view s, std::string_view open, std::string_view close) {
  return s.size() >= open.size() + close.size() && s.starts_with(open) && s.ends_with(close);
}

bool is_env_reference(std::string_view s) {  // $VAR
  if (s.size() < 2 || s[0] != '$') return false;
  if (s[1] >= '0' && s[1] <= '9') return false;
  for (char c : s.substr(1)) {
    if (!is_base62(c) && c != '_') return false;
  }
  return true;
}

/// Why `password` is an obvious placeholder, or empty when it looks real.
std::string placeholder_reason(std::string_view password) {
  if (password.empty()) return "empty password";
  static constexpr std::array<std::string_view, 11> k_words{"password",      "passwd",       "pass",         "changeme",
                                                            "secret",        "example",      "todo",         "pwd",
                                                            "your_password", "yourpassword", "your-password"};
  const std::string low = lowered(password);
  for (std::string_view w : k_words) {
    if (low == w) return "placeholder password '" + low + "'";
  }
  if (all_of_char(low, 'x', 3) || all_of_char(low, '*', 1) || wrapped(low, "${", "}") || is_env_reference(low) ||
      wrapped(low, "<", ">") || wrapped(low, "{{", "}}") || wrapped(low, "%(", ")s")) {
    return "placeholder password pattern";
  }
  return {};
}

struct HostParts {
  std::string host, port;
};

HostParts split_host_port(std::string_view hostport) {
  if (hostport.find(',') != std::string_view::npos) return {std::string(hostport), {}};
  std::size_t colon = hostport.rfind(':');
  if (!hostport.empty() && hostport[0] == '[') {
    const std::size_t close = hostport.find(']');
    colon = (close != std::string_view::npos && close + 1 < hostport.size() && hostport[close + 1] == ':')
                ? close + 1
                : std::string_view::npos;
  }
  if (colon == std::string_view::npos) return {std::string(hostport), {}};
  const std::string_view port = hostport.substr(colon + 1);
  if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) {
    return {std::string(hostport), {}};
  }
  return {std::string(hostport.substr(0, colon)), std::string(port)};
}

std::string database_of(std::string_view after_host) {
  if (after_host.empty() || after_host[0] != '/') return {};
  const std::string_view path = after_host.substr(1);
  return percent_decode(path.substr(0, path.find_first_of("?#")));
}

// --- GCP ---------------------------------------------------------------------------------------

std::string_view skip_space(std::string_view s) {
  const std::size_t i = s.find_first_not_of(" \t\r\n");
  return i == std::string_view::npos ? std::string_view{} : s.substr(i);
}

/// Reads a JSON string body starting just after its opening quote; nullopt if unterminated.
std::optional<std::string> read_json_string(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"') return out;
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out.push_back(s[i]);
  }
  return std::nullopt;
}

/// Finds `"key" : "value"` anywhere in `text` without parsing the whole document.
std::optional<std::string> scan_field(std::string_view text, std::string_view key) {
  std::string quoted(1, '"');
  quoted.append(key).push_back('"');
  for (std::size_t pos = text.find(quoted); pos != std::string_view::npos; pos = text.find(quoted, pos + 1)) {
    std::string_view rest = skip_space(text.substr(pos + quoted.size()));
    if (rest.empty() || rest[0] != ':') continue;
    rest = skip_space(rest.substr(1));
    if (rest.empty() || rest[0] != '"') continue;
    if (auto value = read_json_string(rest.substr(1))) return value;
  }
  return std::nullopt;
}

constexpr std::array<const char*, 3> k_gcp_fields{"client_email", "project_id", "private_key_id"};

Identity gcp_fields_parsed(std::string_view text) {
  Identity id;
  try {
    simdjson::dom::parser parser;
    const auto obj = parse_object(parser, std::string(text));
    if (!obj) return id;
    for (const char* key : k_gcp_fields) add_if(id, key, string_field(*obj, key));
  } catch (...) {  // allocation failure inside simdjson: fall back to the scan
    id.clear();
  }
  return id;
}

Identity gcp_fields(std::string_view text) {
  Identity id = gcp_fields_parsed(text);
  if (!id.empty()) return id;
  for (const char* key : k_gcp_fields) add_if(id, key, scan_field(text, key));
  return id;
}

}  // namespace

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::format_valid:
      return "format_valid";
    case Verdict::invalid_format:
      return "invalid_format";
    case Verdict::expired:
      return "expired";
  }
  return "format_valid";
}

std::string crc32_base62(std::string_view data, std::size_t width) {
  std::uint32_t crc = static_cast<std::uint32_t>(
      ::crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
  std::string digits;  // least significant first, reversed at the end
  do {
    digits.push_back(k_base62[crc % 62]);
    crc /= 62;
  } while (crc != 0);
  if (digits.size() < width) digits.append(width - digits.size(), '0');
  return std::string(digits.rbegin(), digits.rend());
}

std::optional<CheckResult> check_github_token(std::string_view token) {
  if (token.starts_with("github_pat_")) return check_github_fine_grained(token);
  if (token.size() != 40) return std::nullopt;
  const char* type = github_token_type(token.substr(0, 4));
  const std::string_view body = token.substr(4);
  if (type == nullptr || !all_base62(body)) return std::nullopt;
  return check_crc_body(body, {{"token_type", type}});
}

std::optional<CheckResult> check_npm_token(std::string_view token) {
  if (token.size() != 40 || !token.starts_with("npm_")) return std::nullopt;
  const std::string_view body = token.substr(4);
  if (!all_base62(body)) return std::nullopt;
  return check_crc_body(body, {{"token_type", "npm access token"}});
}

std::optional<CheckResult> check_aws_key_id(std::string_view key_id) {
  if (key_id.size() != 20) return std::nullopt;
  const AwsPrefix* found = nullptr;
  for (const AwsPrefix& p : k_aws_prefixes) {
    if (key_id.starts_with(p.prefix)) found = &p;
  }
  if (found == nullptr) return std::nullopt;
  Identity id;
  const std::string_view body = key_id.substr(4);
  for (char c : body) {
    if (base32_value(c) < 0) return make_result(Verdict::invalid_format, "body is not base32 (A-Z2-7)");
  }
  const bool is_key = found->prefix == "AKIA" || found->prefix == "ASIA";
  const auto account = is_key ? aws_account_id(body) : std::nullopt;
  if (account) id.emplace_back("account_id", *account);
  id.emplace_back("key_type", std::string(found->key_type));
  if (is_key) id.emplace_back("lifetime", found->prefix == "AKIA" ? "long-term" : "temporary");
  std::string reason = account  ? "account id decoded (new-generation key id)"
                       : is_key ? "old-generation key id (5th character below 'Q'): no account id encoded"
                                : "identifier prefix recognised; account id decoded only for access keys";
  return make_result(Verdict::format_valid, std::move(reason), std::move(id));
}

std::optional<CheckResult> check_jwt(std::string_view token, std::int64_t now) {
  const std::size_t d1 = token.find('.');
  if (d1 == std::string_view::npos) return std::nullopt;
  const std::size_t d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view h = token.substr(0, d1), p = token.substr(d1 + 1, d2 - d1 - 1);
  const std::string_view s = token.substr(d2 + 1);
  if (h.empty() || p.empty() || !all_base64url(h) || !all_base64url(p) || !all_base64url(s)) {
    return std::nullopt;
  }
  const auto header_text = base64url_decode(h), payload_text = base64url_decode(p);
  if (!header_text || !payload_text) return make_result(Verdict::invalid_format, "base64url does not decode");
  try {
    simdjson::dom::parser hp, pp;
    const auto header = parse_object(hp, *header_text);
    const auto payload = parse_object(pp, *payload_text);
    if (!header || !payload) {
      return make_result(Verdict::invalid_format, "header or payload is not a JSON object");
    }
    return judge_jwt(*header, *payload, now);
  } catch (...) {
    return make_result(Verdict::invalid_format, "JSON parse failed");
  }
}

std::optional<CheckResult> check_connection_uri(std::string_view uri) {
  const std::size_t sep = uri.find("://");
  if (sep == std::string_view::npos || !valid_scheme(uri.substr(0, sep))) return std::nullopt;
  const std::string_view rest = uri.substr(sep + 3);
  const std::size_t first_at = rest.find('@');
  if (first_at == std::string_view::npos) return std::nullopt;
  // Passwords sometimes carry a raw '@': the userinfo ends at the last '@' of the authority.
  const std::size_t auth_end = rest.find_first_of("/?#", first_at);
  const std::size_t at = rest.substr(0, auth_end).rfind('@');
  const std::string_view userinfo = rest.substr(0, at);
  const std::size_t colon = userinfo.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string user = percent_decode(userinfo.substr(0, colon));
  const std::string password = percent_decode(userinfo.substr(colon + 1));
  const std::string_view after = rest.substr(at + 1);
  const std::size_t host_end = after.find_first_of("/?#");
  const HostParts hp = split_host_port(after.substr(0, host_end));
  Identity id{{"scheme", lowered(uri.substr(0, sep))}, {"user", user}, {"host", hp.host}};
  if (!hp.port.empty()) id.emplace_back("port", hp.port);
  const std::string db = host_end == std::string_view::npos ? std::string{} : database_of(after.substr(host_end));
  if (!db.empty()) id.emplace_back("database", db);
  std::string why = placeholder_reason(password);
  if (!why.empty()) return make_result(Verdict::invalid_format, std::move(why), std::move(id));
  return make_result(Verdict::format_valid, "credentials present", std::move(id));
}

std::optional<CheckResult> check_gcp_service_account(std::string_view json_text) {
  Identity id = gcp_fields(json_text);
  if (id.empty()) return std::nullopt;
  std::string reason = "service-account fields found";
  for (const auto& [key, value] : id) {
    if (key != "client_email") continue;
    if (!value.ends_with(".iam.gserviceaccount.com") && !value.ends_with("@developer.gserviceaccount.com")) {
      reason += "; client_email is not a *.iam.gserviceaccount.com address";
    }
  }
  return make_result(Verdict::format_valid, std::move(reason), std::move(id));
}

}  // namespace sprawl::offline
