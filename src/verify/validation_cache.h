// ValidationCache: live results by finding fingerprint, kept between runs in a JSON Lines file
// for a time-to-live. Holds no secret: fingerprints, statuses, reasons and identities only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "src/verify/live_result.h"

namespace sprawl::verify {

struct CachedResult {
  LiveResult result;
  std::int64_t checked_at = 0;  ///< seconds since the epoch
};

class ValidationCache {
 public:
  /// Reads `path` (a missing file is an empty cache; unreadable lines are skipped), keeping the
  /// entries checked less than `ttl_seconds` before `now`.
  static ValidationCache load(std::string path, std::int64_t ttl_seconds, std::int64_t now);

  std::optional<CachedResult> find(const std::string& fingerprint) const;
  /// Records a definite answer (valid or invalid); unknown answers are never cached.
  void put(const std::string& fingerprint, const LiveResult& result, std::int64_t checked_at);
  /// Writes the cache back (write to a temporary file, then rename); false with `error` set.
  bool save(std::string& error) const;

  std::size_t size() const { return m_entries.size(); }

 private:
  std::string m_path;
  std::unordered_map<std::string, CachedResult> m_entries;
};

/// The cache file in sprawl's cache directory ($SPRAWL_CACHE_DIR, $XDG_CACHE_HOME/sprawl, …).
std::string default_validation_cache_path();

}  // namespace sprawl::verify
