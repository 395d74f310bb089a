// libFuzzer target: arbitrary bytes as git commit, tag and tree objects -> the parsers and the
// history analysis over them (a tree that names itself, a commit that is its own parent …).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "src/source/git/git_object_parser.h"
#include "src/source/git/history_index.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto commit = sprawl::git::parse_commit(bytes)) {
    (void)sprawl::git::format_git_time(commit->author_time, commit->author_tz_minutes);
  }
  (void)sprawl::git::parse_tag(bytes);
  std::size_t entries = 0;
  sprawl::git::for_each_tree_entry(bytes, [&](const sprawl::git::TreeEntry& e) { entries += e.name.size() > 0; });

  // The same bytes as the only tree and commit of a history whose blobs are all interesting:
  // ids are taken from the input so that trees can point at themselves.
  sprawl::git::HistoryIndex history;
  sprawl::git::ObjectId tree_id, commit_id;
  for (std::size_t i = 0; i < 20 && i < size; ++i) tree_id.bytes[i] = data[i];
  sprawl::git::ObjectIdSet blobs;
  sprawl::git::for_each_tree_entry(bytes, [&](const sprawl::git::TreeEntry& e) { blobs.insert(e.id); });
  history.set_blobs(std::move(blobs));
  history.add_tree(tree_id, bytes);
  history.add_commit(commit_id, bytes);
  sprawl::git::AnalysisOptions options;
  options.tips.push_back(commit_id);
  options.head = commit_id;
  (void)history.analyse(options);
  return 0;
}
