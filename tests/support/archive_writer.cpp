// Test builders: tar/zip/compressed streams through libarchive's write API, and container images
// (docker save, OCI layouts) assembled from them with hand-written, deterministic JSON.
#include "tests/support/archive_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <map>
#include <memory>

namespace sprawl::test {
namespace {

constexpr std::time_t kMtime = 1704067200;  // 2024-01-01T00:00:00Z: fixed, so digests are stable
constexpr const char* kCreated = "2024-01-01T00:00:00Z";

/// Throws with libarchive's message when `rc` reports a failure (warnings pass).
void check(archive* a, la_int64_t rc, const char* what) {
  if (rc >= ARCHIVE_WARN) return;
  const char* message = archive_error_string(a);
  throw ArchiveWriteError(std::string(what) + ": " + (message ? message : "libarchive error"));
}

void add_filter(archive* a, Compression compression) {
  using AddFilter = int (*)(archive*);
  static constexpr AddFilter kFilters[] = {nullptr, archive_write_add_filter_gzip, archive_write_add_filter_bzip2,
                                           archive_write_add_filter_xz, archive_write_add_filter_zstd};
  const AddFilter add = kFilters[static_cast<int>(compression)];
  if (!add) return;
  check(a, add(a), "add filter");
  // Without this the gzip header carries the current time and digests change every second.
  if (compression == Compression::gzip)
    check(a, archive_write_set_filter_option(a, "gzip", "timestamp", nullptr), "gzip timestamp");
}

/// An archive_write handle whose output is appended to a std::string.
class MemoryWriter {
 public:
  using SetFormat = int (*)(archive*);
  explicit MemoryWriter(SetFormat set_format, Compression compression = Compression::none)
      : m_archive(archive_write_new()) {
    if (!m_archive) throw ArchiveWriteError("archive_write_new failed");
    check(m_archive, set_format(m_archive), "set format");
    add_filter(m_archive, compression);
  }
  ~MemoryWriter() { archive_write_free(m_archive); }
  MemoryWriter(const MemoryWriter&) = delete;
  MemoryWriter& operator=(const MemoryWriter&) = delete;

  archive* get() const { return m_archive; }

  /// Call after setting any format options.
  void open() {
    check(m_archive, archive_write_set_bytes_in_last_block(m_archive, 1), "bytes in last block");
    check(m_archive, archive_write_open(m_archive, &m_out, nullptr, &MemoryWriter::append, nullptr), "open");
  }

  /// The output so far; the archive is marked failed so that freeing it writes nothing more.
  std::string abandon() {
    archive_write_fail(m_archive);
    return std::move(m_out);
  }

  std::string finish() {
    check(m_archive, archive_write_close(m_archive), "close");
    return std::move(m_out);
  }

 private:
  static la_ssize_t append(archive*, void* client, const void* buffer, size_t length) {
    static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
    return static_cast<la_ssize_t>(length);
  }

  archive* m_archive;
  std::string m_out;
};

using EntryPtr = std::unique_ptr<archive_entry, decltype(&archive_entry_free)>;

EntryPtr new_entry(const std::string& path, mode_t type = AE_IFREG, std::uint64_t size = 0) {
  EntryPtr entry(archive_entry_new(), &archive_entry_free);
  archive_entry_set_pathname(entry.get(), path.c_str());
  archive_entry_set_filetype(entry.get(), type);
  archive_entry_set_perm(entry.get(), 0644);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
  archive_entry_set_mtime(entry.get(), kMtime, 0);
  archive_entry_set_uname(entry.get(), "root");
  archive_entry_set_gname(entry.get(), "root");
  return entry;
}

/// Sets type, permissions, size and link target of `entry` from `member`.
void describe(archive_entry* entry, const ArchiveMember& member) {
  static constexpr mode_t kTypes[] = {AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFREG, AE_IFIFO};
  static constexpr mode_t kPerms[] = {0644, 0755, 0777, 0644, 0644};
  archive_entry_set_filetype(entry, kTypes[member.type]);
  archive_entry_set_perm(entry, member.mode ? member.mode : kPerms[member.type]);
  if (member.type == ArchiveMember::file) archive_entry_set_size(entry, static_cast<la_int64_t>(member.content.size()));
  if (member.type == ArchiveMember::symlink) archive_entry_set_symlink(entry, member.content.c_str());
  if (member.type == ArchiveMember::hardlink) archive_entry_set_hardlink(entry, member.content.c_str());
}

void write_data(archive* a, std::string_view data) {
  while (!data.empty()) {
    const la_ssize_t written = archive_write_data(a, data.data(), data.size());
    check(a, written < 0 ? written : ARCHIVE_OK, "write data");
    if (written == 0) throw ArchiveWriteError("write data: no progress");
    data.remove_prefix(static_cast<std::size_t>(written));
  }
}

void write_member(archive* a, const ArchiveMember& member) {
  EntryPtr entry = new_entry(member.path);
  describe(entry.get(), member);
  check(a, archive_write_header(a, entry.get()), "write header");
  if (member.type == ArchiveMember::file) write_data(a, member.content);
  check(a, archive_write_finish_entry(a), "finish entry");
}

/// Writes one regular file of `bytes` zeros, a megabyte at a time.
void write_zeros(archive* a, const std::string& path, std::uint64_t bytes) {
  check(a, archive_write_header(a, new_entry(path, AE_IFREG, bytes).get()), "write header");
  const std::string chunk(std::size_t{1} << 20, '\0');
  for (std::uint64_t left = bytes; left > 0;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size()));
    write_data(a, std::string_view(chunk).substr(0, n));
    left -= n;
  }
  check(a, archive_write_finish_entry(a), "finish entry");
}

/// Deflates `data` on its own into byte-aligned, non-final blocks (a full flush): such pieces
/// can be concatenated, and repeated, into one valid raw deflate stream.
std::string deflate_piece(std::string_view data) {
  z_stream zs{};
  if (deflateInit2(&zs, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw ArchiveWriteError("deflateInit2");
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FULL_FLUSH);
  const bool complete = rc == Z_OK && zs.avail_in == 0 && zs.avail_out > 0;
  out.resize(out.size() - zs.avail_out);
  deflateEnd(&zs);
  if (!complete) throw ArchiveWriteError("deflate failed");
  return out;
}

/// A raw deflate stream of `prefix` then `zeros` zero bytes, and the CRC-32 of that content.
/// A megabyte of zeros is deflated once and its blocks repeated, so a gigabyte takes
/// milliseconds instead of seconds of zlib.
std::pair<std::string, std::uint32_t> deflate_zeros(std::string_view prefix, std::uint64_t zeros) {
  constexpr std::size_t kPiece = std::size_t{1} << 20;
  const std::string piece(kPiece, '\0');
  const std::string deflated_piece = deflate_piece(piece);
  const auto* bytes = reinterpret_cast<const Bytef*>(piece.data());
  const uLong piece_crc = crc32(0, bytes, kPiece);
  std::string out = deflate_piece(prefix);
  uLong crc = crc32(0, reinterpret_cast<const Bytef*>(prefix.data()), static_cast<uInt>(prefix.size()));
  for (; zeros >= kPiece; zeros -= kPiece) {
    out += deflated_piece;
    crc = crc32_combine(crc, piece_crc, kPiece);
  }
  out += deflate_piece(std::string_view(piece).substr(0, zeros));
  crc = crc32(crc, bytes, static_cast<uInt>(zeros));
  out += std::string("\x03\x00", 2);  // an empty final block with fixed codes
  return {out, static_cast<std::uint32_t>(crc)};
}

void put_le(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

/// A zip holding one deflated member (zip64 fields once a size reaches 4 GiB).
std::string single_member_zip(const std::string& name, const std::string& deflated, std::uint32_t crc,
                              std::uint64_t size) {
  const bool zip64 = size >= 0xFFFFFFFFu || deflated.size() >= 0xFFFFFFFFu;
  std::string extra;
  if (zip64) {
    put_le(extra, 0x0001, 2);
    put_le(extra, 16, 2);
    put_le(extra, size, 8);
    put_le(extra, deflated.size(), 8);
  }
  const auto header_fields = [&](std::string& out) {  // "version needed" to "extra length"
    for (const std::uint64_t field : {zip64 ? 45 : 20, 0, 8, 0, (2024 - 1980) << 9 | 1 << 5 | 1}) put_le(out, field, 2);
    put_le(out, crc, 4);
    put_le(out, zip64 ? 0xFFFFFFFFu : deflated.size(), 4);
    put_le(out, zip64 ? 0xFFFFFFFFu : size, 4);
    put_le(out, name.size(), 2);
    put_le(out, extra.size(), 2);
  };
  std::string out;
  put_le(out, 0x04034b50, 4);
  header_fields(out);
  out += name + extra + deflated;
  const std::uint64_t directory_offset = out.size();
  put_le(out, 0x02014b50, 4);
  put_le(out, 3 << 8 | (zip64 ? 45 : 20), 2);  // made by: unix
  header_fields(out);
  for (const std::uint64_t field : {0, 0, 0}) put_le(out, field, 2);  // comment, disk, internal attributes
  put_le(out, std::uint64_t{0100644} << 16, 4);
  put_le(out, 0, 4);  // local header offset
  out += name + extra;
  const std::uint64_t directory_size = out.size() - directory_offset;
  put_le(out, 0x06054b50, 4);
  for (const std::uint64_t field : {0, 0, 1, 1}) put_le(out, field, 2);
  put_le(out, directory_size, 4);
  put_le(out, directory_offset, 4);
  put_le(out, 0, 2);
  return out;
}

/// The tar header libarchive writes for a regular file `path` of `size` bytes (pax records
/// included when the size needs them), without writing the data.
std::string tar_header(const std::string& path, std::uint64_t size) {
  MemoryWriter writer(archive_write_set_format_pax_restricted);
  check(writer.get(), archive_write_set_bytes_per_block(writer.get(), 0), "unblocked output");
  writer.open();
  check(writer.get(), archive_write_header(writer.get(), new_entry(path, AE_IFREG, size).get()), "write header");
  return writer.abandon();
}

/// Builds a JSON object or array in insertion order; values are added already encoded.
class Json {
 public:
  static Json object() { return Json('{', '}'); }
  static Json array() { return Json('[', ']'); }

  Json& raw(std::string_view key, std::string_view value) {
    separate();
    m_text += json_string(key) + ":";
    m_text += value;
    return *this;
  }
  Json& str(std::string_view key, std::string_view value) { return raw(key, json_string(value)); }
  Json& item(std::string_view value) {
    separate();
    m_text += value;
    return *this;
  }
  std::string text() const { return m_text + m_close; }

 private:
  Json(char open, char close) : m_text(1, open), m_close(close) {}
  void separate() {
    if (m_text.size() > 1) m_text += ',';
  }

  std::string m_text;
  char m_close;
};

std::string json_array(const std::vector<std::string>& strings) {
  Json array = Json::array();
  for (const auto& s : strings) array.item(json_string(s));
  return array.text();
}

std::string descriptor(std::string_view media_type, const std::string& hex, std::size_t size,
                       const std::string& annotations = "") {
  Json json = Json::object();
  json.str("mediaType", media_type).str("digest", "sha256:" + hex).raw("size", std::to_string(size));
  if (!annotations.empty()) json.raw("annotations", annotations);
  return json.text();
}

/// A layer with everything the image formats need, computed once.
struct BuiltLayer {
  std::string blob;
  std::string diff_id;  // hex sha256 of the uncompressed tar
  std::string digest;   // hex sha256 of the blob
  std::string media_type;
  bool missing = false;
};

struct BuiltImage {
  const TestImage* image = nullptr;
  std::vector<BuiltLayer> layers;
  std::string config;
  std::string config_hex;
};

std::string config_json(const TestImage& image, const std::vector<std::string>& diff_ids) {
  Json config = Json::object();
  if (!image.env.empty()) config.raw("Env", json_array(image.env));
  if (!image.entrypoint.empty()) config.raw("Entrypoint", json_array(image.entrypoint));
  if (!image.cmd.empty()) config.raw("Cmd", json_array(image.cmd));
  if (!image.labels.empty()) {
    Json labels = Json::object();
    for (const auto& [key, value] : std::map<std::string, std::string>(image.labels.begin(), image.labels.end()))
      labels.str(key, value);
    config.raw("Labels", labels.text());
  }
  Json history = Json::array();
  for (const auto& line : image.empty_history)
    history.item(Json::object().str("created", kCreated).str("created_by", line).raw("empty_layer", "true").text());
  for (const auto& layer : image.layers) {
    Json entry = Json::object();
    entry.str("created", kCreated);
    if (!layer.created_by.empty()) entry.str("created_by", layer.created_by);
    history.item(entry.text());
  }
  Json diff_id_list = Json::array();
  for (const auto& hex : diff_ids) diff_id_list.item(json_string("sha256:" + hex));
  const std::string rootfs = Json::object().str("type", "layers").raw("diff_ids", diff_id_list.text()).text();
  return Json::object()
      .str("architecture", "amd64")
      .str("os", "linux")
      .str("created", kCreated)
      .raw("config", config.text())
      .raw("rootfs", rootfs)
      .raw("history", history.text())
      .text();
}

BuiltImage build_image(const TestImage& image) {
  BuiltImage built;
  built.image = &image;
  std::vector<std::string> diff_ids;
  for (const auto& layer : image.layers) {
    const std::string tar = layer_tar(layer);
    BuiltLayer out;
    out.diff_id = sha256_hex(tar);
    out.blob = compress(tar, layer.compression);
    out.digest = sha256_hex(out.blob);
    out.media_type = layer_media_type(layer);
    out.missing = layer.missing;
    diff_ids.push_back(out.diff_id);
    built.layers.push_back(std::move(out));
  }
  built.config = config_json(image, diff_ids);
  built.config_hex = sha256_hex(built.config);
  return built;
}

std::vector<BuiltImage> build_images(const std::vector<TestImage>& images) {
  std::vector<BuiltImage> built;
  for (const auto& image : images) built.push_back(build_image(image));
  return built;
}

/// Splits "name:tag" (a ':' after the last '/'); "latest" when there is no tag.
std::pair<std::string, std::string> split_reference(const std::string& reference) {
  const auto colon = reference.rfind(':');
  const auto slash = reference.rfind('/');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return {reference, "latest"};
  return {reference.substr(0, colon), reference.substr(colon + 1)};
}

/// Members keyed by path: identical blobs are stored once, and the tar lists them in lexical
/// order as `docker save` does (so manifest.json comes after the layers).
using MemberMap = std::map<std::string, ArchiveMember>;

void add_file(MemberMap& members, const std::string& path, std::string content) {
  members.emplace(path, ArchiveMember{path, std::move(content)});
}

void add_dir(MemberMap& members, const std::string& path) {
  members.emplace(path, ArchiveMember{path, "", ArchiveMember::directory});
}

std::vector<ArchiveMember> to_vector(MemberMap members) {
  std::vector<ArchiveMember> out;
  for (auto& [path, member] : members) out.push_back(std::move(member));
  return out;
}

std::string manifest_json(const BuiltImage& built) {
  Json layers = Json::array();
  for (const auto& layer : built.layers) layers.item(descriptor(layer.media_type, layer.digest, layer.blob.size()));
  return Json::object()
      .raw("schemaVersion", "2")
      .str("mediaType", "application/vnd.oci.image.manifest.v1+json")
      .raw("config", descriptor("application/vnd.oci.image.config.v1+json", built.config_hex, built.config.size()))
      .raw("layers", layers.text())
      .text();
}

/// Adds the OCI layout of `built` to `members`; returns index.json.
std::string add_oci_layout(MemberMap& members, const std::vector<BuiltImage>& built) {
  add_dir(members, "blobs/");
  add_dir(members, "blobs/sha256/");
  add_file(members, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
  Json manifests = Json::array();
  for (const auto& image : built) {
    for (const auto& layer : image.layers)
      if (!layer.missing) add_file(members, "blobs/sha256/" + layer.digest, layer.blob);
    add_file(members, "blobs/sha256/" + image.config_hex, image.config);
    const std::string manifest = manifest_json(image);
    const std::string manifest_hex = sha256_hex(manifest);
    add_file(members, "blobs/sha256/" + manifest_hex, manifest);
    const std::string& reference = image.image->reference;
    std::string annotations;
    if (!reference.empty())
      annotations = Json::object()
                        .str("io.containerd.image.name", reference)
                        .str("org.opencontainers.image.ref.name", split_reference(reference).second)
                        .text();
    manifests.item(
        descriptor("application/vnd.oci.image.manifest.v1+json", manifest_hex, manifest.size(), annotations));
  }
  return Json::object()
      .raw("schemaVersion", "2")
      .str("mediaType", "application/vnd.oci.image.index.v1+json")
      .raw("manifests", manifests.text())
      .text();
}

/// Classic layer directories; returns each layer's "<id>/layer.tar" and sets `top_id`.
std::vector<std::string> add_classic_layers(MemberMap& members, const BuiltImage& image, std::string& top_id) {
  std::vector<std::string> paths;
  std::string parent;
  for (const auto& layer : image.layers) {
    const std::string id = sha256_hex(parent + "\n" + layer.digest);
    paths.push_back(id + "/layer.tar");
    if (!layer.missing) {
      add_dir(members, id + "/");
      add_file(members, id + "/VERSION", "1.0");
      Json json = Json::object();
      json.str("id", id);
      if (!parent.empty()) json.str("parent", parent);
      add_file(members, id + "/json", json.str("created", kCreated).str("os", "linux").text());
      add_file(members, id + "/layer.tar", layer.blob);
    }
    parent = id;
  }
  top_id = parent;
  return paths;
}

std::string repositories_json(const std::map<std::string, std::map<std::string, std::string>>& repositories) {
  Json json = Json::object();
  for (const auto& [name, tags] : repositories) {
    Json entries = Json::object();
    for (const auto& [tag, id] : tags) entries.str(tag, id);
    json.raw(name, entries.text());
  }
  return json.text();
}

}  // namespace

const char* suffix(Compression compression) {
  static constexpr const char* kSuffixes[] = {"", ".gz", ".bz2", ".xz", ".zst"};
  return kSuffixes[static_cast<int>(compression)];
}

std::string make_tar(const std::vector<ArchiveMember>& members, Compression compression) {
  MemoryWriter writer(archive_write_set_format_pax_restricted, compression);
  writer.open();
  for (const auto& member : members) write_member(writer.get(), member);
  return writer.finish();
}

std::string make_zip(const std::vector<ArchiveMember>& members, bool store_only) {
  MemoryWriter writer(archive_write_set_format_zip);
  const char* method = store_only ? "store" : "deflate";
  check(writer.get(), archive_write_set_format_option(writer.get(), "zip", "compression", method), "zip compression");
  writer.open();
  for (const auto& member : members) write_member(writer.get(), member);
  return writer.finish();
}

std::string compress(std::string_view data, Compression compression) {
  if (compression == Compression::none) return std::string(data);
  MemoryWriter writer(archive_write_set_format_raw, compression);
  writer.open();
  check(writer.get(), archive_write_header(writer.get(), new_entry("data", AE_IFREG, data.size()).get()),
        "write header");
  write_data(writer.get(), data);
  return writer.finish();
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    throw ArchiveWriteError("EVP_Digest(sha256) failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

std::string zip_bomb(std::uint64_t uncompressed_bytes, const std::string& member) {
  const auto [deflated, crc] = deflate_zeros("", uncompressed_bytes);
  return single_member_zip(member, deflated, crc, uncompressed_bytes);
}

std::string tar_bomb(std::uint64_t uncompressed_bytes, Compression compression, const std::string& member) {
  if (compression == Compression::gzip) {
    // Everything after the header is zeros: the data, its padding and the two end blocks.
    const std::string header = tar_header(member, uncompressed_bytes);
    const std::uint64_t zeros = uncompressed_bytes + (512 - uncompressed_bytes % 512) % 512 + 1024;
    const auto [deflated, crc] = deflate_zeros(header, zeros);
    std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03", 10);
    out += deflated;
    put_le(out, crc, 4);
    put_le(out, header.size() + zeros, 4);  // ISIZE: modulo 2^32
    return out;
  }
  MemoryWriter writer(archive_write_set_format_pax_restricted, compression);
  writer.open();
  write_zeros(writer.get(), member, uncompressed_bytes);
  return writer.finish();
}

std::string layer_tar(const TestLayer& layer) { return make_tar(layer.members); }

std::string layer_blob(const TestLayer& layer) { return compress(layer_tar(layer), layer.compression); }

std::string layer_media_type(const TestLayer& layer) {
  if (!layer.media_type.empty()) return layer.media_type;
  static constexpr const char* kTails[] = {"", "+gzip", "+bzip2", "+xz", "+zstd"};
  return std::string("application/vnd.oci.image.layer.v1.tar") + kTails[static_cast<int>(layer.compression)];
}

std::string image_config_json(const TestImage& image) { return build_image(image).config; }

std::string json_string(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20) {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::vector<ArchiveMember> docker_save_members(const std::vector<TestImage>& images, DockerSaveFormat format) {
  const std::vector<BuiltImage> built = build_images(images);
  MemberMap members;
  Json entries = Json::array();
  std::map<std::string, std::map<std::string, std::string>> repositories;
  for (const auto& image : built) {
    std::string config_path;
    std::string top_id;
    std::vector<std::string> layer_paths;
    if (format == DockerSaveFormat::classic) {
      config_path = image.config_hex + ".json";
      add_file(members, config_path, image.config);
      layer_paths = add_classic_layers(members, image, top_id);
    } else {
      config_path = "blobs/sha256/" + image.config_hex;
      for (const auto& layer : image.layers) layer_paths.push_back("blobs/sha256/" + layer.digest);
      if (!image.layers.empty()) top_id = image.layers.back().digest;
    }
    const std::string& reference = image.image->reference;
    const std::string tags = reference.empty() ? "null" : json_array({reference});
    entries.item(
        Json::object().str("Config", config_path).raw("RepoTags", tags).raw("Layers", json_array(layer_paths)).text());
    if (!reference.empty() && !top_id.empty()) {
      const auto [name, tag] = split_reference(reference);
      repositories[name][tag] = top_id;
    }
  }
  if (format == DockerSaveFormat::oci) add_file(members, "index.json", add_oci_layout(members, built));
  add_file(members, "manifest.json", entries.text());
  if (!repositories.empty()) add_file(members, "repositories", repositories_json(repositories));
  return to_vector(std::move(members));
}

std::string make_docker_save(const std::vector<TestImage>& images, DockerSaveFormat format) {
  return make_tar(docker_save_members(images, format));
}

std::vector<ArchiveMember> oci_layout_members(const std::vector<TestImage>& images) {
  MemberMap members;
  add_file(members, "index.json", add_oci_layout(members, build_images(images)));
  return to_vector(std::move(members));
}

void write_oci_layout(const std::filesystem::path& dir, const std::vector<TestImage>& images) {
  write_members(dir, oci_layout_members(images));
}

std::string make_oci_archive(const std::vector<TestImage>& images) { return make_tar(oci_layout_members(images)); }

void write_members(const std::filesystem::path& dir, const std::vector<ArchiveMember>& members) {
  namespace fs = std::filesystem;
  for (const auto& member : members) {
    const fs::path target = dir / member.path;
    std::error_code error;
    fs::create_directories(member.type == ArchiveMember::directory ? target : target.parent_path(), error);
    if (member.type == ArchiveMember::file) {
      std::ofstream out(target, std::ios::binary | std::ios::trunc);
      if (!out.write(member.content.data(), static_cast<std::streamsize>(member.content.size())))
        error = std::make_error_code(std::errc::io_error);
    } else if (member.type == ArchiveMember::symlink) {
      fs::create_symlink(member.content, target, error);
    } else if (member.type == ArchiveMember::hardlink) {
      fs::create_hard_link(dir / member.content, target, error);
    } else if (member.type == ArchiveMember::fifo && ::mkfifo(target.c_str(), 0644) != 0) {
      error = std::error_code(errno, std::generic_category());
    }
    if (!error && member.mode && member.type != ArchiveMember::symlink)
      fs::permissions(target, static_cast<fs::perms>(member.mode), error);
    if (error) throw ArchiveWriteError("cannot create " + target.string() + ": " + error.message());
  }
}

}  // namespace sprawl::test
