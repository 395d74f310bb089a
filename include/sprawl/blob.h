// Blob: the unit the scanner works on — content bytes named by their git blob id.
#pragma once

#include <array>
#include <cstddef>
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

struct BlobIdHash {
  std::size_t operator()(const BlobId& id) const {
    std::size_t h;
    std::memcpy(&h, id.bytes.data(), sizeof h);
    return h;
  }
};

}  // namespace sprawl
