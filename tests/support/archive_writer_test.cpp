// Pins the test builders: archives read back through libarchive's read API, and image tarballs and
// OCI layouts whose manifests, configs and digests agree with their blobs (and with skopeo, if present).
#include "tests/support/archive_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <simdjson.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

namespace {

struct ReadMember {
  std::string path;
  ArchiveMember::Type type = ArchiveMember::file;
  std::string content;  // file bytes, or the link target
  std::int64_t declared_size = 0;
};

using ReadPtr = std::unique_ptr<archive, decltype(&archive_read_free)>;

ReadPtr open_reader(std::string_view bytes, bool raw) {
  ReadPtr reader(archive_read_new(), &archive_read_free);
  archive_read_support_filter_all(reader.get());
  if (raw) {
    archive_read_support_format_raw(reader.get());
  } else {
    archive_read_support_format_all(reader.get());
  }
  REQUIRE(archive_read_open_memory(reader.get(), bytes.data(), bytes.size()) == ARCHIVE_OK);
  return reader;
}

ArchiveMember::Type type_of(archive_entry* entry) {
  if (archive_entry_hardlink(entry)) return ArchiveMember::hardlink;
  switch (archive_entry_filetype(entry)) {
    case AE_IFDIR:
      return ArchiveMember::directory;
    case AE_IFLNK:
      return ArchiveMember::symlink;
    case AE_IFIFO:
      return ArchiveMember::fifo;
    default:
      return ArchiveMember::file;
  }
}

/// Every member of an archive (or, with `raw`, the single member of a compressed stream).
std::vector<ReadMember> read_archive(std::string_view bytes, bool raw = false) {
  ReadPtr reader = open_reader(bytes, raw);
  std::vector<ReadMember> members;
  archive_entry* entry = nullptr;
  int rc = ARCHIVE_OK;
  while ((rc = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK) {
    ReadMember member{archive_entry_pathname(entry), type_of(entry), "", archive_entry_size(entry)};
    if (member.type == ArchiveMember::symlink) member.content = archive_entry_symlink(entry);
    if (member.type == ArchiveMember::hardlink) member.content = archive_entry_hardlink(entry);
    char buffer[65536];
    la_ssize_t n = 0;
    while ((n = archive_read_data(reader.get(), buffer, sizeof buffer)) > 0) member.content.append(buffer, n);
    REQUIRE(n == 0);
    members.push_back(std::move(member));
  }
  REQUIRE(rc == ARCHIVE_EOF);
  return members;
}

/// Declared size and inflated byte count of the first member, without keeping the bytes.
std::pair<std::int64_t, std::uint64_t> first_member_sizes(std::string_view bytes) {
  ReadPtr reader = open_reader(bytes, false);
  archive_entry* entry = nullptr;
  REQUIRE(archive_read_next_header(reader.get(), &entry) == ARCHIVE_OK);
  const std::int64_t declared = archive_entry_size(entry);
  std::uint64_t total = 0;
  const void* block = nullptr;
  std::size_t size = 0;
  la_int64_t offset = 0;
  int rc = ARCHIVE_OK;
  while ((rc = archive_read_data_block(reader.get(), &block, &size, &offset)) == ARCHIVE_OK) total += size;
  REQUIRE(rc == ARCHIVE_EOF);
  return {declared, total};
}

std::map<std::string, std::string> files_of(const std::vector<ReadMember>& members) {
  std::map<std::string, std::string> files;
  for (const auto& member : members)
    if (member.type == ArchiveMember::file) files[member.path] = member.content;
  return files;
}

std::string text(simdjson::dom::element element) { return std::string(std::string_view(element)); }

std::vector<ArchiveMember> sample_members() {
  std::string binary;
  for (int i = 0; i < 70000; ++i) binary.push_back(static_cast<char>((i * 131) & 0xFF));
  return {
      {"app/", "", ArchiveMember::directory},
      {"app/config.yaml", "password: hunter2\n"},
      {"app/bin/tool", binary, ArchiveMember::file, 0755},
      {"app/empty.txt", ""},
      {"app/link", "config.yaml", ArchiveMember::symlink},
      {"app/hard", "app/config.yaml", ArchiveMember::hardlink},
      {"app/" + std::string(120, 'd') + "/long-name-needs-pax.txt", "long\n"},
      {"app/caf\xc3\xa9.txt", "utf-8 name\n"},
  };
}

void check_same_members(const std::vector<ReadMember>& read, const std::vector<ArchiveMember>& written) {
  REQUIRE(read.size() == written.size());
  for (std::size_t i = 0; i < read.size(); ++i) {
    INFO(written[i].path);
    CHECK(read[i].path == written[i].path);
    CHECK(read[i].type == written[i].type);
    CHECK(read[i].content == written[i].content);
  }
}

TestImage sample_image() {
  TestImage image;
  image.env = {"PATH=/usr/bin", "QUOTE=say \"hi\"\\n"};
  image.labels = {{"org.example.b", "2"}, {"org.example.a", "1"}};
  image.entrypoint = {"/app/run"};
  image.cmd = {"--serve", "0.0.0.0:8080"};
  image.empty_history = {"ARG TOKEN=abc", "ENV MODE=prod"};
  image.layers = {
      {.members = {{"etc/", "", ArchiveMember::directory}, {"etc/app.conf", "token = x\n"}},
       .created_by = "COPY app.conf /etc/"},
      {.members = {{"etc/.wh.app.conf", ""}, {"srv/data.txt", "data\n"}},
       .compression = Compression::gzip,
       .created_by = "RUN rm /etc/app.conf"},
      {.members = {{"opt/z.txt", "zstd layer\n"}}, .compression = Compression::zstd},
  };
  return image;
}

std::vector<std::string> diff_ids_of(const TestImage& image) {
  std::vector<std::string> ids;
  for (const auto& layer : image.layers) ids.push_back("sha256:" + sha256_hex(layer_tar(layer)));
  return ids;
}

bool have_skopeo() { return run_process({"sh", "-c", "command -v skopeo"}).exit_code == 0; }

}  // namespace

TEST_CASE("make_tar reads back the same members with every compression", "[builders]") {
  const auto members = sample_members();
  for (Compression compression :
       {Compression::none, Compression::gzip, Compression::bzip2, Compression::xz, Compression::zstd}) {
    INFO("compression " << static_cast<int>(compression));
    check_same_members(read_archive(make_tar(members, compression)), members);
  }
}

TEST_CASE("make_tar output is byte-identical across calls and gzip carries no timestamp", "[builders]") {
  const std::string first = make_tar(sample_members(), Compression::gzip);
  CHECK(first == make_tar(sample_members(), Compression::gzip));
  REQUIRE(first.size() > 10);
  CHECK(first.substr(0, 2) == "\x1f\x8b");
  CHECK(first.substr(4, 4) == std::string(4, '\0'));
}

TEST_CASE("make_tar keeps unsafe member names as given", "[builders]") {
  const std::vector<ArchiveMember> members{{"../escape.txt", "x"}, {"/etc/abs.txt", "y"}};
  const auto read = read_archive(make_tar(members));
  REQUIRE(read.size() == 2);
  CHECK(read[0].path == "../escape.txt");
  CHECK(read[1].path == "/etc/abs.txt");
}

TEST_CASE("make_zip reads back the same members, deflated and stored", "[builders]") {
  auto members = sample_members();
  // zip has no hard links: libarchive's zip writer stores them as empty files.
  members.erase(std::remove_if(members.begin(), members.end(),
                               [](const ArchiveMember& m) { return m.type == ArchiveMember::hardlink; }),
                members.end());
  const std::string deflated = make_zip(members);
  const std::string stored = make_zip(members, true);
  CHECK(deflated.substr(0, 4) == "PK\x03\x04");
  CHECK(deflated.size() < stored.size());
  check_same_members(read_archive(deflated), members);
  check_same_members(read_archive(stored), members);
}

TEST_CASE("compress writes one stream of each kind that the raw format reads back", "[builders]") {
  std::string data;
  for (int i = 0; i < 5000; ++i) data += "line " + std::to_string(i) + " of some text\n";
  const std::vector<std::pair<Compression, std::string>> magics{{Compression::gzip, "\x1f\x8b"},
                                                                {Compression::bzip2, "BZh"},
                                                                {Compression::xz,
                                                                 "\xfd"
                                                                 "7zXZ"},
                                                                {Compression::zstd, "\x28\xb5\x2f\xfd"}};
  for (const auto& [compression, magic] : magics) {
    INFO("compression " << static_cast<int>(compression));
    const std::string stream = compress(data, compression);
    CHECK(stream.substr(0, magic.size()) == magic);
    CHECK(stream.size() < data.size() / 4);
    const auto read = read_archive(stream, true);
    REQUIRE(read.size() == 1);
    CHECK(read[0].content == data);
  }
  CHECK(compress(data, Compression::none) == data);
}

TEST_CASE("sha256_hex matches the known digest of abc", "[builders]") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("json_string escapes quotes, backslashes and control characters", "[builders]") {
  const std::string raw = std::string("a\"b\\c\nd\te\x01 caf\xc3\xa9");
  const std::string quoted = json_string(raw);
  CHECK(quoted == "\"a\\\"b\\\\c\\nd\\te\\u0001 caf\xc3\xa9\"");
  simdjson::dom::parser parser;
  CHECK(text(parser.parse(quoted)) == raw);
}

TEST_CASE("zip_bomb of 1 GiB is under 2 MB and inflates to its declared size", "[builders]") {
  const std::uint64_t size = std::uint64_t{1} << 30;
  const std::string bomb = zip_bomb(size);
  CHECK(bomb.size() < 2'000'000);
  const auto [declared, inflated] = first_member_sizes(bomb);
  CHECK(declared == static_cast<std::int64_t>(size));
  CHECK(inflated == size);
}

TEST_CASE("zip_bomb and tar_bomb of odd sizes read back as exactly that many zeros", "[builders]") {
  const std::uint64_t size = (std::uint64_t{3} << 20) + 12345;  // pieces, a partial piece, tar padding
  for (const std::string& bomb : {zip_bomb(size, "odd.bin"), tar_bomb(size, Compression::gzip, "odd.bin"),
                                  tar_bomb(size, Compression::zstd, "odd.bin")}) {
    const auto read = read_archive(bomb);  // libarchive checks the CRC / checksum of each
    REQUIRE(read.size() == 1);
    CHECK(read[0].path == "odd.bin");
    CHECK(read[0].declared_size == static_cast<std::int64_t>(size));
    CHECK(read[0].content == std::string(size, '\0'));
  }
}

TEST_CASE("bombs past 4 GiB (zip64) and 8 GiB (pax size) declare their size", "[builders]") {
  const std::uint64_t zip_size = std::uint64_t{5} << 30;
  const std::string zip = zip_bomb(zip_size);
  CHECK(zip.size() < 6'000'000);
  const std::uint64_t tar_size = std::uint64_t{9} << 30;
  const std::string tar = tar_bomb(tar_size, Compression::gzip);
  CHECK(tar.size() < 10'000'000);
  for (const auto& [bomb, size] : {std::pair{&zip, zip_size}, std::pair{&tar, tar_size}}) {
    ReadPtr reader = open_reader(*bomb, false);
    archive_entry* entry = nullptr;
    REQUIRE(archive_read_next_header(reader.get(), &entry) == ARCHIVE_OK);
    CHECK(archive_entry_size(entry) == static_cast<std::int64_t>(size));
  }
}

TEST_CASE("image config holds env, labels, entrypoint, cmd, diff ids and history", "[builders]") {
  const TestImage image = sample_image();
  simdjson::dom::parser parser;
  simdjson::dom::element config = parser.parse(image_config_json(image));
  CHECK(text(config["architecture"]) == "amd64");
  CHECK(text(config["os"]) == "linux");
  CHECK(text(config["config"]["Env"].at(1)) == "QUOTE=say \"hi\"\\n");
  CHECK(text(config["config"]["Labels"]["org.example.a"]) == "1");
  CHECK(text(config["config"]["Entrypoint"].at(0)) == "/app/run");
  CHECK(text(config["config"]["Cmd"].at(1)) == "0.0.0.0:8080");
  CHECK(text(config["rootfs"]["type"]) == "layers");
  std::vector<std::string> diff_ids;
  for (simdjson::dom::element id : config["rootfs"]["diff_ids"].get_array()) diff_ids.push_back(text(id));
  CHECK(diff_ids == diff_ids_of(image));
  simdjson::dom::array history = config["history"].get_array();
  REQUIRE(history.size() == 5);
  CHECK(text(history.at(0)["created_by"]) == "ARG TOKEN=abc");
  CHECK(bool(history.at(1)["empty_layer"]));
  CHECK(text(history.at(2)["created_by"]) == "COPY app.conf /etc/");
  CHECK(history.at(3)["empty_layer"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(history.at(4)["created_by"].error() == simdjson::NO_SUCH_FIELD);
}

TEST_CASE("docker save lists each image's layers and the config's diff ids match the layer tars", "[builders]") {
  TestImage second = sample_image();
  second.reference = "example/other:2.0";
  second.layers.resize(1);  // shares the base layer with the first image
  const std::vector<TestImage> images{sample_image(), second};
  const std::string tarball = make_docker_save(images);
  CHECK(tarball == make_docker_save(images));
  const auto files = files_of(read_archive(tarball));
  simdjson::dom::parser parser;
  simdjson::dom::element manifest = parser.parse(files.at("manifest.json"));
  REQUIRE(manifest.get_array().size() == 2);
  for (std::size_t i = 0; i < images.size(); ++i) {
    simdjson::dom::element entry = manifest.at(i);
    CHECK(text(entry["RepoTags"].at(0)) == images[i].reference);
    simdjson::dom::parser config_parser;
    simdjson::dom::element config = config_parser.parse(files.at(text(entry["Config"])));
    CHECK(text(entry["Config"]) == sha256_hex(files.at(text(entry["Config"]))) + ".json");
    simdjson::dom::array layers = entry["Layers"].get_array();
    REQUIRE(layers.size() == images[i].layers.size());
    for (std::size_t l = 0; l < layers.size(); ++l) {
      const std::string& blob = files.at(text(layers.at(l)));
      CHECK(blob == layer_blob(images[i].layers[l]));
      CHECK(text(config["rootfs"]["diff_ids"].at(l)) == "sha256:" + sha256_hex(layer_tar(images[i].layers[l])));
    }
  }
  CHECK(text(manifest.at(0)["Layers"].at(0)) == text(manifest.at(1)["Layers"].at(0)));
  simdjson::dom::parser repositories_parser;
  simdjson::dom::element repositories = repositories_parser.parse(files.at("repositories"));
  CHECK(text(repositories["example/other"]["2.0"]) + "/layer.tar" == text(manifest.at(1)["Layers"].at(0)));
}

TEST_CASE("docker save omits the blob of a missing layer but still lists it", "[builders]") {
  TestImage image = sample_image();
  image.layers[1].missing = true;
  const auto files = files_of(read_archive(make_docker_save({image})));
  simdjson::dom::parser parser;
  simdjson::dom::element layers = parser.parse(files.at("manifest.json")).at(0)["Layers"];
  CHECK(files.count(text(layers.at(0))) == 1);
  CHECK(files.count(text(layers.at(1))) == 0);
  CHECK(files.count(text(layers.at(2))) == 1);
}

TEST_CASE("docker save lists metadata after the layers, in lexical order like docker", "[builders]") {
  const auto members = docker_save_members({sample_image()});
  REQUIRE(!members.empty());
  CHECK(std::is_sorted(members.begin(), members.end(),
                       [](const ArchiveMember& a, const ArchiveMember& b) { return a.path < b.path; }));
  CHECK(members.back().path == "repositories");
  CHECK(members[members.size() - 2].path == "manifest.json");
}

TEST_CASE("docker 25 save carries manifest.json pointing into an OCI layout", "[builders]") {
  const auto files = files_of(read_archive(make_docker_save({sample_image()}, DockerSaveFormat::oci)));
  CHECK(files.count("oci-layout") == 1);
  CHECK(files.count("index.json") == 1);
  simdjson::dom::parser parser;
  simdjson::dom::element entry = parser.parse(files.at("manifest.json")).at(0);
  const std::string config_path = text(entry["Config"]);
  CHECK(config_path == "blobs/sha256/" + sha256_hex(files.at(config_path)));
  for (simdjson::dom::element layer : entry["Layers"].get_array())
    CHECK(text(layer) == "blobs/sha256/" + sha256_hex(files.at(text(layer))));
}

TEST_CASE("OCI layout digests and sizes match the blob contents", "[builders]") {
  TempDir dir;
  TestImage second = sample_image();
  second.reference = "registry.example.com/team/svc:v2";
  second.layers[0].media_type = "application/vnd.docker.image.rootfs.diff.tar";
  write_oci_layout(dir.path(), {sample_image(), second});
  const std::filesystem::path root = dir.path();
  for (const auto& blob : std::filesystem::directory_iterator(root / "blobs" / "sha256"))
    CHECK(sha256_hex(read_text(blob.path())) == blob.path().filename().string());
  simdjson::dom::parser parser;
  CHECK(text(parser.parse(read_text(root / "oci-layout"))["imageLayoutVersion"]) == "1.0.0");
  simdjson::dom::element index = parser.parse(read_text(root / "index.json"));
  REQUIRE(index["manifests"].get_array().size() == 2);
  simdjson::dom::element descriptor = index["manifests"].at(1);
  CHECK(text(descriptor["annotations"]["org.opencontainers.image.ref.name"]) == "v2");
  CHECK(text(descriptor["annotations"]["io.containerd.image.name"]) == second.reference);
  auto blob = [&](simdjson::dom::element d) {
    const std::string digest = text(d["digest"]);
    const std::string content = read_text(root / "blobs" / "sha256" / digest.substr(7));
    CHECK(digest == "sha256:" + sha256_hex(content));
    CHECK(std::uint64_t(d["size"]) == content.size());
    return content;
  };
  simdjson::dom::parser manifest_parser;
  simdjson::dom::element manifest = manifest_parser.parse(blob(descriptor));
  CHECK(text(manifest["config"]["mediaType"]) == "application/vnd.oci.image.config.v1+json");
  simdjson::dom::parser config_parser;
  simdjson::dom::element config = config_parser.parse(blob(manifest["config"]));
  const std::vector<std::string> media{"application/vnd.docker.image.rootfs.diff.tar",
                                       "application/vnd.oci.image.layer.v1.tar+gzip",
                                       "application/vnd.oci.image.layer.v1.tar+zstd"};
  for (std::size_t l = 0; l < 3; ++l) {
    simdjson::dom::element layer = manifest["layers"].at(l);
    CHECK(text(layer["mediaType"]) == media[l]);
    CHECK(blob(layer) == layer_blob(second.layers[l]));
    CHECK(text(config["rootfs"]["diff_ids"].at(l)) == diff_ids_of(second)[l]);
  }
}

TEST_CASE("OCI archive holds the same files as the OCI layout", "[builders]") {
  TestImage image = sample_image();
  image.layers[2].missing = true;
  const auto members = oci_layout_members({image});
  const auto read = read_archive(make_oci_archive({image}));
  REQUIRE(read.size() == members.size());
  for (std::size_t i = 0; i < read.size(); ++i) CHECK(read[i].path == members[i].path);
  CHECK(files_of(read).count("blobs/sha256/" + sha256_hex(layer_blob(image.layers[2]))) == 0);
}

TEST_CASE("skopeo accepts the docker save tarball and the OCI layout", "[builders]") {
  if (!have_skopeo()) {
    WARN("skopeo is not installed; skipping validation of the image formats with skopeo");
    return;
  }
  TempDir dir;
  const std::vector<TestImage> images{sample_image()};
  for (DockerSaveFormat format : {DockerSaveFormat::classic, DockerSaveFormat::oci}) {
    const std::string tarball = dir.write("image.tar", make_docker_save(images, format));
    const CliResult result = run_process({"skopeo", "inspect", "--raw", "docker-archive:" + tarball});
    INFO(result.err);
    CHECK(result.exit_code == 0);
  }
  write_oci_layout(dir / "oci", images);
  const CliResult layout = run_process({"skopeo", "inspect", "oci:" + (dir / "oci")});
  INFO(layout.err);
  CHECK(layout.exit_code == 0);
  CHECK(layout.out.find("sha256:" + sha256_hex(layer_tar(images[0].layers[0]))) != std::string::npos);
  const std::string archive = dir.write("oci.tar", make_oci_archive(images));
  const CliResult from_archive = run_process({"skopeo", "inspect", "oci-archive:" + archive});
  INFO(from_archive.err);
  CHECK(from_archive.exit_code == 0);
}
