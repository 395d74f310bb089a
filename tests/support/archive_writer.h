// Test builders for archives and container images, made in memory with libarchive's write API:
// tar/zip members, compressed streams, zip bombs, `docker save` tarballs and OCI image layouts.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sprawl::test {

/// Thrown when libarchive, OpenSSL or the filesystem refuses to build what a test asked for.
struct ArchiveWriteError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One member of a tar or zip. Names are stored exactly as given ("../x" and "/abs" included).
struct ArchiveMember {
  std::string path;
  std::string content;  ///< file bytes; for symlinks and hard links the link target
  enum Type { file, directory, symlink, hardlink, fifo } type = file;
  std::uint32_t mode = 0;  ///< permission bits; 0 means 0644 (files) or 0755 (directories)
};

enum class Compression { none, gzip, bzip2, xz, zstd };

/// The usual file-name suffix for a compressed stream: "", ".gz", ".bz2", ".xz", ".zst".
const char* suffix(Compression compression);

/// A pax (restricted) tar of `members` in order, mtime 2024-01-01, owner root; byte-identical for
/// the same input. Compressed as a whole when `compression` is not none (a .tar.gz etc.).
std::string make_tar(const std::vector<ArchiveMember>& members, Compression compression = Compression::none);

/// A zip of `members`; deflated unless `store_only`.
std::string make_zip(const std::vector<ArchiveMember>& members, bool store_only = false);

/// `data` as a single compressed stream (gzip without a timestamp, bzip2, xz, zstd), not a tar.
/// Compression::none returns `data` unchanged.
std::string compress(std::string_view data, Compression compression);

/// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

/// A zip with one member `member` of `uncompressed_bytes` zeros, deflated (zip64 fields from
/// 4 GiB on). The zeros are never held in memory: a megabyte is deflated once and its blocks
/// repeated, so 1 GiB (about 1 MB of zip) takes milliseconds. The zip container is written here,
/// not by libarchive, which cannot take pre-deflated data.
std::string zip_bomb(std::uint64_t uncompressed_bytes, const std::string& member = "zeros.bin");

/// A tar holding one file `member` of `uncompressed_bytes` zeros, compressed as a whole (a tar.gz
/// bomb, or a bomb image layer; pax size records past 8 GiB). gzip is built like zip_bomb, in
/// milliseconds; the other compressions stream zeros through libarchive (seconds per GiB), and
/// Compression::none returns a tar as large as the zeros.
std::string tar_bomb(std::uint64_t uncompressed_bytes, Compression compression,
                     const std::string& member = "zeros.bin");

/// One image layer: a tar of `members` (whiteouts are members named ".wh.NAME" or ".wh..wh..opq").
struct TestLayer {
  std::vector<ArchiveMember> members;
  Compression compression = Compression::none;
  std::string created_by;  ///< its history entry; omitted from the config when empty
  std::string media_type;  ///< OCI descriptor media type; empty: derived from `compression`
  bool missing = false;    ///< the manifest lists it but its blob is absent
};

struct TestImage {
  std::string reference = "example/app:1.0";  ///< "name:tag"; empty: an untagged image
  std::vector<std::string> env;               ///< "KEY=VALUE"
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<std::string> entrypoint, cmd;
  /// Extra history entries with empty_layer true (e.g. "ARG TOKEN=..."), listed before the layers'.
  std::vector<std::string> empty_history;
  std::vector<TestLayer> layers;  ///< base first
};

/// The uncompressed tar of a layer (its sha256 is the layer's diff id).
std::string layer_tar(const TestLayer& layer);
/// The layer's blob: layer_tar compressed per `layer.compression`.
std::string layer_blob(const TestLayer& layer);
/// The OCI descriptor media type of a layer: `layer.media_type`, else
/// application/vnd.oci.image.layer.v1.tar[+gzip|+zstd|+bzip2|+xz].
std::string layer_media_type(const TestLayer& layer);
/// The image config (OCI image-spec: architecture amd64, os linux, config, rootfs, history).
std::string image_config_json(const TestImage& image);

/// `text` as a JSON string literal, quotes included (control characters escaped, UTF-8 kept).
std::string json_string(std::string_view text);

enum class DockerSaveFormat {
  classic,  ///< <layerid>/{VERSION,json,layer.tar}, <confighex>.json, manifest.json, repositories
  oci,      ///< Docker 25+: an OCI layout (blobs/sha256/…) plus manifest.json and repositories
};

/// The files of a `docker save` tarball, in tar order: tests may edit or drop some, then make_tar.
std::vector<ArchiveMember> docker_save_members(const std::vector<TestImage>& images,
                                               DockerSaveFormat format = DockerSaveFormat::classic);
/// A `docker save` tarball of `images` (layers shared between images are stored once).
std::string make_docker_save(const std::vector<TestImage>& images, DockerSaveFormat format = DockerSaveFormat::classic);

/// The files of an OCI image layout: oci-layout, index.json (one manifest descriptor per image,
/// annotated with org.opencontainers.image.ref.name = the tag and io.containerd.image.name = the
/// reference), blobs/sha256/<hex> for layers, configs and manifests. Directories included.
std::vector<ArchiveMember> oci_layout_members(const std::vector<TestImage>& images);
/// Writes the OCI layout into `dir` (created if needed).
void write_oci_layout(const std::filesystem::path& dir, const std::vector<TestImage>& images);
/// The same layout as a tar (what `skopeo copy … oci-archive:` or `docker buildx --output type=oci` make).
std::string make_oci_archive(const std::vector<TestImage>& images);

/// Writes `members` below `dir` as real files (directories, symlinks and hard links too).
void write_members(const std::filesystem::path& dir, const std::vector<ArchiveMember>& members);

}  // namespace sprawl::test
