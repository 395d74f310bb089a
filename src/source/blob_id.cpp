// Git blob ids with OpenSSL's SHA-1 (hardware-accelerated where the CPU has SHA extensions).
#include <openssl/sha.h>
#include <xxhash.h>

#include <string>

#include "sprawl/blob.h"
#include "src/check/fingerprint.h"

namespace sprawl {

BlobId git_blob_id(std::string_view content) {
  const std::string header = "blob " + std::to_string(content.size()) + '\0';
  SHA_CTX context;
  SHA1_Init(&context);
  SHA1_Update(&context, header.data(), header.size());
  SHA1_Update(&context, content.data(), content.size());
  BlobId id;
  SHA1_Final(id.bytes.data(), &context);
  return id;
}

ContentKey content_key(std::string_view content) {
  const XXH128_hash_t hash = XXH3_128bits(content.data(), content.size());
  return {content.size(), hash.high64, hash.low64};
}

std::string BlobId::hex() const { return to_hex(bytes.data(), bytes.size()); }

}  // namespace sprawl
