// Image layout: reads container image metadata (docker-save manifest.json and legacy layout; OCI
// image layouts with index.json, nested indexes, manifests and configs) into the list of images,
// their layers in order and the config fields worth scanning. Layer bytes are read elsewhere.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sprawl::image {

struct LayerRef {
  std::string digest;      ///< "sha256:<hex>": descriptor digest (OCI), else the diff id, else empty
  std::string diff_id;     ///< config rootfs.diff_ids[i] when present
  std::string media_type;  ///< descriptor media type; empty in docker-save legacy manifests
  std::string location;    ///< path of its bytes inside the tarball / below the layout directory
  std::uint64_t size = 0;  ///< descriptor size; 0 when unknown
  std::string created_by;  ///< the history entry (not empty_layer) that produced this layer
};

/// One configuration value worth scanning: Env entries, Labels, Entrypoint, Cmd, history lines.
struct ConfigField {
  std::string name;   ///< "Env[0]", "Labels[org.example.key]", "Entrypoint", "Cmd", "history[3].created_by", …
  std::string value;  ///< "KEY=VALUE" for Env; "key=value" for Labels; argv joined by spaces
};

struct ImageManifest {
  std::string reference;         ///< "name:tag" when known (RepoTags, ref.name annotations)
  std::string manifest_digest;   ///< OCI manifest digest; empty for docker-save legacy manifests
  std::string config_digest;     ///< "sha256:<hex>" of the config: the image id
  std::string platform;          ///< "os/arch[/variant]" when an index says so
  std::vector<LayerRef> layers;  ///< base first
  std::vector<ConfigField> config_fields;
};

struct LayoutProblem {
  std::string where;  ///< the file or descriptor concerned ("manifest.json", "blobs/sha256/ab12…")
  std::string message;
  bool is_error = true;
};

struct ImageLayout {
  std::vector<ImageManifest> images;
  std::vector<LayoutProblem> problems;
};

enum class LayoutKind { none, docker_save, oci };

/// Which layout the top-level names say this is: manifest.json → docker_save (also for Docker
/// 25+ archives that carry both); index.json with oci-layout → oci.
LayoutKind detect_layout(const std::function<bool(const std::string& path)>& exists);

/// Whether an entry of an image tarball is metadata that read_image_layout may ask for (and so
/// should be kept in memory on a first pass): manifest.json, index.json, oci-layout,
/// repositories and top-level *.json up to 64 MiB; blobs/<algorithm>/<digest> (sha256, …) up to 4 MiB. A
/// leading "./" is ignored.
bool is_metadata_candidate(const std::string& path, std::uint64_t size);

/// A small file of the image by its path ("manifest.json", "blobs/sha256/<hex>"); nullopt when
/// absent.
using FileLookup = std::function<std::optional<std::string>(const std::string& path)>;

/// Reads the image list. Missing or malformed files, unknown media types and digests that do not
/// resolve become problems; every image that can be described is returned. Metadata blobs
/// (indexes, manifests, configs) are checked against their digests (sha256, sha512) and sizes;
/// layer blobs are never looked up. OCI: nested indexes are followed 8 deep, buildx attestation
/// manifests are skipped with a note, and an index listing the same manifest twice gives two images.
/// Never throws.
ImageLayout read_image_layout(LayoutKind kind, const FileLookup& lookup);

/// "sha256:" and the first 12 hex digits of `digest`, for people; the first 12 characters when
/// it has no algorithm.
std::string short_digest(const std::string& digest);

/// Whether `media_type` is a layer sprawl reads as a tar stream (plain, gzip, zstd; OCI and Docker
/// names, non-distributable/foreign variants). Empty (docker-save) counts as a layer.
bool is_layer_media_type(const std::string& media_type);

}  // namespace sprawl::image
