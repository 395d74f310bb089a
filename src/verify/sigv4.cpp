// AWS Signature Version 4, following "Create a signed AWS API request" (AWS IAM user guide):
// canonical request → string to sign → HMAC chain of the signing key → Authorization header.
#include "src/verify/sigv4.h"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace sprawl::verify::sigv4 {
namespace {

constexpr std::string_view k_algorithm = "AWS4-HMAC-SHA256";

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

/// Percent-encodes every byte but the unreserved ones, with upper-case hex (RFC 3986).
std::string uri_encode(std::string_view text) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(k_hex[c >> 4]);
      out.push_back(k_hex[c & 15]);
    }
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Decodes %XX escapes; a '%' not followed by two hex digits stays as it is.
std::string uri_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// Trims a header value and folds each run of spaces and tabs inside it into one space.
std::string fold_spaces(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (const char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

/// The lower-cased header names in order, each with its folded values joined by ','.
std::vector<std::pair<std::string, std::string>> canonical_header_list(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : headers) {
    const std::string key = lower(name);
    const auto it = std::find_if(out.begin(), out.end(), [&](const auto& h) { return h.first == key; });
    if (it == out.end()) {
      out.emplace_back(key, fold_spaces(value));
    } else {
      it->second += ',' + fold_spaces(value);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

struct UrlParts {
  std::string host;  ///< with ":port" when the URL names a port other than its scheme's
  std::string path = "/";
  std::string query;
};

UrlParts split_url(std::string_view url) {
  UrlParts parts;
  const std::size_t scheme_end = url.find("://");
  const std::string_view scheme = scheme_end == std::string_view::npos ? "" : url.substr(0, scheme_end);
  std::string_view rest = scheme_end == std::string_view::npos ? url : url.substr(scheme_end + 3);
  const std::size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  const std::size_t colon = authority.rfind(':');
  const bool has_port = colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos;
  const std::string_view port = has_port ? authority.substr(colon + 1) : "";
  const bool default_port = (scheme == "https" && port == "443") || (scheme == "http" && port == "80");
  parts.host = std::string(has_port && (default_port || port.empty()) ? authority.substr(0, colon) : authority);
  if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  const std::size_t question = rest.find('?');
  const std::string_view path = rest.substr(0, question);
  if (!path.empty()) parts.path = std::string(path);
  if (question != std::string_view::npos) parts.query = std::string(rest.substr(question + 1));
  return parts;
}

}  // namespace

std::string Scope::credential_scope() const { return fmt::format("{}/{}/{}/aws4_request", date(), region, service); }

std::string hex(std::string_view bytes) {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    out.push_back(k_hex[c >> 4]);
    out.push_back(k_hex[c & 15]);
  }
  return out;
}

std::string sha256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string sha256_hex(std::string_view data) { return hex(sha256(data)); }

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), digest, &size);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string amz_date(std::int64_t epoch_seconds) {
  const auto seconds = static_cast<std::time_t>(epoch_seconds);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

std::string canonical_uri(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto segment : segments) out += '/' + uri_encode(segment);
  const bool trailing_slash = !path.empty() && path.back() == '/' && !segments.empty();
  if (out.empty() || trailing_slash) out += '/';
  return out;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view part = query.substr(start, end - start);
    if (!part.empty()) {
      const std::size_t eq = part.find('=');
      const std::string_view name = part.substr(0, eq);
      const std::string_view value = eq == std::string_view::npos ? "" : part.substr(eq + 1);
      params.emplace_back(uri_encode(uri_decode(name)), uri_encode(uri_decode(value)));
    }
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name + '=' + value;
  }
  return out;
}

std::string canonical_request(const Request& request, std::string* signed_headers) {
  std::string headers_block, names;
  for (const auto& [name, value] : canonical_header_list(request.headers)) {
    headers_block += name + ':' + value + '\n';
    if (!names.empty()) names += ';';
    names += name;
  }
  if (signed_headers) *signed_headers = names;
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, canonical_uri(request.path),
                     canonical_query(request.query), headers_block, names, sha256_hex(request.body));
}

std::string signing_key(std::string_view secret, const Scope& scope) {
  const std::string k_date = hmac_sha256("AWS4" + std::string(secret), scope.date());
  const std::string k_region = hmac_sha256(k_date, scope.region);
  const std::string k_service = hmac_sha256(k_region, scope.service);
  return hmac_sha256(k_service, "aws4_request");
}

Signature sign(const Request& request, const Credentials& credentials, const Scope& scope) {
  Signature out;
  out.canonical_request = canonical_request(request, &out.signed_headers);
  out.string_to_sign = fmt::format("{}\n{}\n{}\n{}", k_algorithm, scope.amz_date, scope.credential_scope(),
                                   sha256_hex(out.canonical_request));
  out.signature = hex(hmac_sha256(signing_key(credentials.secret_access_key, scope), out.string_to_sign));
  out.authorization =
      fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", k_algorithm, credentials.access_key_id,
                  scope.credential_scope(), out.signed_headers, out.signature);
  return out;
}

void sign_http_request(HttpRequest& request, const Credentials& credentials, std::string_view region,
                       std::string_view service, std::int64_t epoch_seconds) {
  const UrlParts url = split_url(request.url);
  const Scope scope{amz_date(epoch_seconds), std::string(region), std::string(service)};
  request.headers.emplace_back("Host", url.host);
  request.headers.emplace_back("X-Amz-Date", scope.amz_date);
  if (!credentials.session_token.empty())
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  Request signable{request.method, url.path, url.query, request.headers, request.body};
  request.headers.emplace_back("Authorization", sign(signable, credentials, scope).authorization);
}

}  // namespace sprawl::verify::sigv4
