// Per-blob scanning and per-location finding construction.
#include "src/pipeline/blob_scanner.h"

#include <algorithm>

#include "src/check/fingerprint.h"
#include "src/check/offline/offline_checks.h"
#include "src/match/line_index.h"
#include "src/source/text_decode.h"

namespace sprawl {
namespace {

// When two rules report overlapping secrets, only the more specific one is kept: a rule of
// higher confidence wins, and at equal confidence a provider's own rule beats a generic one.
// `token = "ghp_..."` is a GitHub token, not a generic assignment; the private_key of a GCP
// service-account file is that service account's key, not an anonymous PKCS#8 key. Two rules
// of equal rank reporting exactly the same secret (an npm token in an .npmrc) give one finding,
// from the rule listed first.
int specificity(const CompiledRule& rule) {
  return static_cast<int>(rule.rule->confidence) * 2 + (rule.rule->provider != "generic" ? 1 : 0);
}

// A plain match of an encoded run (a generic rule on `token: <base64>`) that decoded into a
// more specific finding says the same thing less well: the decoded finding is kept alone.
void drop_encoded_duplicates(std::vector<BlobMatch>& plain, const std::vector<BlobMatch>& decoded,
                             const std::vector<CompiledRule>& rules) {
  if (decoded.empty()) return;
  std::erase_if(plain, [&](const BlobMatch& p) {
    return std::any_of(decoded.begin(), decoded.end(), [&](const BlobMatch& d) {
      return p.match.secret_start >= d.match.secret_start && p.match.secret_end <= d.match.secret_end &&
             specificity(rules[p.match.rule_index]) < specificity(rules[d.match.rule_index]);
    });
  });
}

}  // namespace

void drop_outranked_overlaps(std::vector<BlobMatch>& matches, const std::vector<CompiledRule>& rules) {
  auto rank = [&](const BlobMatch& m) { return specificity(rules[m.match.rule_index]); };
  auto overlaps = [](const Match& a, const Match& b) {
    return a.secret_start < b.secret_end && b.secret_start < a.secret_end;
  };
  std::size_t longest = 0;
  for (const auto& m : matches) longest = std::max(longest, m.match.secret_end - m.match.secret_start);
  // Matches are ordered by start, so only neighbours within the longest secret can overlap:
  // this stays linear for blobs with many matches.
  auto outranked_by = [&](std::size_t i, std::size_t j) {
    if (!overlaps(matches[i].match, matches[j].match)) return false;
    const int ri = rank(matches[i]), rj = rank(matches[j]);
    const bool same_span = matches[i].match.secret_start == matches[j].match.secret_start &&
                           matches[i].match.secret_end == matches[j].match.secret_end;
    return rj > ri || (rj == ri && same_span && matches[j].match.rule_index < matches[i].match.rule_index);
  };
  std::vector<bool> drop(matches.size(), false);
  for (std::size_t i = 0; i < matches.size(); ++i) {
    const std::size_t start = matches[i].match.secret_start;
    for (std::size_t j = i; j-- > 0 && !drop[i] && matches[j].match.secret_start + longest > start;)
      drop[i] = outranked_by(i, j);
    for (std::size_t j = i + 1;
         j < matches.size() && !drop[i] && matches[j].match.secret_start < matches[i].match.secret_end; ++j)
      drop[i] = outranked_by(i, j);
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < matches.size(); ++i) {
    if (drop[i]) continue;
    if (kept != i) matches[kept] = std::move(matches[i]);
    ++kept;
  }
  matches.resize(kept);
}

// Bytes of identical context a copied match needs on each side to be the same match in the
// rebuilt blob: RE2's \b, ^ and $ look one byte beyond a match; a CRLF line end is two.
constexpr std::size_t kCopyContext = 8;

void BlobScanner::match_delta(std::string_view text, const DeltaSource& delta) {
  const DeltaBase& base = *delta.base;
  const auto& copies = *delta.copies;
  // Where a copied base match lands intact, with its context, it is the same match here.
  auto inner = [&](const git::DeltaCopy& c, bool source_side) {
    const std::size_t origin = source_side ? c.source_offset : c.target_offset;
    const std::size_t total = source_side ? base.size : text.size();
    const bool at_start = c.source_offset == 0 && c.target_offset == 0;
    const bool at_end = c.source_offset + c.length == base.size && c.target_offset + c.length == text.size();
    const std::size_t lo = origin + (at_start ? 0 : kCopyContext);
    const std::size_t hi = origin + c.length - (at_end ? 0 : std::min<std::size_t>(kCopyContext, c.length));
    return std::pair<std::size_t, std::size_t>{std::min(lo, total), std::max(std::min(hi, total), std::min(lo, total))};
  };
  // Every byte outside those interiors may start, end or change a match: Hyperscan reads it
  // with a margin of the longest match on each side.
  m_windows.clear();
  std::size_t clean_until = 0;
  auto add_dirty = [&](std::size_t from, std::size_t to) {
    if (from >= to) return;
    const std::size_t start = from > m_search_margin ? from - m_search_margin : 0;
    const std::size_t end = std::min(text.size(), to + m_search_margin);
    if (!m_windows.empty() && start <= m_windows.back().second)
      m_windows.back().second = std::max(m_windows.back().second, end);
    else
      m_windows.emplace_back(start, end);
  };
  for (const auto& copy : copies) {
    const auto [lo, hi] = inner(copy, false);
    if (hi <= lo) continue;
    add_dirty(clean_until, lo);
    clean_until = hi;
  }
  add_dirty(clean_until, text.size());
  for (const auto& [start, end] : m_windows) m_bytes_searched += end - start;
  m_matcher.scan_windows(text, m_windows, m_matches);

  for (const auto& copy : copies) {
    const auto [lo, hi] = inner(copy, true);
    if (hi <= lo) continue;
    auto it = std::lower_bound(base.raw.begin(), base.raw.end(), lo,
                               [](const Match& m, std::size_t offset) { return m.match_start < offset; });
    for (; it != base.raw.end() && it->match_start < hi; ++it) {
      if (it->match_end > hi) continue;
      Match moved = *it;
      const std::size_t shift_to = copy.target_offset, shift_from = copy.source_offset;
      moved.match_start = moved.match_start - shift_from + shift_to;
      moved.match_end = moved.match_end - shift_from + shift_to;
      moved.secret_start = moved.secret_start - shift_from + shift_to;
      moved.secret_end = moved.secret_end - shift_from + shift_to;
      m_matches.push_back(std::move(moved));
    }
  }
  // A match both carried over and found again near a seam is one match.
  std::sort(m_matches.begin(), m_matches.end(), [](const Match& a, const Match& b) {
    if (a.match_start != b.match_start) return a.match_start < b.match_start;
    if (a.rule_index != b.rule_index) return a.rule_index < b.rule_index;
    return a.match_end < b.match_end;
  });
  m_matches.erase(std::unique(m_matches.begin(), m_matches.end(),
                              [](const Match& a, const Match& b) {
                                return a.match_start == b.match_start && a.rule_index == b.rule_index &&
                                       a.match_end == b.match_end && a.secret_start == b.secret_start;
                              }),
                  m_matches.end());
}

std::string inline_ignore_marker(std::string_view line) {
  // sprawl's own, and those of gitleaks and detect-secrets for teams that migrate.
  static constexpr std::string_view kMarkers[] = {"sprawl:allow", "gitleaks:allow", "pragma: allowlist secret"};
  for (const auto marker : kMarkers)
    if (line.find(marker) != std::string_view::npos) return std::string(marker);
  return {};
}

BlobScan BlobScanner::scan(std::string_view bytes, const DeltaSource* delta, DeltaBase* as_base) {
  BlobScan result;
  if (as_base) {
    as_base->size = bytes.size();
    as_base->utf8 = false;
    as_base->raw.clear();
  }
  std::vector<std::string> members;
  if (expand_archive(bytes, members, result))
    result.encoding = TextEncoding::binary;
  else
    scan_text(bytes, delta, as_base, members, result);
  if (!result.matches.empty()) result.blob_id = git_blob_id(bytes).hex();
  return result;
}

// `text`: the text the match's offsets are in.
std::optional<BlobMatch> BlobScanner::checked_match(Match match, std::string_view text, std::string_view line,
                                                    TextEncoding encoding) const {
  const std::string_view match_text = text.substr(match.match_start, match.match_end - match.match_start);
  BlobMatch kept{std::move(match), {}, {}, {}, {}, encoding, {}, {}};
  if (m_content.keep_context) {
    constexpr std::size_t kContext = 1024;
    const std::size_t from = kept.match.match_start > kContext ? kept.match.match_start - kContext : 0;
    kept.context.text = std::string(text.substr(from, std::min(text.size(), kept.match.match_end + kContext) - from));
    kept.context.match_start = static_cast<std::uint32_t>(kept.match.match_start - from);
    kept.context.match_end = static_cast<std::uint32_t>(kept.match.match_end - from);
  } else if (m_content.keep_line_before) {
    const std::size_t start = kept.match.match_start;
    std::size_t from = start > kLineBeforeMatch ? start - kLineBeforeMatch : 0;
    // Searched only within the bytes kept: a long line is not read back to its start.
    if (const std::size_t newline = text.substr(from, start - from).rfind('\n'); newline != std::string_view::npos)
      from += newline + 1;
    kept.context.text = std::string(text.substr(from, kept.match.match_end - from));
    kept.context.match_start = static_cast<std::uint32_t>(start - from);
    kept.context.match_end = static_cast<std::uint32_t>(kept.match.match_end - from);
  }
  if (m_content.offline_checks) {
    const Rule& rule = *m_engine->database().rules()[kept.match.rule_index].rule;
    if (auto check = offline::check_offline(rule, kept.match.secret, match_text, line, m_now)) {
      if (offline::disproves(rule, *check)) return std::nullopt;
      kept.validity.status = offline::to_string(check->verdict);
      kept.validity.reason = std::move(check->reason);
      kept.validity.identity = std::move(check->identity);
      kept.validity.method = "offline";
    }
  }
  kept.inline_ignore = inline_ignore_marker(line);
  if (!m_engine->allowlists().empty())
    m_engine->allowlists().evaluate_content(kept.match.rule_index, kept.match.secret, match_text, line,
                                            kept.allow_hits);
  return kept;
}

void BlobScanner::finish_level(std::vector<BlobMatch>& level, bool binary, BlobScan& result) const {
  if (m_resolve_overlaps) drop_outranked_overlaps(level, m_engine->database().rules());
  if (binary && level.size() > m_binary_cap) {
    result.drops.binary_cap += level.size() - m_binary_cap;
    level.resize(m_binary_cap);
  }
  for (auto& m : level) result.matches.push_back(std::move(m));
}

// One text: the blob itself, an archive member, or (see add_decoded_matches) decoded runs in it.
void BlobScanner::scan_text(std::string_view bytes, const DeltaSource* delta, DeltaBase* as_base,
                            const std::vector<std::string>& members, BlobScan& result) {
  const DecodedText decoded = decode_text(bytes, m_decoded);
  if (members.empty()) result.encoding = decoded.encoding;
  const bool binary = decoded.encoding == TextEncoding::binary;
  m_matches.clear();
  const bool utf8 = decoded.encoding == TextEncoding::utf8;
  if (utf8 && delta && delta->base && delta->base->utf8 && delta->copies) {
    match_delta(decoded.text, *delta);
  } else {
    m_bytes_searched += decoded.text.size();
    m_matcher.scan(decoded.text, binary, m_matches);
  }
  if (as_base && utf8) {
    as_base->utf8 = true;
    as_base->raw = m_matches;
    std::sort(as_base->raw.begin(), as_base->raw.end(),
              [](const Match& a, const Match& b) { return a.match_start < b.match_start; });
  }
  // gitleaks keywords: after the delta base was recorded, since a copied match may need a
  // keyword that only this blob holds.
  m_engine->database().keyword_gate().filter(decoded.text, m_matches);
  std::sort(m_matches.begin(), m_matches.end(), [](const Match& a, const Match& b) {
    return a.secret_start != b.secret_start ? a.secret_start < b.secret_start : a.rule_index < b.rule_index;
  });
  const auto& rules = m_engine->database().rules();
  LineIndex lines(decoded.text);
  std::vector<BlobMatch> level;
  for (auto& match : m_matches) {
    switch (check_match(rules[match.rule_index], match)) {
      case CheckVerdict::low_entropy:
        ++result.drops.entropy;
        continue;
      case CheckVerdict::placeholder:
        ++result.drops.placeholder;
        continue;
      case CheckVerdict::keep:
        break;
    }
    // Floods of matches in binary blobs are cut early (with room for overlaps to resolve),
    // then to the cap, so the kept findings are distinct secrets.
    if (binary && level.size() >= 4 * m_binary_cap) {
      ++result.drops.binary_cap;
      continue;
    }
    match.start = lines.position(match.secret_start);
    match.end = lines.position(match.secret_end > match.secret_start ? match.secret_end - 1 : match.secret_start);
    const std::string_view line = lines.line_at(match.secret_start);
    if (auto kept = checked_match(std::move(match), decoded.text, line, decoded.encoding))
      level.push_back(std::move(*kept));
    else
      ++result.drops.checksum;
  }
  std::vector<BlobMatch> decoded_level;
  if (!binary && m_content.decode_depth > 0) add_decoded_matches(decoded.text, lines, decoded_level, result.drops);
  drop_encoded_duplicates(level, decoded_level, m_engine->database().rules());
  const std::size_t first = result.matches.size();
  finish_level(level, binary, result);
  // Decoded matches stand apart: their spans are those of the encoded runs, which the
  // plain matches of those runs must not outrank.
  for (auto& m : decoded_level) result.matches.push_back(std::move(m));
  for (std::size_t i = first; i < result.matches.size(); ++i) result.matches[i].members = members;
}

void BlobScanner::findings_for(const BlobScan& scan, const Provenance& where, std::vector<Finding>& out,
                               DropCounts& drops) const {
  const auto& rules = m_engine->database().rules();
  for (const auto& blob_match : scan.matches) {
    const Match& match = blob_match.match;
    const CompiledRule& rule = rules[match.rule_index];
    // Inside an archive, path filters and allow-lists see the member's path ("a.jar!/x.properties").
    const std::string member_relative =
        blob_match.members.empty() ? std::string() : member_path(where.relative_path, blob_match.members);
    const std::string& relative = blob_match.members.empty() ? where.relative_path : member_relative;
    if (rule.path_regex && !RE2::PartialMatch(relative, *rule.path_regex)) continue;
    const std::string_view commit = where.git ? std::string_view(where.git->commit) : std::string_view{};
    Finding finding;
    if (const std::string* list =
            m_engine->allowlists().allowing_list(match.rule_index, relative, blob_match.allow_hits, commit)) {
      ++drops.allowlist;
      finding.suppressed = "allowlist: " + *list;
    } else if (!blob_match.inline_ignore.empty()) {
      finding.suppressed = "inline " + blob_match.inline_ignore;
    }
    finding.rule = rule.rule;
    finding.provenance = where;
    finding.start = match.start;
    finding.end = match.end;
    finding.secret = match.secret;
    finding.fingerprint = finding_fingerprint(rule.rule->id, match.secret);
    finding.entropy = match.entropy;
    finding.blob_id = scan.blob_id;
    finding.encoding = blob_match.encoding;
    finding.decoded = blob_match.decoded;
    finding.validity = blob_match.validity;
    finding.context = blob_match.context;
    if (!blob_match.members.empty()) {
      finding.provenance.members = member_names(where.path, blob_match.members);
      finding.provenance.path = member_path(where.path, blob_match.members);
      finding.provenance.relative_path = member_relative;
    }
    out.push_back(std::move(finding));
  }
  if (!where.git) path_only_findings(scan, where, out, drops);
}

// gitleaks path-only rules: the file itself is the finding, with no secret; its fingerprint
// hashes the rule id with the path. File scans only: history scans look at blobs with matches.
void BlobScanner::path_only_findings(const BlobScan& scan, const Provenance& where, std::vector<Finding>& out,
                                     DropCounts& drops) const {
  const auto& rules = m_engine->database().rules();
  for (const std::uint32_t index : m_engine->database().path_only_rules()) {
    const CompiledRule& rule = rules[index];
    if (!rule.path_regex || !RE2::PartialMatch(where.relative_path, *rule.path_regex)) continue;
    Finding finding;
    if (const std::string* list = m_engine->allowlists().allowing_list(index, where.relative_path, {})) {
      ++drops.allowlist;
      finding.suppressed = "allowlist: " + *list;
    }
    finding.rule = rule.rule;
    finding.provenance = where;
    finding.fingerprint = finding_fingerprint(rule.rule->id, where.relative_path);
    finding.blob_id = scan.blob_id;
    finding.encoding = scan.encoding;
    out.push_back(std::move(finding));
  }
}

}  // namespace sprawl
