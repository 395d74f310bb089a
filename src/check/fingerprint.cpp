// SHA-256 digests (OpenSSL) for fingerprints and cache keys.
#include "src/check/fingerprint.h"

#include <openssl/evp.h>

namespace sprawl {

std::string to_hex(const unsigned char* bytes, std::size_t length) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(length * 2, '0');
  for (std::size_t i = 0; i < length; ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 15];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return to_hex(digest, length);
}

std::string finding_fingerprint(std::string_view rule_id, std::string_view secret) {
  std::string input;
  input.reserve(rule_id.size() + 1 + secret.size());
  input.append(rule_id).push_back('\0');
  input.append(secret);
  return sha256_hex(input);
}

}  // namespace sprawl
