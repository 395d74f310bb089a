// libFuzzer target: arbitrary bytes as an archive or compressed stream -> read_archive (memory,
// seekable zip) and read_archive_stream (blocks, streaming zip) with small limits, and the
// invariants of what the visitor sees (limits kept, names normalised, no entries when not opened).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "src/source/archive/archive_reader.h"

namespace {

using sprawl::archive::ArchiveEntry;
using sprawl::archive::ArchiveLimits;
using sprawl::archive::ArchiveSummary;
using sprawl::archive::EntryType;

void require(bool condition) {
  if (!condition) std::abort();
}

ArchiveLimits small_limits() {
  ArchiveLimits limits;
  limits.max_member_size = 1 << 20;
  limits.max_total_size = 8 << 20;
  limits.max_ratio = 50;
  limits.ratio_floor = 1 << 20;
  limits.max_entries = 2000;
  return limits;
}

class CheckingVisitor : public sprawl::archive::ArchiveVisitor {
 public:
  explicit CheckingVisitor(const ArchiveLimits& limits) : limits_(limits) {}

  bool entry(const ArchiveEntry& entry, std::string_view content) override {
    ++entries;
    require(content.size() <= limits_.max_member_size);
    require(content.empty() || entry.type == EntryType::file);
    require(entry.type == EntryType::file || entry.size == 0);
    require(entry.link_target.empty() || entry.type == EntryType::symlink || entry.type == EntryType::hardlink);
    const std::string& path = entry.path;
    require(path.empty() || path[0] != '/');
    require(path.rfind("./", 0) != 0);
    require(path.find("//") == std::string::npos);
    // Touch every byte, so that ASan sees a content view that outlived its buffer.
    unsigned sum = 0;
    for (const char c : content) sum += static_cast<unsigned char>(c);
    checksum += sum;
    return true;
  }

  void problem(const std::string& /*member*/, const std::string& message, bool /*is_error*/) override {
    require(!message.empty());
    ++problems;
  }

  std::uint64_t entries = 0;
  std::uint64_t problems = 0;
  unsigned checksum = 0;

 private:
  const ArchiveLimits& limits_;
};

void check_summary(const ArchiveSummary& summary, const CheckingVisitor& visitor, const ArchiveLimits& limits) {
  require(summary.entries == visitor.entries);
  require(summary.entries <= limits.max_entries);
  require(summary.opened || visitor.entries == 0);
  require(!summary.complete || summary.opened);
  require(summary.complete || !summary.opened || visitor.problems > 0);  // stopped: always said why
  // The total limit stops reading within one decompressed block of it.
  require(summary.bytes_out <= limits.max_total_size + (4u << 20));
}

}  // namespace

// A zip member compressed with LZMA declares its dictionary size, and liblzma (inside libarchive,
// which sets no memory limit there) reserves all of it up front: up to 4 GiB of address space,
// touched only as output is produced (which the reader's limits bound). libFuzzer's malloc limit
// (the RSS limit, 4 GiB, by default) would report that single reservation as a crash, so the
// malloc limit is raised just above it; the RSS limit still applies.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  static std::vector<char*> args;
  static char malloc_limit[] = "-malloc_limit_mb=4608";
  args.assign(*argv, *argv + *argc);
  args.push_back(malloc_limit);
  args.push_back(nullptr);
  *argc = static_cast<int>(args.size()) - 1;
  *argv = args.data();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const ArchiveLimits limits = small_limits();
  (void)sprawl::archive::sniff_archive(bytes);

  CheckingVisitor from_memory(limits);
  check_summary(sprawl::archive::read_archive(bytes, limits, from_memory), from_memory, limits);

  // The same bytes as a stream, in blocks whose size the first byte picks.
  const std::size_t block = size == 0 ? 1 : 1 + data[0] % 64 * 16;
  std::size_t offset = 0;
  const sprawl::archive::BlockSource source = [&](std::string& /*error*/) {
    const std::string_view view = bytes.substr(offset, block);
    offset += view.size();
    return view;
  };
  CheckingVisitor from_stream(limits);
  check_summary(sprawl::archive::read_archive_stream(source, 0, limits, from_stream), from_stream, limits);
  return 0;
}
