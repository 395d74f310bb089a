// Offline checks of private keys with OpenSSL: PEM (PKCS#1 RSA, SEC1 EC, DSA, PKCS#8, encrypted
// PKCS#8 and legacy Proc-Type encryption), OpenSSH (openssh-key-v1) and PuTTY (PPK v2/v3).
#pragma once

#include <optional>
#include <string_view>

#include "src/check/offline/token_checks.h"

namespace sprawl::offline {

/// Parses the key block in `text` (a whole PEM/OpenSSH/PuTTY block, BEGIN…END lines included;
/// surrounding text and indentation or quoting as found in source files — `"\n"` escapes in
/// JSON strings, leading spaces in YAML — are tolerated). format_valid with identity key_type
/// (rsa, ec, ed25519, dsa, …), bits, curve (EC), encrypted (yes/no), and fingerprint
/// ("SHA256:<base64 of the SHA-256 of the public key blob, OpenSSH style>") when the public key
/// can be derived (encrypted PEM/PKCS#8 keys: type and encryption only, reason says so);
/// invalid_format for a truncated or corrupt block (reason from the parser). nullopt when
/// `text` holds no key block.
std::optional<CheckResult> check_private_key(std::string_view text);

}  // namespace sprawl::offline
