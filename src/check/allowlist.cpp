// Compiles and evaluates gitleaks-style allow-lists (paths, regexes, stopwords; OR or AND).
#include "src/check/allowlist.h"

#include <algorithm>
#include <cctype>
#include <string>

#include <fmt/format.h>

namespace sprawl {
namespace {

Result<std::unique_ptr<RE2>> compile(const std::string& pattern, std::string_view what) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_encoding(RE2::Options::EncodingLatin1);
  auto regex = std::make_unique<RE2>(pattern, options);
  if (!regex->ok()) return Error{fmt::format("{} regex '{}': {}", what, pattern, regex->error())};
  return regex;
}

bool any_search(const std::vector<std::unique_ptr<RE2>>& regexes, std::string_view text) {
  return std::any_of(regexes.begin(), regexes.end(), [&](const auto& re) {
    return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re);
  });
}

}  // namespace

Result<AllowlistSet> AllowlistSet::build(const std::vector<Allowlist>& global, const std::vector<const Rule*>& rules) {
  AllowlistSet set;
  auto add = [&set](const Allowlist& list, std::string_view owner) -> Result<std::uint32_t> {
    CompiledList compiled;
    for (const auto& p : list.paths) {
      auto re = compile(p, "allowlist path");
      if (!re) return Error{fmt::format("{}: {}", owner, re.error().message)};
      compiled.paths.push_back(std::move(re.value()));
    }
    for (const auto& r : list.regexes) {
      auto re = compile(r, "allowlist");
      if (!re) return Error{fmt::format("{}: {}", owner, re.error().message)};
      compiled.regexes.push_back(std::move(re.value()));
    }
    for (const auto& word : list.stopwords) {
      std::string folded(word);
      std::transform(folded.begin(), folded.end(), folded.begin(), [](unsigned char c) { return std::tolower(c); });
      compiled.stopwords.push_back(std::move(folded));
    }
    compiled.commits = list.commits;
    compiled.name = list.description.empty() ? std::string(owner) : list.description;
    compiled.target = list.regex_target;
    compiled.require_all = list.require_all;
    set.m_lists.push_back(std::move(compiled));
    return static_cast<std::uint32_t>(set.m_lists.size() - 1);
  };
  set.m_rule_lists.resize(rules.size());
  for (const auto& list : global) {
    auto index = add(list, "global allowlist");
    if (!index) return index.error();
    if (list.target_rules.empty()) {
      set.m_global.push_back(*index);
      continue;
    }
    // gitleaks `targetRules`: a global list that belongs to the named rules only.
    for (std::size_t r = 0; r < rules.size(); ++r) {
      if (std::find(list.target_rules.begin(), list.target_rules.end(), rules[r]->id) != list.target_rules.end())
        set.m_rule_lists[r].push_back(*index);
    }
  }
  for (std::size_t r = 0; r < rules.size(); ++r) {
    for (const auto& list : rules[r]->allowlists) {
      auto index = add(list, fmt::format("rule '{}' allowlist", rules[r]->id));
      if (!index) return index.error();
      set.m_rule_lists[r].push_back(*index);
    }
  }
  return set;
}

template <class F>
void AllowlistSet::for_each_list(std::uint32_t rule_index, F&& f) const {
  for (auto index : m_global) f(index);
  if (rule_index < m_rule_lists.size()) {
    for (auto index : m_rule_lists[rule_index]) f(index);
  }
}

void AllowlistSet::evaluate_content(std::uint32_t rule_index, std::string_view secret, std::string_view match,
                                    std::string_view line, std::vector<AllowHit>& hits) const {
  std::string folded;
  for_each_list(rule_index, [&](std::uint32_t index) {
    const auto& list = m_lists[index];
    AllowHit hit{index, false, false};
    if (!list.regexes.empty()) {
      const std::string_view target = list.target == RegexTarget::secret  ? secret
                                      : list.target == RegexTarget::match ? match
                                                                          : line;
      hit.regex = any_search(list.regexes, target);
    }
    if (!list.stopwords.empty()) {
      if (folded.empty()) {
        folded.assign(secret);
        std::transform(folded.begin(), folded.end(), folded.begin(), [](unsigned char c) { return std::tolower(c); });
      }
      hit.stopword = std::any_of(list.stopwords.begin(), list.stopwords.end(),
                                 [&](const std::string& word) { return folded.find(word) != std::string::npos; });
    }
    if (hit.regex || hit.stopword) hits.push_back(hit);
  });
}

const std::string* AllowlistSet::allowing_list(std::uint32_t rule_index, std::string_view relative_path,
                                               const std::vector<AllowHit>& hits, std::string_view commit) const {
  const std::string* allowing = nullptr;
  for_each_list(rule_index, [&](std::uint32_t index) {
    if (allowing) return;
    bool result = false;
    const auto& list = m_lists[index];
    AllowHit hit{index, false, false};
    for (const auto& h : hits) {
      if (h.list == index) hit = h;
    }
    const bool path = !list.paths.empty() && any_search(list.paths, relative_path);
    const bool in_commit = !commit.empty() && std::any_of(list.commits.begin(), list.commits.end(), [&](const auto& c) {
                             return commit.substr(0, c.size()) == c;
                           });
    if (list.require_all) {
      const bool any_condition =
          !list.paths.empty() || !list.regexes.empty() || !list.stopwords.empty() || !list.commits.empty();
      result = any_condition && (list.paths.empty() || path) && (list.regexes.empty() || hit.regex) &&
               (list.stopwords.empty() || hit.stopword) && (list.commits.empty() || in_commit);
    } else {
      result = path || hit.regex || hit.stopword || in_commit;
    }
    if (result) allowing = &list.name;
  });
  return allowing;
}

}  // namespace sprawl
