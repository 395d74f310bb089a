// Keyword gate: folded keyword literals, searched only in blobs where a gated rule matched.
#include "src/match/keyword_gate.h"

#include <algorithm>

namespace sprawl {
namespace {

unsigned char fold(unsigned char c) { return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + 32) : c; }

}  // namespace

CaselessLiteral::CaselessLiteral(std::string literal) : m_folded(std::move(literal)) {
  for (auto& c : m_folded) c = static_cast<char>(fold(static_cast<unsigned char>(c)));
  const auto n = static_cast<std::uint32_t>(m_folded.size());
  m_skip.fill(n);
  for (std::uint32_t i = 0; i + 1 < n; ++i) {
    const auto c = static_cast<unsigned char>(m_folded[i]);
    m_skip[c] = n - 1 - i;
    if (c >= 'a' && c <= 'z') m_skip[c - 32] = n - 1 - i;
  }
}

bool CaselessLiteral::found_in(std::string_view text) const {
  const std::size_t n = m_folded.size();
  if (n == 0) return true;
  if (text.size() < n) return false;
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t pos = 0; pos + n <= text.size();) {
    const unsigned char last = bytes[pos + n - 1];
    if (fold(last) == static_cast<unsigned char>(m_folded[n - 1])) {
      std::size_t i = 0;
      while (i + 1 < n && fold(bytes[pos + i]) == static_cast<unsigned char>(m_folded[i])) ++i;
      if (i + 1 >= n) return true;
    }
    pos += m_skip[last];
  }
  return false;
}

KeywordGate::KeywordGate(const std::vector<const Rule*>& rules) {
  m_rule_keywords.resize(rules.size());
  for (std::size_t r = 0; r < rules.size(); ++r) {
    if (!rules[r]->keywords_required) continue;
    for (const auto& keyword : rules[r]->keywords) {
      if (keyword.empty()) {  // an empty keyword is in every blob: the rule is not gated
        m_rule_keywords[r].clear();
        break;
      }
      CaselessLiteral literal(keyword);
      auto same = std::find_if(m_keywords.begin(), m_keywords.end(),
                               [&](const CaselessLiteral& k) { return k.folded() == literal.folded(); });
      if (same == m_keywords.end()) same = m_keywords.insert(m_keywords.end(), std::move(literal));
      m_rule_keywords[r].push_back(static_cast<std::uint32_t>(same - m_keywords.begin()));
    }
  }
}

void KeywordGate::filter(std::string_view text, std::vector<Match>& matches) const {
  if (m_keywords.empty()) return;
  auto gated = [&](const Match& m) {
    return m.rule_index < m_rule_keywords.size() && !m_rule_keywords[m.rule_index].empty();
  };
  if (std::none_of(matches.begin(), matches.end(), gated)) return;
  enum : signed char { unknown = -1, absent = 0, present = 1 };
  std::vector<signed char> seen(m_keywords.size(), unknown);
  auto has_keyword = [&](std::uint32_t rule) {
    return std::any_of(m_rule_keywords[rule].begin(), m_rule_keywords[rule].end(), [&](std::uint32_t k) {
      if (seen[k] == unknown) seen[k] = m_keywords[k].found_in(text) ? present : absent;
      return seen[k] == present;
    });
  };
  matches.erase(std::remove_if(matches.begin(), matches.end(),
                               [&](const Match& m) { return gated(m) && !has_keyword(m.rule_index); }),
                matches.end());
}

}  // namespace sprawl
