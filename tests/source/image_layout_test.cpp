// read_image_layout and friends: docker-save archives (legacy and Docker 25+), OCI layouts
// (nested indexes, platforms, attestations, annotations) and their problems, on JSON written here.
#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "src/source/image/image_layout.h"

using namespace sprawl::image;

namespace {

using Files = std::map<std::string, std::string>;

FileLookup lookup_in(const Files& files) {
  return [&files](const std::string& path) -> std::optional<std::string> {
    const auto found = files.find(path);
    if (found == files.end()) return std::nullopt;
    return found->second;
  };
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), hash, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[hash[i] >> 4]);
    hex.push_back(kHex[hash[i] & 15]);
  }
  return hex;
}

/// Stores `bytes` as an OCI blob and returns its digest.
std::string add_blob(Files& files, const std::string& bytes) {
  const std::string hex = sha256_hex(bytes);
  files["blobs/sha256/" + hex] = bytes;
  return "sha256:" + hex;
}

std::string path_of(const std::string& digest) { return "blobs/sha256/" + digest.substr(7); }

std::string descriptor(const std::string& media_type, const std::string& digest, std::size_t size,
                       const std::string& extra = "") {
  return R"({"mediaType":")" + media_type + R"(","digest":")" + digest + R"(","size":)" + std::to_string(size) + extra +
         "}";
}

std::string fake_digest(char c) { return "sha256:" + std::string(64, c); }

const std::string kOciIndex = "application/vnd.oci.image.index.v1+json";
const std::string kOciManifest = "application/vnd.oci.image.manifest.v1+json";
const std::string kOciConfig = "application/vnd.oci.image.config.v1+json";
const std::string kTarGzip = "application/vnd.oci.image.layer.v1.tar+gzip";

/// An image config with two layers, Env, Labels, Entrypoint, Cmd and history with empty layers.
std::string two_layer_config() {
  return R"({"architecture":"amd64","os":"linux",
    "config":{"Env":["PATH=/usr/local/bin:/usr/bin","GREETING=hello world"],
              "Labels":{"maintainer":"ops@example.com","org.example.build":"42"},
              "Entrypoint":"/entry.sh","Cmd":["serve","--port","8080"]},
    "rootfs":{"type":"layers","diff_ids":[")" +
         fake_digest('a') + R"(",")" + fake_digest('b') + R"("]},
    "history":[{"created_by":"/bin/sh -c #(nop) ADD file:0123 in / "},
               {"created_by":"/bin/sh -c #(nop)  ARG RELEASE","empty_layer":true},
               {"created_by":"|1 RELEASE=1.2.3 /bin/sh -c echo $RELEASE > /etc/release"},
               {"created_by":"/bin/sh -c #(nop)  CMD [\"serve\"]","empty_layer":true}]})";
}

/// A one-layer OCI manifest over a config blob; returns the manifest's digest.
std::string add_manifest(Files& files, const std::string& config, const std::string& layer_media_type = kTarGzip) {
  const std::string config_digest = add_blob(files, config);
  return add_blob(files, R"({"schemaVersion":2,"mediaType":")" + kOciManifest + R"(","config":)" +
                             descriptor(kOciConfig, config_digest, config.size()) + R"(,"layers":[)" +
                             descriptor(layer_media_type, fake_digest('c'), 1234) + "]}");
}

std::string index_of(const std::string& descriptors) {
  return R"({"schemaVersion":2,"mediaType":")" + kOciIndex + R"(","manifests":[)" + descriptors + "]}";
}

std::string value_of(const ImageManifest& image, std::string_view name) {
  for (const auto& field : image.config_fields) {
    if (field.name == name) return field.value;
  }
  return "<absent>";
}

bool has_problem(const ImageLayout& layout, std::string_view where, std::string_view message, bool is_error) {
  for (const auto& problem : layout.problems) {
    if (problem.where == where && problem.message.find(message) != std::string::npos && problem.is_error == is_error) {
      return true;
    }
  }
  return false;
}

std::size_t error_count(const ImageLayout& layout) {
  std::size_t count = 0;
  for (const auto& problem : layout.problems) count += problem.is_error ? 1 : 0;
  return count;
}

}  // namespace

TEST_CASE("docker save legacy archive gives layers, diff ids, history lines and config fields", "[image]") {
  Files files;
  const std::string config = two_layer_config();
  const std::string hex = sha256_hex(config);
  files[hex + ".json"] = config;
  files["manifest.json"] = R"([{"Config":")" + hex +
                           R"(.json","RepoTags":["example/app:1.0","example/app:latest"],
                              "Layers":["1111/layer.tar","2222/layer.tar"]}])";
  REQUIRE(detect_layout([&](const std::string& p) { return files.count(p) > 0; }) == LayoutKind::docker_save);

  const auto layout = read_image_layout(LayoutKind::docker_save, lookup_in(files));
  CHECK(layout.problems.empty());
  REQUIRE(layout.images.size() == 1);
  const auto& image = layout.images[0];
  CHECK(image.reference == "example/app:1.0");
  CHECK(image.config_digest == "sha256:" + hex);
  CHECK(image.manifest_digest.empty());
  REQUIRE(image.layers.size() == 2);
  CHECK(image.layers[0].location == "1111/layer.tar");
  CHECK(image.layers[0].digest == fake_digest('a'));
  CHECK(image.layers[0].diff_id == fake_digest('a'));
  CHECK(image.layers[1].digest == fake_digest('b'));
  CHECK(image.layers[0].media_type.empty());
  CHECK(image.layers[0].created_by == "/bin/sh -c #(nop) ADD file:0123 in / ");
  CHECK(image.layers[1].created_by == "|1 RELEASE=1.2.3 /bin/sh -c echo $RELEASE > /etc/release");

  CHECK(value_of(image, "Env[0]") == "PATH=/usr/local/bin:/usr/bin");
  CHECK(value_of(image, "Env[1]") == "GREETING=hello world");
  CHECK(value_of(image, "Labels[maintainer]") == "maintainer=ops@example.com");
  CHECK(value_of(image, "Labels[org.example.build]") == "org.example.build=42");
  CHECK(value_of(image, "Entrypoint") == "/entry.sh");
  CHECK(value_of(image, "Cmd") == "serve --port 8080");
  CHECK(value_of(image, "history[1].created_by") == "/bin/sh -c #(nop)  ARG RELEASE");
  CHECK(value_of(image, "history[2].created_by") == "|1 RELEASE=1.2.3 /bin/sh -c echo $RELEASE > /etc/release");
  CHECK(image.config_fields.size() == 10);
}

TEST_CASE("docker 25 archive with blobs paths and an index is read as docker save", "[image]") {
  Files files;
  const std::string config_digest = add_blob(files, two_layer_config());
  files["index.json"] = index_of("");
  files["oci-layout"] = R"({"imageLayoutVersion":"1.0.0"})";
  files["manifest.json"] = R"([{"Config":")" + path_of(config_digest) + R"(","RepoTags":null,"Layers":[")" +
                           path_of(fake_digest('d')) + R"(",")" + path_of(fake_digest('e')) +
                           R"("],"LayerSources":{}}])";
  REQUIRE(detect_layout([&](const std::string& p) { return files.count(p) > 0; }) == LayoutKind::docker_save);

  const auto layout = read_image_layout(LayoutKind::docker_save, lookup_in(files));
  CHECK(layout.problems.empty());
  REQUIRE(layout.images.size() == 1);
  const auto& image = layout.images[0];
  CHECK(image.reference.empty());
  CHECK(image.config_digest == config_digest);
  REQUIRE(image.layers.size() == 2);
  CHECK(image.layers[0].digest == fake_digest('d'));
  CHECK(image.layers[0].diff_id == fake_digest('a'));
  CHECK(image.layers[1].location == path_of(fake_digest('e')));
}

TEST_CASE("oci layout with a nested index gives one image per platform and skips attestations", "[image]") {
  Files files;
  const std::string amd64 =
      add_manifest(files, R"({"config":{"Env":["ARCH=amd64"]},"rootfs":{"diff_ids":[")" + fake_digest('1') + R"("]}})");
  const std::string arm64 =
      add_manifest(files, R"({"config":{"Env":["ARCH=arm64"]},"rootfs":{"diff_ids":[")" + fake_digest('2') + R"("]}})");
  const std::string nested =
      index_of(descriptor(kOciManifest, amd64, files[path_of(amd64)].size(),
                          R"(,"platform":{"architecture":"amd64","os":"linux"})") +
               "," +
               descriptor(kOciManifest, arm64, files[path_of(arm64)].size(),
                          R"(,"platform":{"architecture":"arm64","os":"linux","variant":"v8"})") +
               "," +
               descriptor(kOciManifest, fake_digest('f'), 840,
                          R"(,"annotations":{"vnd.docker.reference.type":"attestation-manifest"},)"
                          R"("platform":{"architecture":"unknown","os":"unknown"})"));
  const std::string nested_digest = add_blob(files, nested);
  files["oci-layout"] = R"({"imageLayoutVersion":"1.0.0"})";
  files["index.json"] = index_of(descriptor(kOciIndex, nested_digest, nested.size(),
                                            R"(,"annotations":{"io.containerd.image.name":"docker.io/library/app:1.0",)"
                                            R"("org.opencontainers.image.ref.name":"1.0"})"));
  REQUIRE(detect_layout([&](const std::string& p) { return files.count(p) > 0; }) == LayoutKind::oci);

  const auto layout = read_image_layout(LayoutKind::oci, lookup_in(files));
  CHECK(error_count(layout) == 0);
  CHECK(has_problem(layout, path_of(fake_digest('f')), "attestation manifest: skipped", false));
  REQUIRE(layout.images.size() == 2);
  const auto& first = layout.images[0];
  CHECK(first.reference == "docker.io/library/app:1.0");
  CHECK(first.platform == "linux/amd64");
  CHECK(first.manifest_digest == amd64);
  CHECK(value_of(first, "Env[0]") == "ARCH=amd64");
  REQUIRE(first.layers.size() == 1);
  CHECK(first.layers[0].digest == fake_digest('c'));
  CHECK(first.layers[0].diff_id == fake_digest('1'));
  CHECK(first.layers[0].location == path_of(fake_digest('c')));
  CHECK(first.layers[0].media_type == kTarGzip);
  CHECK(first.layers[0].size == 1234);
  const auto& second = layout.images[1];
  CHECK(second.reference == "docker.io/library/app:1.0");
  CHECK(second.platform == "linux/arm64/v8");
  CHECK(second.config_digest != first.config_digest);
  CHECK(value_of(second, "Env[0]") == "ARCH=arm64");
}

TEST_CASE("oci ref.name annotation names the image when containerd's name is absent", "[image]") {
  Files files;
  const std::string manifest = add_manifest(files, R"({"config":{}})");
  files["index.json"] = index_of(descriptor(kOciManifest, manifest, files[path_of(manifest)].size(),
                                            R"(,"annotations":{"org.opencontainers.image.ref.name":"1.0"})"));
  const auto layout = read_image_layout(LayoutKind::oci, lookup_in(files));
  REQUIRE(layout.images.size() == 1);
  CHECK(layout.images[0].reference == "1.0");
  CHECK(layout.images[0].platform.empty());
}

TEST_CASE("a descriptor without media type is read by what its blob says", "[image]") {
  Files files;
  const std::string manifest = add_manifest(files, R"({"config":{"Cmd":null}})");
  files["index.json"] = R"({"schemaVersion":2,"manifests":[{"digest":")" + manifest + R"("}]})";
  const auto layout = read_image_layout(LayoutKind::oci, lookup_in(files));
  CHECK(error_count(layout) == 0);
  REQUIRE(layout.images.size() == 1);
  CHECK(layout.images[0].layers.size() == 1);
  CHECK(layout.images[0].config_fields.empty());
}

TEST_CASE("missing config still returns the image with an error naming the path", "[image]") {
  SECTION("docker save") {
    Files files;
    files["manifest.json"] =
        R"([{"Config":"missing.json","RepoTags":["app:2"],"Layers":["a/layer.tar","b/layer.tar"]}])";
    const auto layout = read_image_layout(LayoutKind::docker_save, lookup_in(files));
    CHECK(has_problem(layout, "missing.json", "config is missing", true));
    REQUIRE(layout.images.size() == 1);
    CHECK(layout.images[0].reference == "app:2");
    CHECK(layout.images[0].layers.size() == 2);
    CHECK(layout.images[0].config_fields.empty());
  }
  SECTION("oci") {
    Files files;
    const std::string config_path = path_of(fake_digest('0'));
    const std::string manifest =
        add_blob(files, R"({"schemaVersion":2,"config":)" + descriptor(kOciConfig, fake_digest('0'), 2) +
                            R"(,"layers":[)" + descriptor(kTarGzip, fake_digest('c'), 5) + "]}");
    files["index.json"] = index_of(descriptor(kOciManifest, manifest, files[path_of(manifest)].size()));
    const auto layout = read_image_layout(LayoutKind::oci, lookup_in(files));
    CHECK(error_count(layout) == 1);
    CHECK(has_problem(layout, config_path, "config blob is missing", true));
    REQUIRE(layout.images.size() == 1);
    CHECK(layout.images[0].config_digest == fake_digest('0'));
    CHECK(layout.images[0].layers.size() == 1);
  }
  SECTION("missing manifest blob: the image keeps what the index says") {
    Files files;
    files["index.json"] = index_of(descriptor(kOciManifest, fake_digest('9'), 10,
                                              R"(,"annotations":{"org.opencontainers.image.ref.name":"x:1"})"));
    const auto layout = read_image_layout(LayoutKind::oci, lookup_in(files));
    CHECK(has_problem(layout, path_of(fake_digest('9')), "manifest blob is missing", true));
    REQUIRE(layout.images.size() == 1);
    CHECK(layout.images[0].reference == "x:1");
    CHECK(layout.images[0].manifest_digest == fake_digest('9'));
  }
  SECTION("no manifest.json or index.json at all") {
    Files files;
    CHECK(has_problem(read_image_layout(LayoutKind::docker_save, lookup_in(files)), "manifest.json", "missing", true));
    CHECK(has_problem(read_image_layout(LayoutKind::oci, lookup_in(files)), "index.json", "missing", true));
  }
}

TEST_CASE("malformed JSON is an error naming the file and simdjson's message", "[image]") {
  Files files;
  files["manifest.json"] = R"([{"Config":"c.json","Layers":[)";
  auto layout = read_image_layout(LayoutKind::docker_save, lookup_in(files));
  CHECK(layout.images.empty());
  REQUIRE(layout.problems.size() == 1);
  CHECK(layout.problems[0].where == "manifest.json");
  CHECK(layout.problems[0].message.starts_with("malformed JSON: "));
  CHECK(layout.problems[0].message.size() > 16);

  files["manifest.json"] = R"([{"Config":"c.json","Layers":["l/layer.tar"]}])";
  files["c.json"] = R"({"config":{"Env":["A=1"]})";
  layout = read_image_layout(LayoutKind::docker_save, lookup_in(files));
  CHECK(has_problem(layout, "c.json", "malformed JSON", true));
  REQUIRE(layout.images.size() == 1);
  CHECK(layout.images[0].layers.size() == 1);

  files["manifest.json"] = R"({"Config":"c.json"})";
  CHECK(has_problem(read_image_layout(LayoutKind::docker_save, lookup_in(files)), "manifest.json", "not a JSON array",
                    true));
}

TEST_CASE("digest mismatch is an error naming the blob, and the blob is still used", "[image]") {
  SECTION("oci config") {
    Files files;
    const std::string manifest = add_manifest(files, R"({"config":{"Env":["A=1"]}})");
    files["index.json"] = index_of(descriptor(kOciManifest, manifest, files[path_of(manifest)].size()));
    std::string config_path;
    for (const auto& [path, bytes] : files) {
      if (bytes == R"({"config":{"Env":["A=1"]}})") config_path = path;
    }
    files[config_path] = R"({"config":{"Env":["A=2"]}})";  // same size, other content
    const auto layout = read_image_layout(LayoutKind::oci, lookup_in(files));
    CHECK(has_problem(layout, config_path, "does not match its digest", true));
    REQUIRE(layout.images.size() == 1);
    CHECK(value_of(layout.images[0], "Env[0]") == "A=2");
  }
  SECTION("docker save config named by its hash") {
    Files files;
    const std::string name = std::string(64, 'a') + ".json";
    files[name] = R"({"config":{"Cmd":["run"]}})";
    files["manifest.json"] = R"([{"Config":")" + name + R"(","Layers":[]}])";
    const auto layout = read_image_layout(LayoutKind::docker_save, lookup_in(files));
    CHECK(has_problem(layout, name, "does not match its digest", true));
    REQUIRE(layout.images.size() == 1);
    CHECK(layout.images[0].config_digest == "sha256:" + sha256_hex(files[name]));
    CHECK(value_of(layout.images[0], "Cmd") == "run");
  }
  SECTION("size differs from the descriptor") {
    Files files;
    const std::string manifest = add_manifest(files, R"({})");
    files["index.json"] = index_of(descriptor(kOciManifest, manifest, 3));
    const auto layout = read_image_layout(LayoutKind::oci, lookup_in(files));
    CHECK(has_problem(layout, path_of(manifest), "the descriptor says 3", true));
    CHECK(layout.images.size() == 1);
  }
}

TEST_CASE("unknown layer media type is a note and the layer is kept", "[image]") {
  Files files;
  const std::string manifest = add_manifest(files, R"({})", "application/vnd.example.thing");
  files["index.json"] = index_of(descriptor(kOciManifest, manifest, files[path_of(manifest)].size()));
  const auto layout = read_image_layout(LayoutKind::oci, lookup_in(files));
  CHECK(error_count(layout) == 0);
  CHECK(has_problem(layout, path_of(manifest), "layer 0 has media type application/vnd.example.thing: read by content",
                    false));
  REQUIRE(layout.images.size() == 1);
  CHECK(layout.images[0].layers.size() == 1);
}

TEST_CASE("unknown manifest media type in an index is a note and skipped", "[image]") {
  Files files;
  files["index.json"] =
      index_of(descriptor("application/vnd.docker.distribution.manifest.v1+json", fake_digest('7'), 10));
  const auto layout = read_image_layout(LayoutKind::oci, lookup_in(files));
  CHECK(layout.images.empty());
  CHECK(has_problem(layout, path_of(fake_digest('7')), "is not an image manifest or index: skipped", false));
}

TEST_CASE("history and layer count mismatch is a note, and what matches is filled", "[image]") {
  Files files;
  files["c.json"] = R"({"rootfs":{"diff_ids":[")" + fake_digest('a') +
                    R"("]},"history":[{"created_by":"first"},{"created_by":"meta","empty_layer":true}]})";
  files["manifest.json"] = R"([{"Config":"c.json","Layers":["1/layer.tar","2/layer.tar"]}])";
  const auto layout = read_image_layout(LayoutKind::docker_save, lookup_in(files));
  CHECK(error_count(layout) == 0);
  CHECK(has_problem(layout, "c.json", "history has 1 entries that made a layer, for 2 layers", false));
  CHECK(has_problem(layout, "c.json", "config lists 1 diff ids for 2 layers", false));
  REQUIRE(layout.images.size() == 1);
  CHECK(layout.images[0].layers[0].created_by == "first");
  CHECK(layout.images[0].layers[1].created_by.empty());
  CHECK(layout.images[0].layers[1].digest.empty());
}

TEST_CASE("an index that lists itself is reported, not followed forever", "[image]") {
  Files files;
  const std::string self = fake_digest('5');
  files[path_of(self)] = index_of(descriptor(kOciIndex, self, 0));
  files["index.json"] = index_of(descriptor(kOciIndex, self, 0));
  const auto layout = read_image_layout(LayoutKind::oci, lookup_in(files));
  CHECK(has_problem(layout, path_of(self), "cycle", true));
  CHECK(layout.images.empty());
}

TEST_CASE("indexes nested deeper than 8 are not read", "[image]") {
  Files files;
  std::string digest = add_manifest(files, R"({})");
  std::string media_type = kOciManifest;
  for (int i = 0; i < 10; ++i) {
    digest = add_blob(files, index_of(descriptor(media_type, digest, files[path_of(digest)].size())));
    media_type = kOciIndex;
  }
  files["index.json"] = index_of(descriptor(kOciIndex, digest, files[path_of(digest)].size()));
  const auto layout = read_image_layout(LayoutKind::oci, lookup_in(files));
  CHECK(layout.images.empty());
  CHECK(error_count(layout) == 1);
}

TEST_CASE("an invalid digest is an error, never a path outside blobs", "[image]") {
  Files files;
  files["index.json"] = index_of(descriptor(kOciManifest, "sha256:../../etc/passwd", 10));
  const auto layout = read_image_layout(LayoutKind::oci, lookup_in(files));
  CHECK(has_problem(layout, "sha256:../../etc/passwd", "invalid digest", true));
  CHECK(layout.images.empty());
}

TEST_CASE("layout detection and metadata candidates follow the top-level names", "[image]") {
  const auto only = [](std::initializer_list<std::string> names) {
    return [names](const std::string& path) { return std::find(names.begin(), names.end(), path) != names.end(); };
  };
  CHECK(detect_layout(only({"manifest.json", "repositories"})) == LayoutKind::docker_save);
  CHECK(detect_layout(only({"index.json", "oci-layout"})) == LayoutKind::oci);
  CHECK(detect_layout(only({"index.json"})) == LayoutKind::none);
  CHECK(detect_layout(only({"package.json"})) == LayoutKind::none);

  CHECK(is_metadata_candidate("manifest.json", 100));
  CHECK(is_metadata_candidate("./index.json", 100));
  CHECK(is_metadata_candidate("oci-layout", 30));
  CHECK(is_metadata_candidate("repositories", 30));
  CHECK(is_metadata_candidate(std::string(64, 'a') + ".json", 5000));
  CHECK(is_metadata_candidate(path_of(fake_digest('a')), 4u << 20));
  CHECK_FALSE(is_metadata_candidate(path_of(fake_digest('a')), (4u << 20) + 1));
  CHECK_FALSE(is_metadata_candidate("node_modules/pkg/package.json", 100));  // only top-level JSON
  CHECK_FALSE(is_metadata_candidate("blobs/sha256/not-a-digest", 10));
  CHECK_FALSE(is_metadata_candidate("1111/layer.tar", 10));
}

TEST_CASE("layer media types: OCI, Docker, non-distributable and empty are layers", "[image]") {
  for (const char* type :
       {"", "application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd", "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "application/vnd.docker.image.rootfs.diff.tar"}) {
    CHECK(is_layer_media_type(type));
  }
  CHECK_FALSE(is_layer_media_type("application/vnd.oci.image.config.v1+json"));
  CHECK_FALSE(is_layer_media_type("application/vnd.in-toto+json"));
}
