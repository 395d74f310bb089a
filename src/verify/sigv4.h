// AWS Signature Version 4 (header-based): canonical request, string to sign, signing key and
// the Authorization header, checked against AWS's published test suite. Also the HMAC-SHA256 and
// SHA-256 primitives other request signers (Azure Shared Key) reuse.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/verify/http_client.h"

namespace sprawl::verify::sigv4 {

/// An AWS access key: id, secret and, for temporary (ASIA) keys, the session token.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  ///< "" for long-term keys
};

/// The request as SigV4 sees it. Every header listed is signed; the caller includes Host and
/// X-Amz-Date (sign_http_request does that itself).
struct Request {
  std::string method = "GET";
  std::string path = "/";  ///< as in the request line, without the query
  std::string query;       ///< after '?', as sent ("Param2=value2&Param1=value1")
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// Where and when a signature applies: "20150830T123600Z", "us-east-1", "sts".
struct Scope {
  std::string amz_date;
  std::string region;
  std::string service;
  std::string date() const { return amz_date.substr(0, 8); }  ///< "20150830"
  std::string credential_scope() const;                       ///< "20150830/us-east-1/sts/aws4_request"
};

/// Every intermediate of one signature, for tests and for servers that check one.
struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  ///< "host;x-amz-date"
  std::string signature;       ///< lower-case hex
  std::string authorization;   ///< the Authorization header value
};

/// Lower-case hex of `bytes`.
std::string hex(std::string_view bytes);
/// SHA-256 of `data`, raw and as lower-case hex.
std::string sha256(std::string_view data);
std::string sha256_hex(std::string_view data);
/// HMAC-SHA256 of `data` under `key` (raw bytes).
std::string hmac_sha256(std::string_view key, std::string_view data);

/// "20150830T123600Z" for `epoch_seconds` (UTC).
std::string amz_date(std::int64_t epoch_seconds);

/// The canonical URI: dot segments and empty segments removed, each segment URI-encoded once
/// more (the rule for every service but S3).
std::string canonical_uri(std::string_view path);
/// The canonical query: each name and value decoded and re-encoded, sorted by name then value.
std::string canonical_query(std::string_view query);
/// The canonical request of `request`; `signed_headers` receives "host;x-amz-date".
std::string canonical_request(const Request& request, std::string* signed_headers = nullptr);
/// The derived signing key for `secret` in `scope` (raw bytes).
std::string signing_key(std::string_view secret, const Scope& scope);

/// Signs `request` (all its headers) with `credentials.secret_access_key` in `scope`.
Signature sign(const Request& request, const Credentials& credentials, const Scope& scope);

/// Adds Host, X-Amz-Date, X-Amz-Security-Token (when the credentials have one) and Authorization
/// to `request`, signing it for `region`/`service` at `epoch_seconds`. The Host signed is the
/// host (and non-default port) of `request.url`, which is also sent explicitly, so a request to
/// an overridden endpoint carries a signature the receiving server can check as AWS would.
void sign_http_request(HttpRequest& request, const Credentials& credentials, std::string_view region,
                       std::string_view service, std::int64_t epoch_seconds);

}  // namespace sprawl::verify::sigv4
