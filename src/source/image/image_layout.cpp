// Image layout: docker-save manifest.json and OCI image layouts (index.json, nested indexes,
// image manifests, configs) read into ImageLayout: images, layers in order, config fields.
#include "src/source/image/image_layout.h"

#include <openssl/evp.h>
#include <simdjson.h>

#include <algorithm>
#include <exception>
#include <string_view>
#include <utility>

namespace sprawl::image {
namespace {

using simdjson::dom::element;

constexpr int kMaxIndexDepth = 8;                // nested indexes below index.json
constexpr std::size_t kMaxDescriptors = 100000;  // all indexes together: bounds fan-out blowups
constexpr std::uint64_t kMaxBlobCandidate = 4ull << 20;
constexpr std::uint64_t kMaxJsonCandidate = 64ull << 20;

constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
constexpr std::string_view kDockerList = "application/vnd.docker.distribution.manifest.list.v2+json";
constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";

/// What every reader shares: the file lookup and the result being filled.
struct Context {
  const FileLookup& lookup;
  ImageLayout& out;
  std::size_t descriptors_seen = 0;

  void error(std::string where, std::string message) {
    out.problems.push_back({std::move(where), std::move(message), true});
  }
  void note(std::string where, std::string message) {
    out.problems.push_back({std::move(where), std::move(message), false});
  }
};

// ---- JSON access (simdjson DOM, error codes only) ----

/// One parsed document; its elements point into the parser, so both live together.
struct JsonDoc {
  simdjson::dom::parser parser;
  element root;
};

bool parse_json(Context& ctx, const std::string& where, const std::string& bytes, JsonDoc& doc) {
  const simdjson::padded_string padded(bytes);
  const auto error = doc.parser.parse(padded).get(doc.root);
  if (error == simdjson::SUCCESS) return true;
  ctx.error(where, std::string("malformed JSON: ") + simdjson::error_message(error));
  return false;
}

std::optional<element> member(element object, std::string_view key) {
  element value;
  if (object.at_key(key).get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

std::optional<std::string> as_string(element value) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
  return std::string(text);
}

std::string string_member(element object, std::string_view key) {
  const auto value = member(object, key);
  return value ? as_string(*value).value_or("") : "";
}

std::vector<element> array_member(element object, std::string_view key) {
  std::vector<element> items;
  simdjson::dom::array array;
  const auto value = member(object, key);
  if (value && value->get_array().get(array) == simdjson::SUCCESS) {
    for (element item : array) items.push_back(item);
  }
  return items;
}

// ---- digests ----

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_lower_hex(char c) { return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9'); }

/// OCI digest grammar: algorithm `[a-z0-9]+([+._-][a-z0-9]+)*`, encoded `[a-zA-Z0-9=_-]+`;
/// sha256 and sha512 must be lowercase hex of their length. No '/' or ".." can pass.
bool valid_digest_parts(std::string_view algorithm, std::string_view encoded) {
  if (algorithm.empty() || encoded.empty() || !is_lower_alnum(algorithm.back())) return false;
  for (std::size_t i = 0; i < algorithm.size(); ++i) {
    const char c = algorithm[i];
    const bool separator = c == '+' || c == '.' || c == '_' || c == '-';
    if (separator ? (i == 0 || !is_lower_alnum(algorithm[i - 1])) : !is_lower_alnum(c)) return false;
  }
  const auto encoded_char = [](char c) {
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '=' || c == '_' || c == '-';
  };
  if (!std::all_of(encoded.begin(), encoded.end(), encoded_char)) return false;
  const std::size_t hex_length = algorithm == "sha256" ? 64 : algorithm == "sha512" ? 128 : 0;
  if (hex_length == 0) return true;
  return encoded.size() == hex_length && std::all_of(encoded.begin(), encoded.end(), is_lower_hex);
}

/// "sha256:<hex>" → "blobs/sha256/<hex>"; "" when the digest is not valid.
std::string blob_path(std::string_view digest) {
  const auto colon = digest.find(':');
  if (colon == std::string_view::npos) return "";
  const auto algorithm = digest.substr(0, colon);
  const auto encoded = digest.substr(colon + 1);
  if (!valid_digest_parts(algorithm, encoded)) return "";
  return "blobs/" + std::string(algorithm) + "/" + std::string(encoded);
}

/// The digest a docker-save path names: "blobs/<alg>/<hex>" or "<64 hex>.json"; "" otherwise.
std::string digest_from_path(std::string_view path) {
  if (path.starts_with("blobs/")) {
    const auto rest = path.substr(6);
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) return "";
    const auto algorithm = rest.substr(0, slash);
    const auto encoded = rest.substr(slash + 1);
    if (!valid_digest_parts(algorithm, encoded)) return "";
    return std::string(algorithm) + ":" + std::string(encoded);
  }
  if (path.size() == 64 + 5 && path.ends_with(".json")) {
    const auto hex = path.substr(0, 64);
    if (std::all_of(hex.begin(), hex.end(), is_lower_hex)) return "sha256:" + std::string(hex);
  }
  return "";
}

/// Lowercase hex of `bytes` hashed with sha256 or sha512; nullopt for other algorithms.
std::optional<std::string> hash_hex(std::string_view algorithm, std::string_view bytes) {
  const EVP_MD* md = algorithm == "sha256" ? EVP_sha256() : algorithm == "sha512" ? EVP_sha512() : nullptr;
  if (md == nullptr) return std::nullopt;
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), hash, &length, md, nullptr) != 1) return std::nullopt;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[hash[i] >> 4]);
    hex.push_back(kHex[hash[i] & 15]);
  }
  return hex;
}

/// Checks a metadata blob against its digest (and descriptor size): a mismatch is an error,
/// but the caller goes on using the bytes.
void verify_blob(Context& ctx, const std::string& where, std::string_view digest, const std::string& bytes,
                 std::optional<std::uint64_t> size) {
  if (size && *size != bytes.size()) {
    ctx.error(where,
              "size is " + std::to_string(bytes.size()) + " bytes, the descriptor says " + std::to_string(*size));
  }
  const auto colon = digest.find(':');
  if (colon == std::string_view::npos) return;
  const auto algorithm = digest.substr(0, colon);
  const auto actual = hash_hex(algorithm, bytes);
  if (!actual) {
    ctx.note(where, "digest algorithm " + std::string(algorithm) + " is not verified");
  } else if (*actual != digest.substr(colon + 1)) {
    ctx.error(where, "content does not match its digest " + std::string(digest) + " (it hashes to " +
                         std::string(algorithm) + ":" + *actual + ")");
  }
}

std::optional<std::string> read_file(Context& ctx, const std::string& path, std::string_view what) {
  auto bytes = ctx.lookup(path);
  if (!bytes) ctx.error(path, std::string(what) + " is missing");
  return bytes;
}

// ---- image config ----

struct HistoryEntry {
  std::string created_by;
  bool empty_layer = false;
};

/// What an image config contributes: layer diff ids, history, and the fields worth scanning.
struct ConfigInfo {
  std::vector<std::string> diff_ids;
  std::vector<HistoryEntry> history;
  std::vector<ConfigField> fields;
};

/// Entrypoint / Cmd: an argv array joined by spaces, or a plain string; null gives nothing.
void add_argv_field(std::vector<ConfigField>& fields, const char* name, element section) {
  const auto value = member(section, name);
  if (!value) return;
  std::string joined;
  if (auto text = as_string(*value)) {
    joined = std::move(*text);
  } else {
    for (element item : array_member(section, name)) {
      auto arg = as_string(item);
      if (!arg) continue;
      if (!joined.empty()) joined.push_back(' ');
      joined += *arg;
    }
  }
  if (!joined.empty()) fields.push_back({name, std::move(joined)});
}

void add_config_section_fields(element section, std::vector<ConfigField>& fields) {
  const auto env = array_member(section, "Env");
  for (std::size_t i = 0; i < env.size(); ++i) {
    if (auto entry = as_string(env[i])) fields.push_back({"Env[" + std::to_string(i) + "]", std::move(*entry)});
  }
  simdjson::dom::object labels;
  const auto labels_value = member(section, "Labels");
  if (labels_value && labels_value->get_object().get(labels) == simdjson::SUCCESS) {
    for (const auto field : labels) {
      const auto value = as_string(field.value);
      if (!value) continue;
      const std::string key(field.key);
      fields.push_back({"Labels[" + key + "]", key + "=" + *value});
    }
  }
  add_argv_field(fields, "Entrypoint", section);
  add_argv_field(fields, "Cmd", section);
}

ConfigInfo parse_config(element root) {
  ConfigInfo info;
  if (const auto section = member(root, "config")) add_config_section_fields(*section, info.fields);
  if (const auto rootfs = member(root, "rootfs")) {
    for (element id : array_member(*rootfs, "diff_ids")) info.diff_ids.push_back(as_string(id).value_or(""));
  }
  const auto history = array_member(root, "history");
  for (std::size_t i = 0; i < history.size(); ++i) {
    HistoryEntry entry{string_member(history[i], "created_by"), false};
    if (const auto empty = member(history[i], "empty_layer")) {
      bool flag = false;
      if (empty->get_bool().get(flag) == simdjson::SUCCESS) entry.empty_layer = flag;
    }
    if (!entry.created_by.empty()) {
      info.fields.push_back({"history[" + std::to_string(i) + "].created_by", entry.created_by});
    }
    info.history.push_back(std::move(entry));
  }
  return info;
}

std::optional<ConfigInfo> parse_config_file(Context& ctx, const std::string& where, const std::string& bytes) {
  JsonDoc doc;
  if (!parse_json(ctx, where, bytes, doc)) return std::nullopt;
  return parse_config(doc.root);
}

/// Gives the layers their diff ids and history lines (the k-th history entry that is not an
/// empty_layer made layer k) and the image its config fields; count mismatches are notes.
void apply_config(Context& ctx, const std::string& where, ImageManifest& image, ConfigInfo info) {
  auto& layers = image.layers;
  for (std::size_t i = 0; i < layers.size() && i < info.diff_ids.size(); ++i) {
    layers[i].diff_id = info.diff_ids[i];
    if (layers[i].digest.empty()) layers[i].digest = info.diff_ids[i];
  }
  if (info.diff_ids.size() != layers.size()) {
    ctx.note(where, "config lists " + std::to_string(info.diff_ids.size()) + " diff ids for " +
                        std::to_string(layers.size()) + " layers");
  }
  std::size_t layer = 0;
  for (const auto& entry : info.history) {
    if (entry.empty_layer) continue;
    if (layer < layers.size()) layers[layer].created_by = entry.created_by;
    ++layer;
  }
  if (!info.history.empty() && layer != layers.size()) {
    ctx.note(where, "history has " + std::to_string(layer) + " entries that made a layer, for " +
                        std::to_string(layers.size()) + " layers");
  }
  image.config_fields = std::move(info.fields);
}

// ---- docker save ----

void read_docker_config(Context& ctx, const std::string& path, ImageManifest& image) {
  const std::string named = digest_from_path(path);
  image.config_digest = named;
  const auto bytes = read_file(ctx, path, "config");
  if (!bytes) return;
  image.config_digest = "sha256:" + hash_hex("sha256", *bytes).value_or("");
  if (!named.empty()) verify_blob(ctx, path, named, *bytes, std::nullopt);
  if (auto info = parse_config_file(ctx, path, *bytes)) apply_config(ctx, path, image, std::move(*info));
}

void read_docker_entry(Context& ctx, element entry, std::size_t index) {
  const std::string where = "manifest.json[" + std::to_string(index) + "]";
  if (!entry.is_object()) {
    ctx.error(where, "not an object");
    return;
  }
  ImageManifest image;
  const auto tags = array_member(entry, "RepoTags");
  if (!tags.empty()) image.reference = as_string(tags.front()).value_or("");
  for (element item : array_member(entry, "Layers")) {
    auto location = as_string(item);
    if (!location || location->empty()) {
      ctx.error(where, "layer " + std::to_string(image.layers.size()) + " has no path");
      continue;
    }
    LayerRef layer;
    layer.digest = digest_from_path(*location);
    layer.location = std::move(*location);
    image.layers.push_back(std::move(layer));
  }
  const std::string config_path = string_member(entry, "Config");
  if (config_path.empty()) {
    ctx.error(where, "no Config path");
  } else {
    read_docker_config(ctx, config_path, image);
  }
  ctx.out.images.push_back(std::move(image));
}

void read_docker_save(Context& ctx) {
  const auto bytes = read_file(ctx, "manifest.json", "manifest.json");
  if (!bytes) return;
  JsonDoc doc;
  if (!parse_json(ctx, "manifest.json", *bytes, doc)) return;
  simdjson::dom::array entries;
  if (doc.root.get_array().get(entries) != simdjson::SUCCESS) {
    ctx.error("manifest.json", "not a JSON array");
    return;
  }
  std::size_t index = 0;
  for (element entry : entries) read_docker_entry(ctx, entry, index++);
}

// ---- OCI layout ----

struct Descriptor {
  std::string media_type;
  std::string digest;
  std::optional<std::uint64_t> size;
  std::string reference;       ///< io.containerd.image.name, else org.opencontainers.image.ref.name
  std::string platform;        ///< "os/arch[/variant]"
  std::string reference_type;  ///< vnd.docker.reference.type (buildx attestations)
};

std::string platform_of(element descriptor) {
  const auto platform = member(descriptor, "platform");
  if (!platform) return "";
  const std::string os = string_member(*platform, "os");
  const std::string arch = string_member(*platform, "architecture");
  if (os.empty() && arch.empty()) return "";
  const std::string variant = string_member(*platform, "variant");
  return os + "/" + arch + (variant.empty() ? "" : "/" + variant);
}

Descriptor parse_descriptor(element value) {
  Descriptor descriptor;
  descriptor.media_type = string_member(value, "mediaType");
  descriptor.digest = string_member(value, "digest");
  std::uint64_t size = 0;
  if (const auto size_value = member(value, "size"); size_value && size_value->get_uint64().get(size) == 0) {
    descriptor.size = size;
  }
  if (const auto annotations = member(value, "annotations")) {
    descriptor.reference = string_member(*annotations, "io.containerd.image.name");
    if (descriptor.reference.empty())
      descriptor.reference = string_member(*annotations, "org.opencontainers.image.ref.name");
    descriptor.reference_type = string_member(*annotations, "vnd.docker.reference.type");
  }
  descriptor.platform = platform_of(value);
  return descriptor;
}

enum class BlobKind { index, manifest, unknown };

BlobKind kind_of(std::string_view media_type) {
  if (media_type == kOciIndex || media_type == kDockerList) return BlobKind::index;
  if (media_type == kOciManifest || media_type == kDockerManifest) return BlobKind::manifest;
  return BlobKind::unknown;
}

/// A blob whose descriptor had no media type: its own mediaType, else its shape.
BlobKind sniff_kind(element root) {
  const BlobKind kind = kind_of(string_member(root, "mediaType"));
  if (kind != BlobKind::unknown) return kind;
  if (member(root, "manifests")) return BlobKind::index;
  if (member(root, "layers") || member(root, "config")) return BlobKind::manifest;
  return BlobKind::unknown;
}

/// What a descriptor hands down to the manifests below it when they do not say themselves.
struct Inherited {
  std::string reference;
  std::string platform;
};

ImageManifest image_from(const Descriptor& descriptor, const Inherited& here) {
  ImageManifest image;
  image.reference = here.reference;
  image.manifest_digest = descriptor.digest;
  image.platform = here.platform;
  return image;
}

void read_oci_config(Context& ctx, const std::string& manifest_path, const Descriptor& config, ImageManifest& image) {
  image.config_digest = config.digest;
  if (!config.media_type.empty() && config.media_type != kOciConfig && config.media_type != kDockerConfig) {
    ctx.note(manifest_path, "config media type " + config.media_type + " is not an image config: not read");
    return;
  }
  const std::string path = blob_path(config.digest);
  if (path.empty()) {
    ctx.error(manifest_path, "config has an invalid digest '" + config.digest + "'");
    return;
  }
  const auto bytes = read_file(ctx, path, "config blob");
  if (!bytes) return;
  verify_blob(ctx, path, config.digest, *bytes, config.size);
  if (auto info = parse_config_file(ctx, path, *bytes)) apply_config(ctx, path, image, std::move(*info));
}

void read_oci_manifest(Context& ctx, const std::string& path, element root, ImageManifest image) {
  const auto layers = array_member(root, "layers");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const Descriptor descriptor = parse_descriptor(layers[i]);
    LayerRef layer;
    layer.digest = descriptor.digest;
    layer.media_type = descriptor.media_type;
    layer.location = blob_path(descriptor.digest);
    layer.size = descriptor.size.value_or(0);
    if (layer.location.empty()) ctx.error(path, "layer " + std::to_string(i) + " has an invalid digest");
    if (!is_layer_media_type(layer.media_type)) {
      ctx.note(path, "layer " + std::to_string(i) + " has media type " + layer.media_type + ": read by content");
    }
    image.layers.push_back(std::move(layer));
  }
  if (const auto config = member(root, "config")) {
    read_oci_config(ctx, path, parse_descriptor(*config), image);
  } else {
    ctx.error(path, "manifest has no config descriptor");
  }
  ctx.out.images.push_back(std::move(image));
}

void visit_index(Context& ctx, const std::string& where, element root, const Inherited& inherited, int depth,
                 std::vector<std::string>& stack);

/// Where a descriptor's problems are filed: its blob path, else its digest as written.
std::string where_of(const Descriptor& descriptor) {
  const std::string path = blob_path(descriptor.digest);
  return !path.empty()               ? path
         : descriptor.digest.empty() ? std::string("descriptor without digest")
                                     : descriptor.digest;
}

/// Reads the blob a descriptor names and dispatches it as an index or an image manifest.
void visit_blob(Context& ctx, const Descriptor& descriptor, BlobKind kind, const Inherited& here, int depth,
                std::vector<std::string>& stack) {
  const std::string path = blob_path(descriptor.digest);
  const auto bytes = read_file(ctx, path, kind == BlobKind::index ? "index blob" : "manifest blob");
  if (!bytes) {
    if (kind == BlobKind::manifest) ctx.out.images.push_back(image_from(descriptor, here));
    return;
  }
  verify_blob(ctx, path, descriptor.digest, *bytes, descriptor.size);
  JsonDoc doc;
  if (!parse_json(ctx, path, *bytes, doc)) {
    if (kind == BlobKind::manifest) ctx.out.images.push_back(image_from(descriptor, here));
    return;
  }
  if (kind == BlobKind::unknown) kind = sniff_kind(doc.root);
  if (kind == BlobKind::manifest) return read_oci_manifest(ctx, path, doc.root, image_from(descriptor, here));
  if (kind == BlobKind::unknown) return ctx.note(path, "neither an image manifest nor an index: skipped");
  if (depth >= kMaxIndexDepth) {
    return ctx.error(path, "indexes nested deeper than " + std::to_string(kMaxIndexDepth) + ": not read");
  }
  stack.push_back(descriptor.digest);
  visit_index(ctx, path, doc.root, here, depth + 1, stack);
  stack.pop_back();
}

void visit_descriptor(Context& ctx, const Descriptor& descriptor, const Inherited& inherited, int depth,
                      std::vector<std::string>& stack) {
  const Inherited here{descriptor.reference.empty() ? inherited.reference : descriptor.reference,
                       descriptor.platform.empty() ? inherited.platform : descriptor.platform};
  if (descriptor.reference_type == "attestation-manifest") {
    return ctx.note(where_of(descriptor), "attestation manifest: skipped");
  }
  const BlobKind kind = kind_of(descriptor.media_type);
  if (kind == BlobKind::unknown && !descriptor.media_type.empty()) {
    return ctx.note(where_of(descriptor),
                    "media type " + descriptor.media_type + " is not an image manifest or index: skipped");
  }
  if (blob_path(descriptor.digest).empty()) {
    return ctx.error(where_of(descriptor), "invalid digest '" + descriptor.digest + "'");
  }
  if (std::find(stack.begin(), stack.end(), descriptor.digest) != stack.end()) {
    return ctx.error(where_of(descriptor), "index refers to itself (a cycle): not followed");
  }
  visit_blob(ctx, descriptor, kind, here, depth, stack);
}

void visit_index(Context& ctx, const std::string& where, element root, const Inherited& inherited, int depth,
                 std::vector<std::string>& stack) {
  simdjson::dom::array manifests;
  const auto value = member(root, "manifests");
  if (!value || value->get_array().get(manifests) != simdjson::SUCCESS) {
    return ctx.error(where, "index has no manifests array");
  }
  for (element item : manifests) {
    if (++ctx.descriptors_seen > kMaxDescriptors) {
      if (ctx.descriptors_seen == kMaxDescriptors + 1) ctx.error(where, "too many descriptors: the rest is not read");
      return;
    }
    visit_descriptor(ctx, parse_descriptor(item), inherited, depth, stack);
  }
}

void read_oci(Context& ctx) {
  const auto bytes = read_file(ctx, "index.json", "index.json");
  if (!bytes) return;
  JsonDoc doc;
  if (!parse_json(ctx, "index.json", *bytes, doc)) return;
  std::uint64_t schema = 0;
  const auto schema_value = member(doc.root, "schemaVersion");
  if (schema_value && (schema_value->get_uint64().get(schema) != simdjson::SUCCESS || schema != 2)) {
    ctx.note("index.json", "schemaVersion is not 2");
  }
  std::vector<std::string> stack;
  visit_index(ctx, "index.json", doc.root, Inherited{}, 0, stack);
}

std::string_view without_dot_slash(std::string_view path) {
  while (path.starts_with("./")) path.remove_prefix(2);
  while (path.starts_with('/')) path.remove_prefix(1);
  return path;
}

}  // namespace

LayoutKind detect_layout(const std::function<bool(const std::string& path)>& exists) {
  if (exists("manifest.json")) return LayoutKind::docker_save;
  if (exists("index.json") && exists("oci-layout")) return LayoutKind::oci;
  return LayoutKind::none;
}

bool is_metadata_candidate(const std::string& path, std::uint64_t size) {
  const std::string_view name = without_dot_slash(path);
  if (name.starts_with("blobs/")) {
    return size <= kMaxBlobCandidate && !digest_from_path(name).empty();
  }
  // Only top-level JSON: a tarball that is not an image (a node_modules backup) must not have
  // every one of its .json files kept in memory on the first pass.
  const bool named = name == "manifest.json" || name == "index.json" || name == "oci-layout" ||
                     name == "repositories" || (name.ends_with(".json") && name.find('/') == std::string_view::npos);
  return named && size <= kMaxJsonCandidate;
}

ImageLayout read_image_layout(LayoutKind kind, const FileLookup& lookup) {
  ImageLayout out;
  Context ctx{lookup, out};
  try {
    if (kind == LayoutKind::docker_save) read_docker_save(ctx);
    if (kind == LayoutKind::oci) read_oci(ctx);
  } catch (const std::exception& e) {
    ctx.error("image metadata", std::string("reading stopped: ") + e.what());
  }
  return out;
}

std::string short_digest(const std::string& digest) {
  const std::size_t colon = digest.find(':');
  return colon == std::string::npos ? digest.substr(0, 12) : digest.substr(0, std::min(digest.size(), colon + 13));
}

bool is_layer_media_type(const std::string& media_type) {
  static constexpr std::string_view kLayerTypes[] = {
      "",
      "application/vnd.oci.image.layer.v1.tar",
      "application/vnd.oci.image.layer.v1.tar+gzip",
      "application/vnd.oci.image.layer.v1.tar+zstd",
      "application/vnd.oci.image.layer.nondistributable.v1.tar",
      "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
      "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
      "application/vnd.docker.image.rootfs.diff.tar",
      "application/vnd.docker.image.rootfs.diff.tar.gzip",
      "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  };
  return std::find(std::begin(kLayerTypes), std::end(kLayerTypes), media_type) != std::end(kLayerTypes);
}

}  // namespace sprawl::image
