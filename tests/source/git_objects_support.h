// Test support for the git object reader: scratch repositories driven by the git CLI, git's own
// view of their objects, and hand-made pack files for corrupt-input tests.
#pragma once

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "src/source/git/object_id.h"
#include "tests/support/temp_dir.h"

namespace sprawl::test::objstore {

/// Runs a shell command; its standard output (binary-safe). `ok` is false on a non-zero exit.
inline std::string run_command(const std::string& command, bool* ok = nullptr) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) {
    if (ok) *ok = false;
    return out;
  }
  char buffer[65536];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int status = ::pclose(pipe);
  if (ok) *ok = status == 0;
  return out;
}

/// One object as `git cat-file` reports it.
struct GitObject {
  std::string type;
  std::uint64_t size = 0;
  std::string content;
};

/// A scratch repository operated with the git CLI (no system or user configuration).
class GitRepo {
 public:
  /// A repository in a new scratch directory; `init` false leaves the directory empty (to clone into).
  explicit GitRepo(const std::string& name = "repo", bool init = true) : m_path(m_dir / name) {
    run_command("mkdir -p '" + m_path + "'");
    if (init) git("init -q");
  }
  const std::string& path() const { return m_path; }
  std::string git_dir() const { return m_path + "/.git"; }
  std::string objects_dir() const { return git_dir() + "/objects"; }
  const TempDir& scratch() const { return m_dir; }

  /// Runs `git ARGS` in the work tree; its output. Fails the test helper's `ok` on error.
  std::string git(const std::string& args, bool* ok = nullptr) const {
    return run_command("cd '" + m_path + "' && HOME='" + m_dir.path() +
                           "' GIT_CONFIG_NOSYSTEM=1 git -c user.name=t -c user.email=t@e -c gc.auto=0 " + args +
                           " 2>/dev/null",
                       ok);
  }
  void write(const std::string& relative, const std::string& content) const;
  void commit(const std::string& message) const {
    git("add -A");
    git("commit -q -m '" + message + "'");
  }

  /// Every object git sees (alternates included), with its content.
  std::map<std::string, GitObject> all_objects() const {
    const std::string out = git("cat-file --batch-all-objects --batch");
    std::map<std::string, GitObject> objects;
    std::size_t pos = 0;
    while (pos < out.size()) {
      const std::size_t eol = out.find('\n', pos);
      const std::string line = out.substr(pos, eol - pos);
      char id[64] = {}, type[16] = {};
      unsigned long long size = 0;
      if (std::sscanf(line.c_str(), "%63s %15s %llu", id, type, &size) != 3) break;
      objects[id] = GitObject{type, size, out.substr(eol + 1, size)};
      pos = eol + 1 + size + 1;
    }
    return objects;
  }
  /// The packs' .idx files.
  std::vector<std::string> idx_files() const {
    std::vector<std::string> files;
    const std::string out = run_command("ls '" + objects_dir() + "/pack/'*.idx 2>/dev/null");
    for (std::size_t pos = 0, eol; (eol = out.find('\n', pos)) != std::string::npos; pos = eol + 1)
      files.push_back(out.substr(pos, eol - pos));
    return files;
  }

 private:
  TempDir m_dir;
  std::string m_path;
};

inline void write_file(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

inline void GitRepo::write(const std::string& relative, const std::string& content) const {
  write_file(m_path + "/" + relative, content);
}

/// A 300-line file of which every version changes three lines and appends one, so each version is
/// nearest its neighbours (deep delta chains after `git gc --aggressive`).
inline std::string changelog_version(int version) {
  std::vector<std::string> lines;
  for (int i = 0; i < 300; ++i) lines.push_back("line " + std::to_string(i) + " of the original text, unchanged\n");
  for (int v = 1; v <= version; ++v) {
    for (int k = 0; k < 3; ++k)
      lines[(v * 37 + k * 101) % lines.size()] = "changed in version " + std::to_string(v) + "\n";
    lines.push_back("appended in version " + std::to_string(v) + "\n");
  }
  std::string text;
  for (const auto& line : lines) text += line;
  return text;
}

inline std::string zlib_compress(const std::string& data) {
  uLongf size = compressBound(data.size());
  std::string out(size, '\0');
  compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(data.data()), data.size(), 6);
  out.resize(size);
  return out;
}

/// One entry of a hand-made pack.
struct CraftedEntry {
  int kind = 3;       ///< 1-4 whole object, 6 OFS_DELTA, 7 REF_DELTA
  std::string data;   ///< content, or delta
  git::ObjectId id;   ///< what the index says (not checked against the content)
  int ofs_base = -1;  ///< OFS_DELTA: index of the base entry
  git::ObjectId ref_base;
};

inline git::ObjectId fake_id(unsigned char first, unsigned char last) {
  git::ObjectId id;
  id.bytes[0] = first;
  id.bytes[19] = last;
  return id;
}

/// A delta: sizes, then raw instruction bytes.
inline std::string make_delta(std::uint64_t source_size, std::uint64_t target_size, const std::string& instructions) {
  std::string out;
  for (std::uint64_t v : {source_size, target_size}) {
    do {
      unsigned char byte = v & 0x7f;
      v >>= 7;
      if (v) byte |= 0x80;
      out.push_back(static_cast<char>(byte));
    } while (v);
  }
  return out + instructions;
}

inline void put_be32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

/// Writes `entries` as objects/pack/pack-NAME.{pack,idx} (v2 index; fake checksums); the offsets.
inline std::vector<std::uint64_t> write_crafted_pack(const std::string& objects_dir, const std::string& name,
                                                     const std::vector<CraftedEntry>& entries) {
  std::string pack = "PACK";
  put_be32(pack, 2);
  put_be32(pack, static_cast<std::uint32_t>(entries.size()));
  std::vector<std::uint64_t> offsets;
  for (const auto& entry : entries) {
    offsets.push_back(pack.size());
    std::uint64_t size = entry.data.size();
    unsigned char byte = static_cast<unsigned char>((entry.kind << 4) | (size & 0x0f));
    size >>= 4;
    while (size) {
      pack.push_back(static_cast<char>(byte | 0x80));
      byte = size & 0x7f;
      size >>= 7;
    }
    pack.push_back(static_cast<char>(byte));
    if (entry.kind == 6) {
      std::uint64_t distance = offsets.back() - offsets[static_cast<std::size_t>(entry.ofs_base)];
      std::string encoded(1, static_cast<char>(distance & 0x7f));
      while (distance >>= 7) encoded.insert(encoded.begin(), static_cast<char>(0x80 | (--distance & 0x7f)));
      pack += encoded;
    } else if (entry.kind == 7) {
      pack.append(reinterpret_cast<const char*>(entry.ref_base.bytes.data()), 20);
    }
    pack += zlib_compress(entry.data);
  }
  const std::string checksum(20, '\x5a');
  pack += checksum;
  std::vector<std::size_t> order(entries.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return entries[a].id.bytes < entries[b].id.bytes; });
  std::string idx("\xfftOc", 4);
  put_be32(idx, 2);
  for (unsigned b = 0; b < 256; ++b) {
    std::uint32_t count = 0;
    for (const auto& entry : entries) count += entry.id.bytes[0] <= b;
    put_be32(idx, count);
  }
  for (std::size_t i : order) idx.append(reinterpret_cast<const char*>(entries[i].id.bytes.data()), 20);
  for (std::size_t i = 0; i < order.size(); ++i) put_be32(idx, 0);
  for (std::size_t i : order) put_be32(idx, static_cast<std::uint32_t>(offsets[i]));
  idx += checksum + std::string(20, '\0');
  write_file(objects_dir + "/pack/pack-" + name + ".pack", pack);
  write_file(objects_dir + "/pack/pack-" + name + ".idx", idx);
  return offsets;
}

}  // namespace sprawl::test::objstore
