// libFuzzer target: arbitrary bytes as manifest.json, index.json, an image config, a manifest
// blob and a nested index blob -> read_image_layout, and the invariants of what it returns.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "src/source/image/image_layout.h"

namespace {

using Files = std::map<std::string, std::string>;
using sprawl::image::ImageLayout;
using sprawl::image::LayoutKind;

const std::string kBlob = "sha256:" + std::string(64, '0');
const std::string kBlobPath = "blobs/sha256/" + std::string(64, '0');

void require(bool condition) {
  if (!condition) std::abort();
}

void check(const ImageLayout& layout) {
  for (const auto& problem : layout.problems) require(!problem.where.empty() && !problem.message.empty());
  for (const auto& image : layout.images) {
    for (const auto& layer : image.layers) {
      // OCI locations come from digests: never a path that climbs out of blobs/.
      if (!image.manifest_digest.empty()) require(layer.location.find("..") == std::string::npos);
    }
  }
}

ImageLayout read(LayoutKind kind, const Files& files) {
  return sprawl::image::read_image_layout(kind, [&files](const std::string& path) -> std::optional<std::string> {
    const auto found = files.find(path);
    if (found == files.end()) return std::nullopt;
    return found->second;
  });
}

/// The bytes in each place a layout reads JSON from, the rest of the layout well-formed.
void read_everywhere(const std::string& bytes) {
  check(read(LayoutKind::docker_save, Files{{"manifest.json", bytes}, {kBlobPath, bytes}}));
  check(read(LayoutKind::oci, Files{{"index.json", bytes}, {kBlobPath, bytes}}));
  // As a docker-save config.
  check(read(LayoutKind::docker_save,
             Files{{"manifest.json", R"([{"Config":"c.json","RepoTags":["a:1"],"Layers":["l/layer.tar"]}])"},
                   {"c.json", bytes}}));
  // As a blob an index names as a manifest, as an index, and without a media type.
  for (const char* media_type : {"application/vnd.oci.image.manifest.v1+json",
                                 "application/vnd.oci.image.index.v1+json", ""}) {
    const std::string index = R"({"schemaVersion":2,"manifests":[{"mediaType":")" + std::string(media_type) +
                              R"(","digest":")" + kBlob + R"(","size":1}]})";
    check(read(LayoutKind::oci, Files{{"index.json", index}, {kBlobPath, bytes}}));
  }
  // As a config that a fixed manifest names.
  const std::string manifest = R"({"schemaVersion":2,"config":{"digest":")" + kBlob + R"("},"layers":[]})";
  const std::string manifest_path = "blobs/sha256/" + std::string(64, '1');
  const std::string index = R"({"manifests":[{"digest":"sha256:)" + std::string(64, '1') + R"("}]})";
  check(read(LayoutKind::oci, Files{{"index.json", index}, {manifest_path, manifest}, {kBlobPath, bytes}}));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  read_everywhere(bytes);
  // Blobs named by fixed digests "sha256:000…", "sha256:111…": NUL separates index.json from
  // them, so the fuzzer can build nested layouts of its own.
  Files files;
  std::size_t start = 0;
  for (int part = 0; start <= bytes.size() && part < 11; ++part) {
    const auto end = std::min(bytes.find('\0', start), bytes.size());
    const std::string piece = bytes.substr(start, end - start);
    if (part == 0) {
      files["index.json"] = piece;
      files["manifest.json"] = piece;
    } else {
      files["blobs/sha256/" + std::string(64, static_cast<char>('0' + part - 1))] = piece;
    }
    start = end + 1;
  }
  check(read(LayoutKind::oci, files));
  check(read(LayoutKind::docker_save, files));
  return 0;
}
