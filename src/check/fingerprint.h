// Hashing helpers: SHA-256 hex digests and the stable, secret-free finding fingerprint.
#pragma once

#include <string>
#include <string_view>

namespace sprawl {

/// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

/// Fingerprint of a finding: hex SHA-256 of rule id, a NUL byte and the secret.
std::string finding_fingerprint(std::string_view rule_id, std::string_view secret);

/// Lowercase hex of raw bytes.
std::string to_hex(const unsigned char* bytes, std::size_t length);

}  // namespace sprawl
