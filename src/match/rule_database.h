// RuleDatabase: every rule compiled once — one Hyperscan block-mode database plus one RE2 per
// rule — with the serialized database cached on disk so that start-up stays in milliseconds.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <hs/hs.h>
#include <re2/re2.h>

#include "sprawl/result.h"
#include "sprawl/rule.h"
#include "src/match/keyword_gate.h"

namespace sprawl {

/// RE2 options shared by every confirm regex: Latin-1, so that RE2 agrees with Hyperscan's
/// byte mode, and quiet (errors are returned, not logged).
RE2::Options confirm_regex_options();

/// A rule's RE2 program, compiled on first use: start-up then costs nothing for rules that
/// never fire (a few rules with large bounded repeats take tens of milliseconds each).
class LazyRegex {
 public:
  explicit LazyRegex(std::string pattern) : m_pattern(std::move(pattern)) {}
  const RE2& get() const {
    std::call_once(m_once, [this] { m_regex = std::make_unique<RE2>(m_pattern, confirm_regex_options()); });
    return *m_regex;
  }

 private:
  std::string m_pattern;
  mutable std::once_flag m_once;
  mutable std::unique_ptr<RE2> m_regex;
};

/// A rule ready to confirm Hyperscan hits.
struct CompiledRule {
  const Rule* rule = nullptr;
  std::unique_ptr<LazyRegex> regex;
  std::unique_ptr<RE2> path_regex;  ///< gitleaks `path`, or null
  int secret_group = -1;            ///< -1: first participating group (whole match if none)
  std::size_t max_width = 0;        ///< longest possible match (bounded by the confirm window)
  bool hs_prefilter_mode = false;   ///< compiled with HS_FLAG_PREFILTER (unlike Rule::prefilter): RE2 decides
  /// A gitleaks path-only rule (a `path` and no `regex`): not in the Hyperscan database; a file
  /// whose path matches is itself the finding.
  bool path_only() const { return rule->regex.empty(); }
  /// Hyperscan rejects the regex even as a prefilter, but the rule has keywords: it is left out
  /// of the database, and RE2 searches whole blobs that contain one of its keywords.
  bool re2_only = false;
  std::vector<CaselessLiteral> keywords;  ///< for re2_only rules
};

/// A rule that could not be compiled, and why.
struct RejectedRule {
  std::string rule_id;
  std::string reason;
};

struct DatabaseOptions {
  std::string cache_dir;  ///< empty: no cache
};

/// Where the serialized database is cached by default ($SPRAWL_CACHE_DIR, $XDG_CACHE_HOME/sprawl
/// or ~/.cache/sprawl); empty when none can be determined.
std::string default_cache_dir();

class RuleDatabase {
 public:
  /// Compiles `rules`. Rules neither engine accepts are left out and listed in `rejected()`.
  static Result<std::unique_ptr<RuleDatabase>> build(std::vector<Rule> rules, const DatabaseOptions& options);
  ~RuleDatabase();
  RuleDatabase(const RuleDatabase&) = delete;
  RuleDatabase& operator=(const RuleDatabase&) = delete;

  /// Null when every rule is path-only (then there is nothing to scan content for).
  const hs_database_t* hyperscan() const { return m_database; }
  const std::vector<CompiledRule>& rules() const { return m_compiled; }
  const std::vector<RejectedRule>& rejected() const { return m_rejected; }
  /// Indices into rules() of the rules RE2 runs alone (see CompiledRule::re2_only).
  const std::vector<std::uint32_t>& re2_only_rules() const { return m_re2_only; }
  /// Indices into rules() of the path-only rules.
  const std::vector<std::uint32_t>& path_only_rules() const { return m_path_only; }
  /// The gitleaks keyword gate of the rules that require keywords.
  const KeywordGate& keyword_gate() const { return m_keyword_gate; }
  /// Hex digest of the rule set (patterns and compile flags); names the cache entry.
  const std::string& digest() const { return m_digest; }
  bool loaded_from_cache() const { return m_from_cache; }

 private:
  RuleDatabase() = default;
  void prepare_rules(bool validate_regexes);
  Status compile_hyperscan();
  bool load_cache(const std::string& path);
  void index_rules();
  void store_cache(const std::string& path) const;

  std::vector<Rule> m_rules;
  std::vector<CompiledRule> m_compiled;
  std::vector<RejectedRule> m_rejected;
  std::vector<std::uint32_t> m_path_only, m_re2_only;
  KeywordGate m_keyword_gate;
  hs_database_t* m_database = nullptr;
  std::string m_digest;
  bool m_from_cache = false;
};

/// Window used to confirm a rule whose longest match is unbounded.
inline constexpr std::size_t kUnboundedConfirmWindow = 16 * 1024;
/// Largest window for a bounded rule; a rule can be wider only in theory (RE2 caps repeats at 1000).
inline constexpr std::size_t kMaxConfirmWindow = 1024 * 1024;

}  // namespace sprawl
