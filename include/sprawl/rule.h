// Rule and Allowlist: one detection rule as loaded from a rules/*.toml or gitleaks config file.
#pragma once

#include <string>
#include <vector>

namespace sprawl {

enum class Severity { info, low, medium, high, critical };
enum class Confidence { low, medium, high };

/// What an allow-list's `regexes` are matched against (gitleaks `regexTarget`).
enum class RegexTarget { secret, match, line };

/// A gitleaks-style allow-list, global or attached to one rule. A match is allowed when any
/// listed condition holds (or all of them, with `condition = "AND"`).
struct Allowlist {
  std::string description;
  std::vector<std::string> paths;      ///< regexes on the path relative to the scan root
  std::vector<std::string> regexes;    ///< regexes on the secret, match or line
  std::vector<std::string> stopwords;  ///< the secret contains one of these (case-insensitive)
  std::vector<std::string> commits;    ///< git commit ids (full, or a prefix of 7+ digits)
  RegexTarget regex_target = RegexTarget::secret;
  bool require_all = false;               ///< gitleaks `condition = "AND"`
  std::vector<std::string> target_rules;  ///< gitleaks `targetRules`: a global list for these rules only
};

/// One detection rule.
struct Rule {
  std::string id;
  std::string description;
  std::string regex;  ///< Hyperscan ∩ RE2 dialect
  /// Optional cheaper pattern Hyperscan runs instead of `regex` (sprawl extension). Every place
  /// where a `regex` match ends must also end a `prefilter` match, e.g. `regex` with its
  /// leading context dropped; RE2 then confirms with `regex` itself.
  std::string prefilter;
  int secret_group = -1;  ///< -1: first group if any, else the whole match
  std::vector<std::string> keywords;
  /// gitleaks keyword gate: the rule applies only to a blob containing one of `keywords`
  /// (ignoring ASCII case). Set for rules from a user config; built-in rules are not gated.
  bool keywords_required = false;
  double entropy = 0.0;  ///< minimum Shannon entropy of the secret
  std::string provider = "generic";
  std::string nhi_type = "api_key";
  Severity severity = Severity::medium;
  Confidence confidence = Confidence::medium;
  std::string path_regex;  ///< gitleaks `path`: the rule applies only to matching paths; with no
                           ///< `regex`, a matching file is itself the finding (a path-only rule)
  std::vector<std::string> tags;
  /// The validity tier the rule supports (sprawl extension): "none", "offline" (a structural
  /// check: checksum, key parsing, JWT claims) or "live" (a provider check with --validate).
  /// Empty for user rules that do not say.
  std::string validation;
  std::vector<std::string> examples;
  std::vector<std::string> negative_examples;
  std::vector<Allowlist> allowlists;
  std::string source;  ///< file the rule came from, for error messages
  bool builtin = false;  ///< one of sprawl's own rules (rules/*.toml, embedded)
};

const char* to_string(Severity severity);
const char* to_string(Confidence confidence);

}  // namespace sprawl
