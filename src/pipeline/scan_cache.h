// ScanCache: identical content is scanned once per run, whatever the number of places it is
// seen (files, image layers). Keyed by a fast content hash; clean content costs ~70 bytes.
#pragma once

#include <future>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "sprawl/blob.h"
#include "src/pipeline/blob_scanner.h"

namespace sprawl {

class ScanCache {
 public:
  struct Entry {
    std::shared_ptr<const BlobScan> scan;  ///< never null
    bool first = false;                    ///< this call scanned the content (others reused it)
  };

  /// The scan of `bytes`: the first caller for a content scans it with `scanner`, later
  /// callers wait for that scan and share it.
  Entry scan(std::string_view bytes, BlobScanner& scanner) {
    const ContentKey key = content_key(bytes);
    std::promise<std::shared_ptr<const BlobScan>> promise;
    Entry entry;
    Shared shared;
    {
      std::lock_guard lock(m_mutex);
      auto [it, inserted] = m_cache.try_emplace(key);
      entry.first = inserted;
      if (inserted) it->second = promise.get_future().share();
      shared = it->second;
    }
    if (entry.first) {
      auto scan = std::make_shared<const BlobScan>(scanner.scan(bytes));
      const bool clean = scan->matches.empty();
      promise.set_value(scan);
      if (clean) forget_clean(key);
      entry.scan = std::move(scan);
      return entry;
    }
    static const auto kClean = std::make_shared<const BlobScan>();
    entry.scan = shared.valid() ? shared.get() : kClean;
    return entry;
  }

 private:
  using Shared = std::shared_future<std::shared_ptr<const BlobScan>>;
  /// Keeps only the key of content that had no matches: a later copy needs nothing else.
  void forget_clean(const ContentKey& key) {
    std::lock_guard lock(m_mutex);
    m_cache[key] = Shared{};
  }
  std::mutex m_mutex;
  std::unordered_map<ContentKey, Shared, ContentKeyHash> m_cache;
};

}  // namespace sprawl
