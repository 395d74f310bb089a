// libFuzzer target: arbitrary bytes as a pack index (.idx v1 or v2), parsed by PackIndex::parse.
//
// A parsed index must be internally consistent: ids strictly ascending, each found by find()
// at its own position, offsets readable, an id that is not present not found.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "src/source/git/pack_index.h"

namespace {

void expect(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz_pack_index: invariant violated: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto index = sprawl::git::PackIndex::parse(bytes, "fuzz.idx");
  if (!index) {
    expect(index.error().message.rfind("fuzz.idx: ", 0) == 0, "error does not name the file");
    return 0;
  }
  expect(index->pack_checksum().size() == 20, "pack checksum is not 20 bytes");
  std::uint64_t offsets = 0;
  for (std::uint32_t i = 0; i < index->count(); ++i) {
    const auto id = index->id(i);
    if (i > 0) expect(index->id(i - 1).bytes < id.bytes, "ids not strictly ascending");
    const auto found = index->find(id);
    expect(found && *found == i, "find() misses an id of the index");
    offsets += index->offset(i);
    auto other = id;
    other.bytes[19] ^= 1;
    if (const auto hit = index->find(other)) expect(index->id(*hit) == other, "find() returned another id");
  }
  return static_cast<int>(offsets & 0);
}
