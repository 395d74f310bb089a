// AllowlistSet: global and per-rule allow-lists compiled once. Content conditions (regexes,
// stopwords) are judged when a blob is scanned; path conditions for each place it was seen.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include <re2/re2.h>

#include "sprawl/result.h"
#include "sprawl/rule.h"

namespace sprawl {

/// Content conditions of one allow-list that held for one match.
struct AllowHit {
  std::uint32_t list = 0;
  bool regex = false;
  bool stopword = false;
};

class AllowlistSet {
 public:
  /// Compiles the global lists and every rule's own lists; `rules[i]` is rule index i.
  static Result<AllowlistSet> build(const std::vector<Allowlist>& global, const std::vector<const Rule*>& rules);

  /// Appends to `hits` the lists whose content conditions hold for this match.
  void evaluate_content(std::uint32_t rule_index, std::string_view secret, std::string_view match,
                        std::string_view line, std::vector<AllowHit>& hits) const;

  /// Whether the match is allowed at `relative_path` (introduced by git commit `commit`, when
  /// it comes from history), given its content hits.
  bool allowed(std::uint32_t rule_index, std::string_view relative_path, const std::vector<AllowHit>& hits,
               std::string_view commit = {}) const {
    return allowing_list(rule_index, relative_path, hits, commit) != nullptr;
  }

  /// The description of the first list that allows the match (an owner-based name when the list
  /// has none), or null.
  const std::string* allowing_list(std::uint32_t rule_index, std::string_view relative_path,
                                   const std::vector<AllowHit>& hits, std::string_view commit = {}) const;

  /// Whether there are no allow-lists at all (then content conditions need not be evaluated).
  bool empty() const { return m_lists.empty(); }

 private:
  struct CompiledList {
    std::vector<std::unique_ptr<RE2>> paths, regexes;
    std::vector<std::string> stopwords;  // lower case
    std::vector<std::string> commits;    // lower-case hex prefixes
    RegexTarget target = RegexTarget::secret;
    bool require_all = false;
    std::string name;  ///< the list's description, or where it was declared
  };
  std::vector<CompiledList> m_lists;
  std::vector<std::uint32_t> m_global;                   // indices into m_lists
  std::vector<std::vector<std::uint32_t>> m_rule_lists;  // per rule index
  template <class F>
  void for_each_list(std::uint32_t rule_index, F&& f) const;
};

}  // namespace sprawl
