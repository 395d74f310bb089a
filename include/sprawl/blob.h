// Blob: the unit the scanner works on — content bytes named by their git blob id.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

namespace sprawl {

/// Git blob id: SHA-1 of "blob <len>\0" followed by the bytes. Names content the same way
/// whether it came from a file, a commit or an image layer.
struct BlobId {
  std::array<unsigned char, 20> bytes{};
  bool operator==(const BlobId&) const = default;
  std::string hex() const;
};

/// Computes the git blob id of `content`.
BlobId git_blob_id(std::string_view content);

/// A fast content key (size + 128-bit XXH3) used to scan identical content once. Cheaper than
/// the git blob id by two orders of magnitude, which is computed only for blobs with findings.
struct ContentKey {
  std::uint64_t size = 0, high = 0, low = 0;
  bool operator==(const ContentKey&) const = default;
};

ContentKey content_key(std::string_view content);

struct ContentKeyHash {
  std::size_t operator()(const ContentKey& key) const { return static_cast<std::size_t>(key.low); }
};

struct BlobIdHash {
  std::size_t operator()(const BlobId& id) const {
    std::size_t h;
    std::memcpy(&h, id.bytes.data(), sizeof h);
    return h;
  }
};

}  // namespace sprawl
