// Opening an object directory: packs (idx + pack), loose object files, info/alternates.
#include "src/source/git/object_directory.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <system_error>

namespace sprawl::git {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxAlternateDepth = 5;  // as git: alternates of alternates, but not forever

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

struct Opener {
  ObjectDirectory& out;
  std::set<std::string> seen_dirs;

  void open_pack(const std::string& idx_path);
  void scan_loose(const std::string& objects_dir);
  void read_alternates(const std::string& objects_dir, int depth);
  void open_dir(const std::string& objects_dir, int depth);
};

void Opener::open_pack(const std::string& idx_path) {
  auto index = PackIndex::open(idx_path);
  if (!index) return out.problems.push_back(index.error().message);
  const std::string pack_path = idx_path.substr(0, idx_path.size() - 4) + ".pack";
  auto file = PackFile::open(pack_path, index->pack_checksum());
  if (!file) return out.problems.push_back(file.error().message + " (for " + idx_path + ")");
  if (file->object_count() != index->count())
    return out.problems.push_back(pack_path + ": pack has " + std::to_string(file->object_count()) +
                                  " objects, its index " + std::to_string(index->count()));
  if (!file->checksum_matches())
    out.problems.push_back(pack_path + ": pack does not end with the checksum its index records (truncated?)");
  Pack pack{std::move(*index), std::move(*file), {}, {}};
  pack.sorted_offsets.reserve(pack.index.count());
  for (std::uint32_t i = 0; i < pack.index.count(); ++i) pack.sorted_offsets.push_back(pack.index.offset(i));
  std::sort(pack.sorted_offsets.begin(), pack.sorted_offsets.end());
  if (std::adjacent_find(pack.sorted_offsets.begin(), pack.sorted_offsets.end()) != pack.sorted_offsets.end())
    return out.problems.push_back(idx_path + ": two objects at one offset");
  out.packs.push_back(std::move(pack));
}

void Opener::scan_loose(const std::string& objects_dir) {
  static const char* kDigits = "0123456789abcdef";
  for (int high = 0; high < 16; ++high) {
    for (int low = 0; low < 16; ++low) {
      const std::string prefix{kDigits[high], kDigits[low]};
      std::error_code error;
      fs::directory_iterator it(objects_dir + "/" + prefix, error), end;
      for (; !error && it != end; it.increment(error)) {
        const std::string name = it->path().filename().string();
        if (name.size() != 38 || !is_hex(name)) continue;
        if (auto id = parse_object_id(prefix + name)) out.loose.push_back({*id, it->path().string()});
      }
    }
  }
}

void Opener::read_alternates(const std::string& objects_dir, int depth) {
  std::ifstream in(objects_dir + "/info/alternates");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const fs::path path = fs::path(line).is_absolute() ? fs::path(line) : fs::path(objects_dir) / line;
    if (depth >= kMaxAlternateDepth) {
      out.problems.push_back(objects_dir + "/info/alternates: alternates nested too deeply at " + path.string());
      continue;
    }
    std::error_code error;
    if (!fs::is_directory(path, error)) {
      out.problems.push_back(objects_dir + "/info/alternates: " + path.string() + " is not a directory");
      continue;
    }
    open_dir(path.string(), depth + 1);
  }
}

void Opener::open_dir(const std::string& objects_dir, int depth) {
  std::error_code error;
  const std::string canonical = fs::canonical(objects_dir, error).string();
  if (error || !seen_dirs.insert(canonical).second) return;
  const std::size_t first_pack = out.packs.size();
  std::vector<std::string> idx_files;
  for (fs::directory_iterator it(objects_dir + "/pack", error), end; !error && it != end; it.increment(error))
    if (it->path().extension() == ".idx") idx_files.push_back(it->path().string());
  std::sort(idx_files.begin(), idx_files.end());
  for (const auto& idx : idx_files) open_pack(idx);
  std::stable_sort(out.packs.begin() + static_cast<std::ptrdiff_t>(first_pack), out.packs.end(),
                   [](const Pack& a, const Pack& b) { return a.index.count() > b.index.count(); });
  scan_loose(objects_dir);
  read_alternates(objects_dir, depth);
}

/// Marks, in every pack, the ids an earlier pack holds too, and drops loose ids that are packed.
void resolve_duplicates(ObjectDirectory& dir) {
  for (std::size_t k = 0; k < dir.packs.size(); ++k) {
    Pack& pack = dir.packs[k];
    for (std::uint32_t i = 0; i < pack.index.count(); ++i) {
      const ObjectId id = pack.index.id(i);
      for (std::size_t j = 0; j < k; ++j) {
        if (!dir.packs[j].index.find(id)) continue;
        if (pack.shadowed.empty()) pack.shadowed.resize(pack.index.count());
        pack.shadowed[i] = true;
        break;
      }
      if (!pack.is_shadowed(i)) ++dir.object_count;
    }
  }
  auto by_id = [](const LooseEntry& a, const LooseEntry& b) { return a.id.bytes < b.id.bytes; };
  std::stable_sort(dir.loose.begin(), dir.loose.end(), by_id);
  auto same = [](const LooseEntry& a, const LooseEntry& b) { return a.id == b.id; };
  dir.loose.erase(std::unique(dir.loose.begin(), dir.loose.end(), same), dir.loose.end());
  std::erase_if(dir.loose, [&](const LooseEntry& entry) {
    return std::any_of(dir.packs.begin(), dir.packs.end(), [&](const Pack& p) { return p.index.find(entry.id); });
  });
  dir.object_count += dir.loose.size();
}

}  // namespace

std::uint64_t Pack::entry_end(std::uint64_t offset) const {
  const auto next = std::upper_bound(sorted_offsets.begin(), sorted_offsets.end(), offset);
  return next == sorted_offsets.end() ? file.data_end() : *next;
}

std::optional<ObjectLocation> ObjectDirectory::locate(const ObjectId& id) const {
  for (const Pack& pack : packs)
    if (auto position = pack.index.find(id)) return ObjectLocation{&pack, pack.index.offset(*position), nullptr};
  const auto it = std::lower_bound(loose.begin(), loose.end(), id, [](const LooseEntry& entry, const ObjectId& key) {
    return entry.id.bytes < key.bytes;
  });
  if (it != loose.end() && it->id == id) return ObjectLocation{nullptr, 0, &*it};
  return std::nullopt;
}

Result<ObjectDirectory> open_object_directory(const std::string& objects_dir) {
  std::error_code error;
  if (!fs::is_directory(objects_dir, error)) return Error{objects_dir + ": not a directory"};
  fs::directory_iterator probe(objects_dir, error);
  if (error) return Error{objects_dir + ": cannot read: " + error.message()};
  ObjectDirectory dir;
  Opener opener{dir, {}};
  opener.open_dir(objects_dir, 0);
  resolve_duplicates(dir);
  return dir;
}

}  // namespace sprawl::git
