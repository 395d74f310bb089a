// KeywordGate: gitleaks' keyword pre-condition. A rule that requires keywords applies to a blob
// only when the blob contains one of them, ignoring ASCII case.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sprawl/match.h"
#include "sprawl/rule.h"

namespace sprawl {

/// A literal searched for ignoring ASCII case (Boyer-Moore-Horspool on folded bytes).
class CaselessLiteral {
 public:
  explicit CaselessLiteral(std::string literal);
  bool found_in(std::string_view text) const;
  const std::string& folded() const { return m_folded; }

 private:
  std::string m_folded;
  std::array<std::uint32_t, 256> m_skip{};
};

class KeywordGate {
 public:
  KeywordGate() = default;
  /// `rules[i]` is rule index i; rules without `keywords_required` (or without keywords) pass.
  explicit KeywordGate(const std::vector<const Rule*>& rules);

  /// Whether no rule is gated (then filter() is a no-op).
  bool empty() const { return m_keywords.empty(); }

  /// Removes from `matches` those of gated rules none of whose keywords occurs in `text`.
  /// Blobs are searched only for rules that matched, each keyword at most once per call: the
  /// gate costs nothing on blobs where no gated rule matched.
  void filter(std::string_view text, std::vector<Match>& matches) const;

 private:
  std::vector<CaselessLiteral> m_keywords;                  // distinct, folded
  std::vector<std::vector<std::uint32_t>> m_rule_keywords;  // per rule index; empty: not gated
};

}  // namespace sprawl
