// Offline checks of token formats: checksums (GitHub, npm), what an AWS access key id encodes,
// JWT claims, connection-string parts. Pure functions of the secret: no network, no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sprawl::offline {

/// The outcome of one offline check.
enum class Verdict {
  format_valid,    ///< the structure checks out (checksum right, key parses, claims readable)
  invalid_format,  ///< it cannot be a real credential: wrong checksum, corrupt, truncated
  expired,         ///< well-formed, but its own expiry is in the past (JWT exp, certificate)
};
const char* to_string(Verdict verdict);  ///< "format_valid", "invalid_format", "expired"

/// Non-secret facts a check found, in order: ("account_id", "123456789012"), ("login", …).
using Identity = std::vector<std::pair<std::string, std::string>>;

struct CheckResult {
  Verdict verdict = Verdict::format_valid;
  std::string reason;  ///< one line: why ("CRC32 checksum matches", "exp 2021-03-04T05:06:07Z is past", …)
  Identity identity;
};

/// GitHub tokens ghp_/gho_/ghu_/ghs_/ghr_ + 30 base62 + 6 base62 CRC32 of the 30 (classic
/// format) and github_pat_ fine-grained tokens (checked only for shape). nullopt when `token`
/// is not one of these formats.
std::optional<CheckResult> check_github_token(std::string_view token);

/// npm tokens npm_ + 30 base62 + 6 base62 CRC32; nullopt for other shapes.
std::optional<CheckResult> check_npm_token(std::string_view token);

/// AWS access key ids (AKIA, ASIA, …: 20 characters of A-Z2-7): the 12-digit account id
/// encoded in characters 5–12 (identity "account_id"), and the key type (identity
/// "key_type": long-term / temporary). invalid_format for a non-base32 body. nullopt when
/// `key_id` has no AWS key id prefix.
std::optional<CheckResult> check_aws_key_id(std::string_view key_id);

/// JWTs (three base64url parts, the first two JSON): identity alg, iss, sub, aud, kid; expired
/// when exp < `now` (seconds since the epoch); invalid_format when the parts do not decode;
/// reason mentions "alg none" for unsigned tokens. nullopt when `token` is not JWT-shaped.
std::optional<CheckResult> check_jwt(std::string_view token, std::int64_t now);

/// Connection URIs (postgres://, mysql://, mongodb[+srv]://, redis[s]://, amqp[s]://, …):
/// identity scheme, user, host, port, database; invalid_format when the password is empty or a
/// placeholder (`password`, `changeme`, `${VAR}`, `<password>`, `***`). nullopt when not a URI
/// with credentials.
std::optional<CheckResult> check_connection_uri(std::string_view uri);

/// GCP service-account JSON (the whole document or a fragment holding client_email /
/// project_id / private_key_id): identity client_email, project_id, private_key_id. nullopt
/// when none of these fields is there.
std::optional<CheckResult> check_gcp_service_account(std::string_view json_text);

/// Base62 encoding of a CRC32 to `width` characters (0-9A-Za-z order as GitHub uses), exposed
/// for tests and fake-token generators.
std::string crc32_base62(std::string_view data, std::size_t width = 6);

}  // namespace sprawl::offline
