// Hyperscan gives (rule, end offset) for every possible match end; RE2 then finds the real
// matches in a window around those ends and extracts the secret group.
#include "src/match/matcher.h"

#include <algorithm>

namespace sprawl {
namespace {

constexpr std::size_t kMaxHitsPerBlob = 1u << 22;  // bounds memory on pathological input

int on_hit(unsigned int id, unsigned long long /*from*/, unsigned long long to, unsigned int /*flags*/, void* context) {
  auto* hits = static_cast<std::vector<Matcher::Hit>*>(context);
  if (hits->size() < kMaxHitsPerBlob) hits->push_back({id, to});
  return 0;
}

}  // namespace

Result<Matcher> Matcher::create(const RuleDatabase& database) {
  Matcher matcher(database);
  if (database.hyperscan() == nullptr) return matcher;  // only path-only rules
  if (hs_alloc_scratch(database.hyperscan(), &matcher.m_scratch) != HS_SUCCESS)
    return Error{"cannot allocate Hyperscan scratch space"};
  return matcher;
}

Matcher::Matcher(Matcher&& other) noexcept
    : m_database(other.m_database), m_scratch(other.m_scratch), m_hits(std::move(other.m_hits)) {
  other.m_scratch = nullptr;
}

Matcher::~Matcher() { hs_free_scratch(m_scratch); }

void Matcher::scan(std::string_view text, bool binary, std::vector<Match>& out) {
  m_hits.clear();
  if (text.empty()) return;
  if (m_scratch)
    hs_scan(m_database->hyperscan(), text.data(), static_cast<unsigned>(text.size()), 0, m_scratch, on_hit, &m_hits);
  confirm_hits(text, binary, out);
  confirm_re2_only(text, binary, out);
}

// Rules Hyperscan cannot compile: RE2 searches the whole text when it holds one of their
// keywords (as gitleaks does for every rule). Whole texts also for delta rescans, whose windows
// might not include the keyword.
void Matcher::confirm_re2_only(std::string_view text, bool binary, std::vector<Match>& out) {
  const auto& rules = m_database->rules();
  for (const std::uint32_t index : m_database->re2_only_rules()) {
    const CompiledRule& rule = rules[index];
    if (binary && rule.rule->confidence == Confidence::low) continue;
    if (std::none_of(rule.keywords.begin(), rule.keywords.end(),
                     [&](const CaselessLiteral& k) { return k.found_in(text); }))
      continue;
    confirm(text, index, nullptr, nullptr, 0, text.size(), out);
  }
}

void Matcher::scan_windows(std::string_view text, const std::vector<std::pair<std::size_t, std::size_t>>& windows,
                           std::vector<Match>& out) {
  m_hits.clear();
  std::vector<Hit> window_hits;
  for (const auto& [start, end] : windows) {
    if (start >= end || end > text.size() || m_scratch == nullptr) continue;
    window_hits.clear();
    hs_scan(m_database->hyperscan(), text.data() + start, static_cast<unsigned>(end - start), 0, m_scratch, on_hit,
            &window_hits);
    for (const Hit& hit : window_hits) m_hits.push_back({hit.rule, hit.end + start});
  }
  confirm_hits(text, false, out);
  confirm_re2_only(text, false, out);
}

void Matcher::confirm_hits(std::string_view text, bool binary, std::vector<Match>& out) {
  if (m_hits.empty()) return;
  std::sort(m_hits.begin(), m_hits.end(),
            [](const Hit& a, const Hit& b) { return a.rule != b.rule ? a.rule < b.rule : a.end < b.end; });
  const auto& rules = m_database->rules();
  for (auto first = m_hits.begin(); first != m_hits.end();) {
    const std::uint32_t rule_index = first->rule;
    auto last = std::find_if(first, m_hits.end(), [&](const Hit& h) { return h.rule != rule_index; });
    const CompiledRule& rule = rules[rule_index];
    if (binary && rule.rule->confidence == Confidence::low) {
      first = last;
      continue;
    }
    // Every match ends at a reported end offset (also for prefilters, whose ends include every
    // end of the real regex), so a group of hits is confirmed in [first_end - width, last_end]:
    // RE2 sees the text beyond as context for \b and $, and never needs to search past it.
    // Hits whose windows overlap are merged, so each byte is confirmed once per rule.
    const std::size_t width = std::max<std::size_t>(rule.max_width, 1);
    for (auto group = first; group != last;) {
      const std::size_t start = group->end > width ? group->end - width : 0;
      std::size_t end = std::min<std::size_t>(text.size(), group->end);
      auto next = group + 1;
      while (next != last && next->end <= end + width) {
        end = std::min<std::size_t>(text.size(), next->end);
        ++next;
      }
      confirm(text, rule_index, &*group, &*group + (next - group), start, end, out);
      group = next;
    }
    first = last;
  }
}

void Matcher::confirm(std::string_view text, std::uint32_t rule_index, const Hit* first, const Hit* last,
                      std::size_t window_start, std::size_t window_end, std::vector<Match>& out) {
  const CompiledRule& rule = m_database->rules()[rule_index];
  const RE2& regex = rule.regex->get();
  if (!regex.ok()) return;
  const int groups = 1 + regex.NumberOfCapturingGroups();
  m_groups.resize(static_cast<std::size_t>(groups));
  const re2::StringPiece whole(text.data(), text.size());
  std::size_t pos = window_start;
  while (pos <= window_end && regex.Match(whole, pos, window_end, RE2::UNANCHORED, m_groups.data(), groups)) {
    const std::size_t match_start = static_cast<std::size_t>(m_groups[0].data() - text.data());
    const std::size_t match_end = match_start + m_groups[0].size();
    pos = match_end > pos ? match_end : pos + 1;
    // A real match ends where Hyperscan reported an end; prefiltered rules are judged by RE2 alone.
    const Hit* covering =
        std::upper_bound(first, last, match_start, [](std::size_t offset, const Hit& h) { return offset < h.end; });
    if (!rule.hs_prefilter_mode && (covering == last || covering->end > match_end)) continue;
    const re2::StringPiece* secret = nullptr;
    if (rule.secret_group >= 0 && rule.secret_group < groups) {
      secret = &m_groups[static_cast<std::size_t>(rule.secret_group)];
    } else if (groups == 1) {
      secret = &m_groups[0];
    } else {
      for (int g = 1; g < groups && !secret; ++g) {
        if (m_groups[static_cast<std::size_t>(g)].data() != nullptr) secret = &m_groups[static_cast<std::size_t>(g)];
      }
    }
    if (!secret || secret->data() == nullptr || secret->empty()) continue;
    Match match;
    match.rule_index = rule_index;
    match.match_start = match_start;
    match.match_end = match_end;
    match.secret_start = static_cast<std::size_t>(secret->data() - text.data());
    match.secret_end = match.secret_start + secret->size();
    match.secret.assign(secret->data(), secret->size());
    out.push_back(std::move(match));
  }
}

}  // namespace sprawl
