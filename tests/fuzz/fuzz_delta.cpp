// libFuzzer target: arbitrary bytes as a base and a git delta, applied with apply_delta.
//
// Input: one length byte L, then L*4 bytes of base, then the delta. On success the target must
// have the declared size and every listed copy must lie inside base and target, in ascending,
// non-overlapping target order, with the target bytes equal to the base bytes it names.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "src/source/git/delta.h"

namespace {

void expect(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz_delta: invariant violated: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t base_size = std::min<std::size_t>(std::size_t{data[0]} * 4, input.size());
  const std::string_view base = input.substr(0, base_size), delta = input.substr(base_size);

  auto header = sprawl::git::parse_delta_header(delta);
  if (!header || header->target_size > (1u << 24)) return 0;  // keep allocations small
  std::string target;
  std::vector<sprawl::git::DeltaCopy> copies;
  if (!sprawl::git::apply_delta(base, delta, target, &copies)) return 0;
  expect(target.size() == header->target_size, "target size differs from the declared size");
  expect(header->source_size == base.size(), "accepted a delta for another base size");
  std::uint64_t next = 0;
  for (const auto& copy : copies) {
    expect(copy.length > 0, "empty copy");
    expect(copy.target_offset >= next, "copies out of order or overlapping");
    expect(copy.source_offset + copy.length <= base.size(), "copy outside the base");
    expect(copy.target_offset + copy.length <= target.size(), "copy outside the target");
    expect(base.substr(copy.source_offset, copy.length) ==
               std::string_view(target).substr(copy.target_offset, copy.length),
           "copied bytes differ from the base");
    next = copy.target_offset + copy.length;
  }
  return 0;
}
