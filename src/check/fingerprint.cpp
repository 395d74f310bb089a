// SHA-256 digests (OpenSSL) for fingerprints and cache keys.
#include "src/check/fingerprint.h"

#include <openssl/evp.h>

#include <memory>

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

namespace {

// SHA-256 fetched from the provider once: EVP_sha256() makes OpenSSL 3 look the implementation
// up again on every digest, and EVP_Digest makes and frees a context each time; together about
// 40% of hashing a fingerprint. One context per thread is reused.
const EVP_MD* sha256_md() {
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched ? fetched : EVP_sha256();
  }();
  return md;
}

struct DigestContextFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

}  // namespace

std::string sha256_hex(std::string_view data) {
  thread_local const std::unique_ptr<EVP_MD_CTX, DigestContextFree> ctx(EVP_MD_CTX_new());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), sha256_md(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 || EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1)
    EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);  // as before, context or not
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
