// ArchiveReader tests: archives are built in memory with libarchive's write API, then read back
// through read_archive / read_archive_stream / read_archive_file.
#include <archive.h>
#include <archive_entry.h>
#include <locale.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "src/source/archive/archive_reader.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::archive;

namespace {

/// libarchive's writer needs a UTF-8 locale for UTF-8 names (it crashes on them in "C").
class Utf8Locale {
 public:
  Utf8Locale() : locale_(newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr))) {
    if (locale_) previous_ = uselocale(locale_);
  }
  ~Utf8Locale() {
    if (locale_) {
      uselocale(previous_);
      freelocale(locale_);
    }
  }

 private:
  locale_t locale_;
  locale_t previous_ = static_cast<locale_t>(nullptr);
};

enum class Container { pax, ustar, gnutar, v7tar, zip_deflate, zip_store };
enum class Compression { none, gzip, bzip2, xz, zstd };

struct Member {
  std::string name;
  std::string content;
  unsigned type = AE_IFREG;
  std::string link;  ///< symlink target (AE_IFLNK) or, for a hard link, the linked member
  bool hardlink = false;
};

la_ssize_t append_output(struct archive*, void* data, const void* buffer, size_t length) {
  static_cast<std::string*>(data)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

void require_ok(struct archive* w, int result) {
  if (result < ARCHIVE_WARN) throw std::runtime_error(archive_error_string(w));
}

void set_container(struct archive* w, Container container) {
  using SetFormat = int (*)(struct archive*);
  static constexpr SetFormat kFormats[] = {
      archive_write_set_format_pax_restricted, archive_write_set_format_ustar, archive_write_set_format_gnutar,
      archive_write_set_format_v7tar,          archive_write_set_format_zip,   archive_write_set_format_zip};
  require_ok(w, kFormats[static_cast<int>(container)](w));
  if (container == Container::zip_store) require_ok(w, archive_write_set_options(w, "zip:compression=store"));
  if (container == Container::zip_deflate) require_ok(w, archive_write_set_options(w, "zip:compression=deflate"));
}

void add_compression(struct archive* w, Compression compression) {
  if (compression == Compression::none) return;
  // Compressed output is not padded to whole blocks: zstd files never are, and libarchive's zstd
  // reader takes padding after the frame for a corrupt frame.
  require_ok(w, archive_write_set_bytes_in_last_block(w, 1));
  using AddFilter = int (*)(struct archive*);
  static constexpr AddFilter kFilters[] = {nullptr, archive_write_add_filter_gzip, archive_write_add_filter_bzip2,
                                           archive_write_add_filter_xz, archive_write_add_filter_zstd};
  require_ok(w, kFilters[static_cast<int>(compression)](w));
}

void write_member(struct archive* w, const Member& member) {
  archive_entry* entry = archive_entry_new();
  archive_entry_copy_pathname(entry, member.name.c_str());
  archive_entry_set_filetype(entry, member.type);
  archive_entry_set_perm(entry, member.type == AE_IFDIR ? 0755 : 0644);
  archive_entry_set_mtime(entry, 1700000000, 0);
  if (member.type == AE_IFLNK) archive_entry_copy_symlink(entry, member.link.c_str());
  if (member.hardlink) archive_entry_copy_hardlink(entry, member.link.c_str());
  archive_entry_set_size(entry, member.type == AE_IFREG && !member.hardlink ? member.content.size() : 0);
  require_ok(w, archive_write_header(w, entry));
  if (!member.content.empty() && !member.hardlink) archive_write_data(w, member.content.data(), member.content.size());
  archive_entry_free(entry);
}

/// An archive of `members`; `passphrase` encrypts zip members (ZipCrypto).
std::string make_archive(Container container, Compression compression, const std::vector<Member>& members,
                         const char* passphrase = nullptr) {
  const Utf8Locale locale;
  std::string out;
  struct archive* w = archive_write_new();
  set_container(w, container);
  add_compression(w, compression);
  if (passphrase != nullptr) {
    require_ok(w, archive_write_set_options(w, "zip:encryption=zipcrypt"));
    require_ok(w, archive_write_set_passphrase(w, passphrase));
  }
  require_ok(w, archive_write_open(w, &out, nullptr, append_output, nullptr));
  for (const Member& member : members) write_member(w, member);
  require_ok(w, archive_write_close(w));
  archive_write_free(w);
  return out;
}

/// `data` as a single compressed stream (no archive around it).
std::string compress(Compression compression, const std::string& data) {
  std::string out;
  struct archive* w = archive_write_new();
  require_ok(w, archive_write_set_format_raw(w));
  add_compression(w, compression);
  require_ok(w, archive_write_open(w, &out, nullptr, append_output, nullptr));
  write_member(w, Member{"data", data});
  require_ok(w, archive_write_close(w));
  archive_write_free(w);
  return out;
}

std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random() & 0xff);
  return bytes;
}

/// A ustar header for a regular file whose size field (base-256) says `size`, whatever follows.
std::string ustar_header(const std::string& name, std::uint64_t size) {
  std::string header(512, '\0');
  header.replace(0, name.size(), name);
  header.replace(100, 7, "0000644");
  header[124] = '\x80';
  for (int i = 0; i < 8; ++i) header[135 - i] = static_cast<char>(size >> (8 * i) & 0xff);
  header.replace(136, 11, "00000000000");
  header[156] = '0';
  header.replace(257, 8,
                 std::string("ustar\0"
                             "00",
                             8));
  header.replace(148, 8, "        ");
  unsigned sum = 0;
  for (const char c : header) sum += static_cast<unsigned char>(c);
  char field[8];
  std::snprintf(field, sizeof field, "%06o", sum);
  header.replace(148, 7, field, 7);
  return header;
}

struct Seen {
  ArchiveEntry entry;
  std::string content;
  const char* data = nullptr;
};
struct Problem {
  std::string member, message;
  bool is_error = false;
};

class Recorder : public ArchiveVisitor {
 public:
  bool entry(const ArchiveEntry& entry, std::string_view content) override {
    entries.push_back({entry, keep_content ? std::string(content) : std::string(), content.data()});
    content_bytes += content.size();
    return entries.size() < stop_after;
  }
  void problem(const std::string& member, const std::string& message, bool is_error) override {
    problems.push_back({member, message, is_error});
  }
  const Seen* find(const std::string& path) const {
    for (const Seen& seen : entries) {
      if (seen.entry.path == path) return &seen;
    }
    return nullptr;
  }
  /// The first problem about `member` whose message contains `fragment`.
  const Problem* problem_with(const std::string& member, const std::string& fragment) const {
    for (const Problem& problem : problems) {
      if (problem.member == member && problem.message.find(fragment) != std::string::npos) return &problem;
    }
    return nullptr;
  }

  std::vector<Seen> entries;
  std::vector<Problem> problems;
  std::size_t stop_after = std::numeric_limits<std::size_t>::max();
  bool keep_content = true;
  std::uint64_t content_bytes = 0;
};

/// A BlockSource over `bytes` in blocks of `block` bytes.
BlockSource blocks_of(const std::string& bytes, std::size_t block) {
  return [&bytes, block, offset = std::size_t{0}](std::string& /*error*/) mutable {
    const std::string_view view = std::string_view(bytes).substr(offset, block);
    offset += view.size();
    return view;
  };
}

const std::vector<Member> kSample = {
    {"./docs/", "", AE_IFDIR},
    {"./docs/readme.txt", "read me\n"},
    {"config/app.env", "API_KEY=not-a-real-key\n"},
    {"empty.txt", ""},
};

void check_sample(const Recorder& seen, const ArchiveSummary& summary) {
  CHECK(summary.opened);
  CHECK(summary.complete);
  CHECK(summary.entries == 4);
  CHECK(seen.problems.empty());
  REQUIRE(seen.entries.size() == 4);
  CHECK(seen.entries[0].entry.path == "docs/");
  CHECK(seen.entries[0].entry.type == EntryType::directory);
  CHECK(seen.entries[1].entry.path == "docs/readme.txt");
  CHECK(seen.entries[1].content == "read me\n");
  CHECK(seen.entries[2].entry.path == "config/app.env");
  CHECK(seen.entries[2].content == "API_KEY=not-a-real-key\n");
  CHECK(seen.entries[2].entry.size == 23);
  CHECK(seen.entries[3].content.empty());
  CHECK(summary.bytes_out == 8 + 23);
}

}  // namespace

TEST_CASE("sniff_archive recognises each supported format by its magic bytes", "[archive]") {
  const std::vector<Member> one = {{"a.txt", "hello"}};
  CHECK(sniff_archive(make_archive(Container::pax, Compression::none, one)) == ArchiveFormat::tar);
  CHECK(sniff_archive(make_archive(Container::gnutar, Compression::none, one)) == ArchiveFormat::tar);
  CHECK(sniff_archive(make_archive(Container::v7tar, Compression::none, one)) == ArchiveFormat::tar);
  CHECK(sniff_archive(make_archive(Container::zip_deflate, Compression::none, one)) == ArchiveFormat::zip);
  CHECK(sniff_archive(make_archive(Container::zip_store, Compression::none, {})) == ArchiveFormat::zip);
  CHECK(sniff_archive(compress(Compression::gzip, "x")) == ArchiveFormat::gzip);
  CHECK(sniff_archive(compress(Compression::bzip2, "x")) == ArchiveFormat::bzip2);
  CHECK(sniff_archive(compress(Compression::xz, "x")) == ArchiveFormat::xz);
  CHECK(sniff_archive(compress(Compression::zstd, "x")) == ArchiveFormat::zstd);
  CHECK(std::string(to_string(ArchiveFormat::zstd)) == "zstd");
}

TEST_CASE("sniff_archive says none for text, short input and tar-like blocks that do not add up", "[archive]") {
  CHECK(sniff_archive("") == ArchiveFormat::none);
  CHECK(sniff_archive("PK") == ArchiveFormat::none);
  CHECK(sniff_archive("BZh is not bzip2 without a block magic") == ArchiveFormat::none);
  CHECK(sniff_archive("hello world\nAPI_KEY=abc\n") == ArchiveFormat::none);
  CHECK(sniff_archive(std::string(1024, 'a')) == ArchiveFormat::none);
  std::string v7 = make_archive(Container::v7tar, Compression::none, {{"a.txt", "hello"}});
  v7[0] = 'b';  // the checksum no longer matches
  CHECK(sniff_archive(v7) == ArchiveFormat::none);
}

TEST_CASE("a plain tar yields every member with normalised names and its content", "[archive]") {
  const std::string tar = make_archive(Container::pax, Compression::none, kSample);
  Recorder seen;
  const ArchiveSummary summary = read_archive(tar, {}, seen);
  CHECK(summary.format == ArchiveFormat::tar);
  check_sample(seen, summary);
}

TEST_CASE("members of an uncompressed tar in memory are passed without a copy", "[archive]") {
  const std::string tar = make_archive(Container::pax, Compression::none, {{"a.bin", random_bytes(300000, 1)}});
  Recorder seen;
  read_archive(tar, {}, seen);
  REQUIRE(seen.entries.size() == 1);
  CHECK(seen.entries[0].data >= tar.data());
  CHECK(seen.entries[0].data < tar.data() + tar.size());
}

TEST_CASE("compressed tars are read through their filter", "[archive]") {
  const auto [compression, format] = GENERATE(table<Compression, ArchiveFormat>({
      {Compression::gzip, ArchiveFormat::gzip},
      {Compression::bzip2, ArchiveFormat::bzip2},
      {Compression::xz, ArchiveFormat::xz},
      {Compression::zstd, ArchiveFormat::zstd},
  }));
  const std::string archive = make_archive(Container::gnutar, compression, kSample);
  Recorder from_memory, from_stream;
  const ArchiveSummary summary = read_archive(archive, {}, from_memory);
  CHECK(summary.format == format);
  check_sample(from_memory, summary);
  check_sample(from_stream, read_archive_stream(blocks_of(archive, 100), 0, {}, from_stream));
}

TEST_CASE("zip archives, deflated or stored, are read from memory, a stream and a file", "[archive]") {
  const Container container = GENERATE(Container::zip_deflate, Container::zip_store);
  const std::string zip = make_archive(container, Compression::none, kSample);
  Recorder from_memory, from_stream, from_file;
  const ArchiveSummary summary = read_archive(zip, {}, from_memory);
  CHECK(summary.format == ArchiveFormat::zip);
  check_sample(from_memory, summary);
  // Streaming: deflated members have data descriptors, so their size is only known once read.
  check_sample(from_stream, read_archive_stream(blocks_of(zip, 7), zip.size(), {}, from_stream));
  sprawl::test::TempDir dir;
  check_sample(from_file, read_archive_file(dir.write("sample.zip", zip), {}, from_file));
}

TEST_CASE("a compressed file that is not an archive yields one unnamed member", "[archive]") {
  const Compression compression = GENERATE(Compression::gzip, Compression::bzip2, Compression::xz, Compression::zstd);
  const std::string log = "line one\nline two: token=abc\n";
  const std::string packed = compress(compression, log);
  Recorder seen, streamed;
  const ArchiveSummary summary = read_archive(packed, {}, seen);
  CHECK(summary.opened);
  CHECK(summary.complete);
  REQUIRE(seen.entries.size() == 1);
  CHECK(seen.entries[0].entry.path.empty());
  CHECK(seen.entries[0].entry.type == EntryType::file);
  CHECK(seen.entries[0].entry.size == log.size());
  CHECK(seen.entries[0].content == log);
  CHECK(seen.problems.empty());
  read_archive_stream(blocks_of(packed, 3), 0, {}, streamed);
  REQUIRE(streamed.entries.size() == 1);
  CHECK(streamed.entries[0].content == log);
}

TEST_CASE("a compressed empty file yields one empty member", "[archive]") {
  Recorder seen;
  const ArchiveSummary summary = read_archive(compress(Compression::gzip, ""), {}, seen);
  CHECK(summary.opened);
  CHECK(summary.complete);
  REQUIRE(seen.entries.size() == 1);
  CHECK(seen.entries[0].content.empty());
}

TEST_CASE("a compressed file that starts with zeros is one member, not an empty tar", "[archive]") {
  const std::string image = std::string(4096, '\0') + "token=abc\n";
  Recorder seen;
  const ArchiveSummary summary = read_archive(compress(Compression::gzip, image), {}, seen);
  CHECK(summary.complete);
  REQUIRE(seen.entries.size() == 1);
  CHECK(seen.entries[0].content == image);
  Recorder plain;  // uncompressed, it is no archive at all: the caller scans the bytes
  CHECK_FALSE(read_archive(image, {}, plain).opened);
  CHECK(plain.problems.empty());
}

TEST_CASE("nested archives come out as bytes: the reader does not recurse", "[archive]") {
  const std::string inner = make_archive(Container::zip_deflate, Compression::none, {{"secret.txt", "inner"}});
  const std::string outer =
      make_archive(Container::pax, Compression::gzip, {{"a.txt", "outer"}, {"lib/app.jar", inner}});
  Recorder seen;
  const ArchiveSummary summary = read_archive(outer, {}, seen);
  CHECK(summary.complete);
  REQUIRE(seen.entries.size() == 2);
  CHECK(seen.entries[1].entry.path == "lib/app.jar");
  CHECK(seen.entries[1].content == inner);
  // A zip as the last member of an uncompressed tar: its central directory sits near the end of
  // the tar, and the tar must still win.
  const std::string tar = make_archive(Container::ustar, Compression::none, {{"app.zip", inner}});
  Recorder last;
  CHECK(read_archive(tar, {}, last).format == ArchiveFormat::tar);
  REQUIRE(last.entries.size() == 1);
  CHECK(last.entries[0].content == inner);
}

TEST_CASE("names with '..' or an absolute path are flagged, noted and still scanned", "[archive]") {
  const Container container = GENERATE(Container::pax, Container::zip_deflate);
  const std::string archive =
      make_archive(container, Compression::none, {{"../../etc/cron.d/x", "a"}, {"/abs/key.pem", "b"}, {"ok/..x", "c"}});
  Recorder seen;
  CHECK(read_archive(archive, {}, seen).complete);
  REQUIRE(seen.entries.size() == 3);
  CHECK(seen.entries[0].entry.path == "../../etc/cron.d/x");
  CHECK(seen.entries[0].entry.unsafe_name);
  CHECK(seen.entries[0].content == "a");
  CHECK(seen.entries[1].entry.path == "abs/key.pem");
  CHECK(seen.entries[1].entry.unsafe_name);
  CHECK_FALSE(seen.entries[2].entry.unsafe_name);
  REQUIRE(seen.problems.size() == 2);
  const Problem* note = seen.problem_with("abs/key.pem", "unsafe member name (absolute or '..')");
  REQUIRE(note != nullptr);
  CHECK_FALSE(note->is_error);
}

TEST_CASE("display names lose leading './' and '/' and doubled slashes, and keep other bytes", "[archive]") {
  const std::string non_utf8 = "bad\xff\xfe.txt";
  const std::string utf8 = "d\xc3\xa9j\xc3\xa0/\xe2\x82\xac.txt";
  const std::string tar = make_archive(Container::ustar, Compression::none,
                                       {{".//a//b.txt", "1"}, {"./", "", AE_IFDIR}, {"//x", "2"}, {non_utf8, "3"}});
  Recorder seen;
  read_archive(tar, {}, seen);
  REQUIRE(seen.entries.size() == 4);
  CHECK(seen.entries[0].entry.path == "a/b.txt");
  CHECK(seen.entries[1].entry.path == ".");
  CHECK(seen.entries[2].entry.path == "x");
  CHECK(seen.entries[3].entry.path == non_utf8);
  // UTF-8 names (zip's UTF-8 flag, pax headers) arrive as stored even in the "C" locale.
  for (const Container container : {Container::zip_deflate, Container::pax}) {
    Recorder named;
    read_archive(make_archive(container, Compression::none, {{utf8, "4"}}), {}, named);
    REQUIRE(named.entries.size() == 1);
    CHECK(named.entries[0].entry.path == utf8);
  }
}

TEST_CASE("symlinks and hard links are reported with their targets and no content", "[archive]") {
  Member symlink{"link-to-env", "", AE_IFLNK, "config/app.env"};
  Member hardlink{"hard.env", "", AE_IFREG, "config/app.env", true};
  const std::string tar =
      make_archive(Container::pax, Compression::none, {{"config/app.env", "KEY=1"}, symlink, hardlink});
  Recorder seen;
  CHECK(read_archive(tar, {}, seen).complete);
  REQUIRE(seen.entries.size() == 3);
  CHECK(seen.entries[1].entry.type == EntryType::symlink);
  CHECK(seen.entries[1].entry.link_target == "config/app.env");
  CHECK(seen.entries[2].entry.type == EntryType::hardlink);
  CHECK(seen.entries[2].entry.link_target == "config/app.env");
  CHECK(seen.entries[2].content.empty());
}

TEST_CASE("a member over max_member_size is reported with both sizes and skipped", "[archive]") {
  const Compression compression = GENERATE(Compression::none, Compression::gzip);
  const std::string archive = make_archive(Container::pax, compression,
                                           {{"big.bin", std::string(5000, 'z')}, {"small.txt", "after the big one"}});
  ArchiveLimits limits;
  limits.max_member_size = 4096;
  Recorder seen;
  const ArchiveSummary summary = read_archive(archive, limits, seen);
  CHECK(summary.complete);
  REQUIRE(seen.entries.size() == 2);
  CHECK(seen.entries[0].entry.size == 5000);
  CHECK(seen.entries[0].content.empty());
  CHECK(seen.entries[1].content == "after the big one");
  const Problem* problem = seen.problem_with("big.bin", "larger than the member size limit (5000 > 4096 bytes)");
  REQUIRE(problem != nullptr);
  CHECK_FALSE(problem->is_error);  // a note, like a file over --max-file-size
}

TEST_CASE("a header claiming a 1 TB member is refused by the member limit, not allocated", "[archive]") {
  const std::string tar = ustar_header("huge.bin", 1ull << 40) + std::string(4096, 'x');
  REQUIRE(sniff_archive(tar) == ArchiveFormat::tar);
  for (const std::string& archive : {tar, compress(Compression::gzip, tar)}) {
    Recorder seen;
    const ArchiveSummary summary = read_archive(archive, {}, seen);
    CHECK_FALSE(summary.complete);
    REQUIRE(seen.entries.size() == 1);
    CHECK(seen.entries[0].entry.size == 1ull << 40);
    CHECK(seen.entries[0].content.empty());
    CHECK(seen.problem_with("huge.bin", "(1099511627776 > 26214400 bytes)") != nullptr);
    CHECK(seen.problem_with("huge.bin", "corrupt or truncated archive") != nullptr);
  }
}

TEST_CASE("a member of unknown size stops at max_member_size + 1 bytes", "[archive]") {
  const std::string packed = compress(Compression::gzip, std::string(100000, 'q'));
  ArchiveLimits limits;
  limits.max_member_size = 1000;
  Recorder seen;
  const ArchiveSummary summary = read_archive(packed, limits, seen);
  REQUIRE(seen.entries.size() == 1);
  CHECK(seen.entries[0].content.empty());
  CHECK(seen.problem_with("", "larger than the member size limit (at least 1001 > 1000 bytes)") != nullptr);
  CHECK(summary.bytes_out < 100000);
}

TEST_CASE("a zip bomb stops with the ratio message before it is decompressed", "[archive]") {
  const std::string zip =
      make_archive(Container::zip_deflate, Compression::none, {{"zeros", std::string(200 << 20, '\0')}});
  REQUIRE(zip.size() < (1 << 20));
  ArchiveLimits limits;
  limits.max_member_size = 1ull << 30;
  limits.ratio_floor = 1 << 20;
  Recorder seen;
  const ArchiveSummary summary = read_archive(zip, limits, seen);
  CHECK(summary.opened);
  CHECK_FALSE(summary.complete);
  CHECK(seen.entries.empty());
  CHECK(summary.bytes_out < (100u << 20));
  const Problem* problem = seen.problem_with("", "decompression bomb suspected");
  REQUIRE(problem != nullptr);
  CHECK(problem->message.find("(ratio > 200)") != std::string::npos);
  CHECK(problem->message.find("--archive-max-ratio") != std::string::npos);
  // With the default member limit the bomb's one member is never inflated at all.
  Recorder defaults;
  const ArchiveSummary skipped = read_archive(zip, {}, defaults);
  CHECK(skipped.bytes_out == 0);
  CHECK(defaults.problem_with("zeros", "larger than the member size limit") != nullptr);
}

TEST_CASE("a gzip bomb in a stream of unknown size is judged by the bytes consumed", "[archive]") {
  const std::string packed = compress(Compression::gzip, std::string(64 << 20, 'A'));
  ArchiveLimits limits;
  limits.max_member_size = 1ull << 30;
  limits.ratio_floor = 1 << 20;
  Recorder seen;
  seen.keep_content = false;
  const ArchiveSummary summary = read_archive_stream(blocks_of(packed, 4096), 0, limits, seen);
  CHECK_FALSE(summary.complete);
  CHECK(seen.entries.empty());
  CHECK(seen.problem_with("", "decompression bomb suspected") != nullptr);
}

TEST_CASE("more entries than max_entries stops reading with the limit in the message", "[archive]") {
  std::vector<Member> members;
  for (int i = 0; i < 20; ++i) members.push_back({"f" + std::to_string(i), "x"});
  ArchiveLimits limits;
  limits.max_entries = 5;
  Recorder seen;
  const ArchiveSummary summary = read_archive(make_archive(Container::pax, Compression::none, members), limits, seen);
  CHECK(summary.entries == 5);
  CHECK(seen.entries.size() == 5);
  CHECK_FALSE(summary.complete);
  CHECK(seen.problem_with("", "more than 5 entries: stopped reading") != nullptr);
  CHECK(seen.problem_with("", "--archive-max-entries") != nullptr);
}

TEST_CASE("more uncompressed bytes than max_total_size stops reading", "[archive]") {
  std::vector<Member> members;
  for (int i = 0; i < 10; ++i) members.push_back({"f" + std::to_string(i), std::string(1000, 'a')});
  ArchiveLimits limits;
  limits.max_total_size = 3500;
  Recorder seen;
  const ArchiveSummary summary = read_archive(make_archive(Container::pax, Compression::gzip, members), limits, seen);
  CHECK(seen.entries.size() == 3);
  CHECK_FALSE(summary.complete);
  CHECK(seen.problem_with("", "more than 3500 bytes uncompressed") != nullptr);
  CHECK(seen.problem_with("", "--archive-max-size") != nullptr);
}

TEST_CASE("a truncated tar.gz reports an error after the members before the cut", "[archive]") {
  std::vector<Member> members;
  for (int i = 0; i < 4; ++i) members.push_back({"m" + std::to_string(i), random_bytes(50000, i)});
  const std::string whole = make_archive(Container::pax, Compression::gzip, members);
  const std::string cut = whole.substr(0, whole.size() * 6 / 10);
  Recorder seen, streamed;
  const ArchiveSummary summary = read_archive(cut, {}, seen);
  CHECK(summary.opened);
  CHECK_FALSE(summary.complete);
  REQUIRE(seen.entries.size() >= 1);
  CHECK(seen.entries.size() < 4);
  CHECK(seen.entries[0].content == members[0].content);
  REQUIRE_FALSE(seen.problems.empty());
  CHECK(seen.problems.back().message.rfind("corrupt or truncated archive: ", 0) == 0);
  CHECK(seen.problems.back().is_error);
  CHECK_FALSE(read_archive_stream(blocks_of(cut, 1000), 0, {}, streamed).complete);
  CHECK(streamed.entries.size() == seen.entries.size());
}

TEST_CASE("a damaged tar header is reported and reading resumes at the next member", "[archive]") {
  std::string tar = make_archive(Container::ustar, Compression::none,
                                 {{"first.txt", "one"}, {"second.txt", "two"}, {"third.txt", "three"}});
  tar[1024] = 'X';  // the second header's name: its checksum no longer matches
  Recorder seen;
  const ArchiveSummary summary = read_archive(tar, {}, seen);
  CHECK_FALSE(summary.complete);
  REQUIRE(seen.entries.size() == 2);
  CHECK(seen.entries[0].content == "one");
  CHECK(seen.entries[1].entry.path == "third.txt");
  CHECK(seen.entries[1].content == "three");
  REQUIRE(seen.problems.size() == 1);
  CHECK(seen.problems[0].message.rfind("corrupt or truncated archive: ", 0) == 0);
}

TEST_CASE("random garbage is refused or reported, never a crash", "[archive]") {
  for (unsigned seed = 0; seed < 200; ++seed) {
    std::string bytes = random_bytes(1 + seed * 37, seed);
    if (seed % 4 == 1) bytes.replace(0, 3, "\x1f\x8b\x08");
    if (seed % 4 == 2) bytes.replace(0, 4, "PK\x03\x04");
    Recorder seen;
    const ArchiveSummary summary = read_archive(bytes, {}, seen);
    if (!summary.opened && sniff_archive(bytes) == ArchiveFormat::none) CHECK(seen.problems.empty());
    if (summary.opened && !summary.complete) CHECK_FALSE(seen.problems.empty());
  }
}

TEST_CASE("content that is no archive is not opened and not reported", "[archive]") {
  Recorder seen;
  const ArchiveSummary summary = read_archive("just some text\nKEY=value\n", {}, seen);
  CHECK_FALSE(summary.opened);
  CHECK(summary.format == ArchiveFormat::none);
  CHECK(seen.entries.empty());
  CHECK(seen.problems.empty());
  CHECK_FALSE(read_archive("", {}, seen).opened);
  CHECK(seen.problems.empty());
}

TEST_CASE("content that sniffs as an archive but is broken is reported", "[archive]") {
  std::string bad_tar = make_archive(Container::ustar, Compression::none, {{"a.txt", "x"}});
  bad_tar[0] = 'b';  // breaks the header checksum
  Recorder tar_seen;
  CHECK_FALSE(read_archive(bad_tar, {}, tar_seen).opened);
  CHECK(tar_seen.problem_with("", "cannot open as tar") != nullptr);
  Recorder zip_seen;
  const ArchiveSummary summary = read_archive(std::string("PK\x03\x04", 4) + std::string(200, '\x7f'), {}, zip_seen);
  CHECK_FALSE(summary.complete);
  REQUIRE_FALSE(zip_seen.problems.empty());
  CHECK(zip_seen.problems.back().is_error);
}

TEST_CASE("encrypted zip members are noted as not scanned and reading goes on", "[archive]") {
  const std::string zip =
      make_archive(Container::zip_deflate, Compression::none, {{"a.txt", "secret one"}, {"b.txt", "secret two"}}, "pw");
  Recorder seen;
  const ArchiveSummary summary = read_archive(zip, {}, seen);
  CHECK(summary.complete);
  REQUIRE(seen.entries.size() == 2);
  CHECK(seen.entries[0].content.empty());
  const Problem* note = seen.problem_with("b.txt", "encrypted, not scanned");
  REQUIRE(note != nullptr);
  CHECK_FALSE(note->is_error);
}

TEST_CASE("a visitor returning false stops the read", "[archive]") {
  Recorder seen;
  seen.stop_after = 2;
  const ArchiveSummary summary = read_archive(make_archive(Container::pax, Compression::none, kSample), {}, seen);
  CHECK(seen.entries.size() == 2);
  CHECK_FALSE(summary.complete);
}

TEST_CASE("a failing block source is reported as a problem", "[archive]") {
  const std::string tar = make_archive(Container::pax, Compression::gzip, {{"a", random_bytes(200000, 9)}});
  std::size_t calls = 0;
  const BlockSource failing = [&](std::string& error) -> std::string_view {
    if (++calls == 100) {  // well after the reader opened the stream
      error = "layer blob unreadable";
      return {};
    }
    return std::string_view(tar).substr((calls - 1) * 1000, 1000);
  };
  Recorder seen;
  const ArchiveSummary summary = read_archive_stream(failing, 0, {}, seen);
  CHECK_FALSE(summary.complete);
  CHECK(seen.problem_with("a", "cannot read the archive: layer blob unreadable") != nullptr);
  Recorder early;  // the source fails while libarchive is still looking at the format
  std::size_t early_calls = 0;
  const BlockSource failing_early = [&](std::string& error) -> std::string_view {
    if (++early_calls == 2) error = "layer blob unreadable";
    return early_calls == 2 ? std::string_view() : std::string_view(tar).substr(0, 1000);
  };
  CHECK_FALSE(read_archive_stream(failing_early, 0, {}, early).opened);
  CHECK(early.problem_with("", "cannot read the stream: layer blob unreadable") != nullptr);
  Recorder throwing;
  read_archive_stream([](std::string&) -> std::string_view { throw std::runtime_error("boom"); }, 0, {}, throwing);
  CHECK(throwing.problem_with("", "boom") != nullptr);
}

TEST_CASE("read_archive_file reads from disk and reports files it cannot open", "[archive]") {
  sprawl::test::TempDir dir;
  Recorder seen;
  const std::string path = dir.write("sample.tar.xz", make_archive(Container::pax, Compression::xz, kSample));
  check_sample(seen, read_archive_file(path, {}, seen));
  Recorder missing;
  CHECK_FALSE(read_archive_file(dir / "missing.tar", {}, missing).opened);
  CHECK(missing.problem_with("", "missing.tar") != nullptr);
}

TEST_CASE("old v7 tars without magic are read", "[archive]") {
  Recorder seen;
  const ArchiveSummary summary = read_archive(make_archive(Container::v7tar, Compression::none, kSample), {}, seen);
  CHECK(summary.format == ArchiveFormat::tar);
  CHECK(summary.complete);
  CHECK(seen.entries.size() == 4);
}

TEST_CASE("many threads read archives at once with the same results", "[archive]") {
  const std::string tgz = make_archive(Container::pax, Compression::gzip, kSample);
  const std::string zip = make_archive(Container::zip_deflate, Compression::none, kSample);
  std::vector<int> good(8, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < good.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        Recorder seen;
        const ArchiveSummary summary = read_archive(t % 2 ? zip : tgz, {}, seen);
        if (summary.complete && seen.entries.size() == 4 && seen.entries[2].content == kSample[2].content) ++good[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const int count : good) CHECK(count == 50);
}

TEST_CASE("archive read throughput", "[.][archive-perf]") {
  std::mt19937 random(3);
  std::string log;
  while (log.size() < (1u << 20)) {
    log += "2024-05-0" + std::to_string(random() % 9 + 1) + "T12:" + std::to_string(random() % 60) +
           " INFO request=" + std::to_string(random()) + " path=/api/v1/items/" + std::to_string(random() % 5000) +
           " status=" + std::to_string(200 + random() % 3 * 100) + "\n";
  }
  log.resize(1u << 20);
  std::vector<Member> members;
  for (int i = 0; i < 200; ++i) members.push_back({"logs/app" + std::to_string(i) + ".log", log});
  const std::string tar = make_archive(Container::pax, Compression::none, members);
  const std::string tgz = make_archive(Container::pax, Compression::gzip, members);
  for (const std::string* archive : {&tar, &tgz}) {
    Recorder seen;
    seen.keep_content = false;
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();
    const ArchiveSummary summary = read_archive(*archive, {}, seen);
    const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(seen.content_bytes == 200u << 20);
    const double megabytes = static_cast<double>(summary.bytes_out) / 1e6;
    std::printf("%s (%zu bytes): %.3f s wall (%.0f MB/s), %.3f s CPU (%.0f MB/s)\n", archive == &tar ? "tar" : "tar.gz",
                archive->size(), seconds, megabytes / seconds, cpu, megabytes / std::max(cpu, 1e-6));
  }
}
