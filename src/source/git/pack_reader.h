// PackReader: random access to single objects, resolving delta chains through a bounded base cache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "sprawl/result.h"
#include "src/source/git/inflate.h"
#include "src/source/git/object_directory.h"
#include "src/source/git/pack_file.h"

namespace sprawl::git {

/// A least-recently-used cache of delta bases, keyed by pack entry, bounded in bytes.
/// Thread-safe (one mutex; it is held only to look up or insert, never while inflating).
class DeltaBaseCache {
 public:
  explicit DeltaBaseCache(std::size_t max_bytes) : m_max_bytes(max_bytes) {}

  struct Value {
    std::shared_ptr<const std::string> content;
    ObjectType type = ObjectType::none;
  };
  /// The cached content of the entry at `offset` of `pack`, or a null content.
  Value find(const Pack* pack, std::uint64_t offset);
  /// Caches a base (ignored when larger than a quarter of the cache).
  void insert(const Pack* pack, std::uint64_t offset, Value value);

 private:
  struct Key {
    const Pack* pack;
    std::uint64_t offset;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& key) const {
      return std::hash<std::uint64_t>()(key.offset) ^ std::hash<const void*>()(key.pack);
    }
  };
  using Lru = std::list<std::pair<Key, Value>>;

  std::mutex m_mutex;
  Lru m_lru;  // most recently used first
  std::unordered_map<Key, Lru::iterator, KeyHash> m_map;
  std::size_t m_bytes = 0, m_max_bytes;
};

/// Reads whole objects by location. Thread-safe.
class PackReader {
 public:
  static constexpr std::size_t kDefaultCacheBytes = 96u << 20;  // git's core.deltaBaseCacheLimit
  static constexpr std::size_t kMaxChainLength = 10000;         // longer means a REF_DELTA cycle

  /// Objects (and delta bases) over `max_object_size` bytes are errors, not read.
  explicit PackReader(const ObjectDirectory& dir, std::size_t cache_bytes = kDefaultCacheBytes,
                      std::uint64_t max_object_size = UINT64_MAX)
      : m_dir(dir), m_cache(cache_bytes), m_max_object_size(max_object_size) {}

  /// Reads the object `id` (packed or loose) into `content`.
  Result<ObjectType> read(const ObjectId& id, std::string& content) const;

 private:
  struct Link {
    const Pack* pack;
    std::uint64_t offset;
    PackEntryHeader header;
  };
  Result<ObjectType> read_packed(const Pack& pack, std::uint64_t offset, std::string& content) const;
  Result<std::shared_ptr<std::string>> inflate_whole(const Pack& pack, std::uint64_t offset,
                                                     const PackEntryHeader& header) const;
  Status apply_link(const Link& link, const std::string& base, std::string& delta, std::string& target) const;
  Result<DeltaBaseCache::Value> find_chain_base(const Pack& pack, std::uint64_t offset, std::vector<Link>& chain) const;

  const ObjectDirectory& m_dir;
  mutable DeltaBaseCache m_cache;
  std::uint64_t m_max_object_size;
};

/// "<pack path> offset <offset>", the way problems name a pack entry.
std::string entry_name(const Pack& pack, std::uint64_t offset);

/// Inflates the data of the entry at `offset` (with parsed `header`) into `out` (header.size bytes).
Status inflate_entry(const Pack& pack, std::uint64_t offset, const PackEntryHeader& header, char* out,
                     Inflater& inflater);

}  // namespace sprawl::git
