// BlobScanner: one per worker. Scans a blob's bytes once (decode → match → content checks) and
// turns that result into findings for each place the blob was seen (path allow-lists).
#pragma once

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sprawl/blob.h"
#include "sprawl/finding.h"
#include "sprawl/scan_config.h"
#include "src/check/allowlist.h"
#include "src/check/match_checks.h"
#include "src/match/line_index.h"
#include "src/match/matcher.h"
#include "src/pipeline/scan_engine.h"
#include "src/source/archive/archive_reader.h"
#include "src/source/decode/encoded_spans.h"
#include "src/source/filesystem_walker.h"
#include "src/source/git/delta.h"

namespace sprawl {

/// A match that passed the content checks, with the allow-list content conditions it met.
struct BlobMatch {
  Match match;
  std::vector<AllowHit> allow_hits;
  std::string inline_ignore;  ///< the ignore comment on the secret's line ("sprawl:allow", …), if any
  /// Archive members (outermost first) the match is in; "" names the content of a single
  /// compressed stream (a .gz that is not a tar). Empty: the blob itself.
  std::vector<std::string> members;
  /// Encodings the secret was decoded from, outermost first; positions are then those of the
  /// encoded run in the member's (or blob's) text.
  std::vector<std::string> decoded;
  TextEncoding encoding = TextEncoding::utf8;  ///< of the text the match is in
  Validity validity;                           ///< offline checks of the secret
  MatchContext context;                        ///< text around the match, with keep_context
};

/// Something wrong inside a blob (a corrupt member, an archive limit reached), reported with
/// the blob's location when it is first scanned.
struct BlobProblem {
  std::vector<std::string> members;  ///< where inside the blob; empty: the blob itself
  std::string message;
  bool is_error = true;
};

/// What scanning one blob's content found, independent of where the blob was seen.
struct BlobScan {
  TextEncoding encoding = TextEncoding::utf8;
  std::vector<BlobMatch> matches;  ///< ordered by member, then position
  std::string blob_id;             ///< hex git blob id; computed only when there are matches
  DropCounts drops;
  std::vector<BlobProblem> problems;
  std::uint64_t archive_members = 0;  ///< archive members scanned inside the blob
};

/// How far a scan looks inside content: nested archives and encoded text.
struct ContentOptions {
  unsigned archive_depth = 0;  ///< nested archives opened (0: archives are scanned as bytes)
  unsigned decode_depth = 0;   ///< encodings decoded one inside the other (0: none)
  archive::ArchiveLimits archive;
  DecodeLimits decode;
  bool offline_checks = false;  ///< record checksums, key parsing, JWT claims… on each match
  bool keep_context = false;    ///< keep the text around each match (for live validation)
  /// Without keep_context: keep the start of each match's line up to its end (at most
  /// kLineBeforeMatch bytes before it), which names the variable: the inventory reads the
  /// environment there ("PROD_DB_PASSWORD=").
  bool keep_line_before = false;
};

/// How much of a match's line keep_line_before keeps before the match.
inline constexpr std::size_t kLineBeforeMatch = 128;

/// The content options a scan configuration asks for (--archive-*, --decode-depth, --max-file-size).
ContentOptions content_options(const ScanConfig& config);

/// The path shown for a member: `base` followed by "!/member" for each one; a single compressed
/// stream's content is named after its container without the compression suffix.
std::string member_path(std::string_view base, const std::vector<std::string>& members);

/// The diagnostic for a problem inside the blob seen at `where` (named with its member path).
InputDiagnostic problem_diagnostic(std::string_view where, const BlobProblem& problem);

/// The members' display names (see member_path), outermost first.
std::vector<std::string> member_names(std::string_view base, const std::vector<std::string>& members);

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

/// Keeps only the most specific rule where matches' secrets overlap (`matches` ordered by
/// secret start).
void drop_outranked_overlaps(std::vector<BlobMatch>& matches, const std::vector<CompiledRule>& rules);

class BlobScanner {
 public:
  /// `resolve_overlaps`: keep only the most specific rule where secrets overlap (scans); off
  /// when each rule must be judged on its own (`rules check`).
  /// `content`: archives and encodings to look into (by default neither).
  BlobScanner(const ScanEngine& engine, Matcher matcher, std::size_t binary_findings_cap, bool resolve_overlaps = true,
              ContentOptions content = {})
      : m_engine(&engine),
        m_matcher(std::move(matcher)),
        m_binary_cap(binary_findings_cap),
        m_resolve_overlaps(resolve_overlaps),
        m_content(std::move(content)),
        m_now(static_cast<std::int64_t>(std::time(nullptr))) {
    for (const auto& rule : engine.database().rules()) m_search_margin = std::max(m_search_margin, rule.max_width);
    m_search_margin += 1;
  }

  /// Scans `bytes`: opens archives (their members are scanned in turn), decodes UTF-16, runs
  /// the matcher, applies entropy/placeholder checks, and rescans encoded runs decoded.
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
  ContentOptions m_content;
  std::int64_t m_now;  ///< for expiry checks: one clock reading per scanner
  friend class MemberScanner;
  struct Anchor;
  void match_delta(std::string_view text, const DeltaSource& delta);
  bool expand_archive(std::string_view bytes, std::vector<std::string>& members, BlobScan& result);
  void scan_text(std::string_view bytes, const DeltaSource* delta, DeltaBase* as_base,
                 const std::vector<std::string>& members, BlobScan& result);
  void add_decoded_matches(std::string_view text, const LineIndex& lines, std::vector<BlobMatch>& out,
                           DropCounts& drops);
  void scan_decoded(std::string_view text, const EncodedSpan& span, std::vector<std::string> codings,
                    const Anchor& anchor, unsigned depth_left, std::vector<BlobMatch>& out, DropCounts& drops);
  /// The match with its offline validity and allow-list hits; nullopt when an offline check
  /// disproves it (a checksum that fails).
  std::optional<BlobMatch> checked_match(Match match, std::string_view text, std::string_view line,
                                         TextEncoding encoding) const;
  void finish_level(std::vector<BlobMatch>& level, bool binary, BlobScan& result) const;
  void path_only_findings(const BlobScan& scan, const Provenance& where, std::vector<Finding>& out,
                          DropCounts& drops) const;

  std::string m_decoded;
  std::vector<Match> m_matches, m_span_matches;
  std::string m_span_view;
  std::vector<std::pair<std::size_t, std::size_t>> m_windows;
  std::size_t m_search_margin = 0;
  std::uint64_t m_bytes_searched = 0;
};

}  // namespace sprawl
