// BlobScanner: one per worker. Scans a blob's bytes once (decode → match → content checks) and
// turns that result into findings for each place the blob was seen (path allow-lists).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sprawl/blob.h"
#include "sprawl/finding.h"
#include "src/check/allowlist.h"
#include "src/check/match_checks.h"
#include "src/match/matcher.h"
#include "src/pipeline/scan_engine.h"

namespace sprawl {

/// A match that passed the content checks, with the allow-list content conditions it met.
struct BlobMatch {
  Match match;
  std::vector<AllowHit> allow_hits;
};

/// What scanning one blob's content found, independent of where the blob was seen.
struct BlobScan {
  TextEncoding encoding = TextEncoding::utf8;
  std::vector<BlobMatch> matches;  ///< ordered by position
  std::string blob_id;             ///< hex git blob id; computed only when there are matches
  DropCounts drops;
};

class BlobScanner {
 public:
  /// `resolve_overlaps`: keep only the most specific rule where secrets overlap (scans); off
  /// when each rule must be judged on its own (`rules check`).
  BlobScanner(const ScanEngine& engine, Matcher matcher, std::size_t binary_findings_cap, bool resolve_overlaps = true)
      : m_engine(&engine),
        m_matcher(std::move(matcher)),
        m_binary_cap(binary_findings_cap),
        m_resolve_overlaps(resolve_overlaps) {}

  /// Scans `bytes`: decodes UTF-16, runs the matcher, applies entropy/placeholder checks.
  BlobScan scan(std::string_view bytes);

  /// The findings of `scan` at one location, after path allow-lists and rule path filters.
  void findings_for(const BlobScan& scan, const Provenance& where, std::vector<Finding>& out, DropCounts& drops) const;

 private:
  const ScanEngine* m_engine;
  Matcher m_matcher;
  std::size_t m_binary_cap;
  bool m_resolve_overlaps;
  std::string m_decoded;
  std::vector<Match> m_matches;
};

}  // namespace sprawl
