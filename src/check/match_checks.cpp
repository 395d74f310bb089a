// Entropy and placeholder checks on a confirmed match.
#include "src/check/match_checks.h"

#include "src/check/entropy.h"
#include "src/check/placeholder.h"

namespace sprawl {

CheckVerdict check_match(const CompiledRule& rule, Match& match) {
  match.entropy = shannon_entropy(match.secret);
  if (match.entropy < rule.rule->entropy) return CheckVerdict::low_entropy;
  if (placeholder_reason(match.secret) != nullptr) return CheckVerdict::placeholder;
  return CheckVerdict::keep;
}

}  // namespace sprawl
