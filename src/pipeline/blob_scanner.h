// BlobScanner: one per worker. Scans a blob's bytes once (decode → match → content checks) and
// turns that result into findings for each place the blob was seen (path allow-lists).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "sprawl/blob.h"
#include "sprawl/finding.h"
#include "src/check/allowlist.h"
#include "src/check/match_checks.h"
#include "src/match/matcher.h"
#include "src/pipeline/scan_engine.h"
#include "src/source/git/delta.h"

namespace sprawl {

/// A match that passed the content checks, with the allow-list content conditions it met.
struct BlobMatch {
  Match match;
  std::vector<AllowHit> allow_hits;
  std::string inline_ignore;  ///< the ignore comment on the secret's line ("sprawl:allow", …), if any
};

/// What scanning one blob's content found, independent of where the blob was seen.
struct BlobScan {
  TextEncoding encoding = TextEncoding::utf8;
  std::vector<BlobMatch> matches;  ///< ordered by position
  std::string blob_id;             ///< hex git blob id; computed only when there are matches
  DropCounts drops;
};

/// What a UTF-8 blob's scan leaves for blobs rebuilt from it as a git delta base: its matches
/// before checks, ordered by match start.
struct DeltaBase {
  std::vector<Match> raw;
  std::size_t size = 0;
  bool utf8 = false;  ///< only UTF-8 text can lend its matches
};

/// A blob rebuilt from `base` (which had `base_size` bytes) by these copy instructions.
struct DeltaSource {
  const DeltaBase* base = nullptr;
  const std::vector<git::DeltaCopy>* copies = nullptr;
};

/// The inline ignore comment `line` carries ("sprawl:allow", "gitleaks:allow",
/// "pragma: allowlist secret"), or an empty string.
std::string inline_ignore_marker(std::string_view line);

class BlobScanner {
 public:
  /// `resolve_overlaps`: keep only the most specific rule where secrets overlap (scans); off
  /// when each rule must be judged on its own (`rules check`).
  BlobScanner(const ScanEngine& engine, Matcher matcher, std::size_t binary_findings_cap, bool resolve_overlaps = true)
      : m_engine(&engine),
        m_matcher(std::move(matcher)),
        m_binary_cap(binary_findings_cap),
        m_resolve_overlaps(resolve_overlaps) {
    for (const auto& rule : engine.database().rules()) m_search_margin = std::max(m_search_margin, rule.max_width);
    m_search_margin += 1;
  }

  /// Scans `bytes`: decodes UTF-16, runs the matcher, applies entropy/placeholder checks.
  BlobScan scan(std::string_view bytes) { return scan(bytes, nullptr, nullptr); }

  /// The same for a blob rebuilt from a delta: only the inserted bytes and the seams between
  /// copies (with a margin of the longest rule match) are searched; matches inside copied
  /// ranges are carried over from the base's scan. Same findings as a full scan. When
  /// `as_base` is set it receives what this blob's own deltas need.
  BlobScan scan(std::string_view bytes, const DeltaSource* delta, DeltaBase* as_base);

  /// Bytes Hyperscan actually read, over all scans (delta scans read less than their size).
  std::uint64_t bytes_searched() const { return m_bytes_searched; }

  /// The findings of `scan` at one location, after path allow-lists and rule path filters, and
  /// (for files, not git history) those of path-only rules whose path matches.
  void findings_for(const BlobScan& scan, const Provenance& where, std::vector<Finding>& out, DropCounts& drops) const;

 private:
  const ScanEngine* m_engine;
  Matcher m_matcher;
  std::size_t m_binary_cap;
  bool m_resolve_overlaps;
  void match_delta(std::string_view text, const DeltaSource& delta);
  void path_only_findings(const BlobScan& scan, const Provenance& where, std::vector<Finding>& out,
                          DropCounts& drops) const;

  std::string m_decoded;
  std::vector<Match> m_matches;
  std::vector<std::pair<std::size_t, std::size_t>> m_windows;
  std::size_t m_search_margin = 0;
  std::uint64_t m_bytes_searched = 0;
};

}  // namespace sprawl
