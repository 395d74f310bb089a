// libFuzzer target: arbitrary bytes as a git index file -> parse_index_file, and the invariants
// of what it returns (stages, modes, cache-tree ids and paths).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "src/source/git/index_file.h"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

void check(const sprawl::git::IndexFile& index) {
  require(index.version >= 2 && index.version <= 4);
  for (const auto& entry : index.entries) {
    require(entry.stage <= 3);
    require(entry.path.find('\0') == std::string::npos);
    require(!entry.path.empty() || index.split_index);
    if (entry.mode == 040000) require(index.sparse);
    if (index.version == 2) require(!entry.skip_worktree && !entry.intent_to_add);
  }
  for (std::size_t i = 0; i < index.cache_tree.size(); ++i) {
    const auto& node = index.cache_tree[i];
    require(node.id.has_value() == (node.entry_count >= 0));
    require(node.entry_count >= -1 && node.subtrees >= 0);
    require((i == 0) == node.path.empty());
    require(node.path.empty() || (node.path.front() != '/' && node.path.back() != '/'));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto index = sprawl::git::parse_index_file(bytes, "fuzz/index");
  if (index) {
    check(*index);
  } else {
    const std::string& message = index.error().message;
    require(message.rfind("fuzz/index: ", 0) == 0 && message.find('\n') == std::string::npos);
  }
  return 0;
}
