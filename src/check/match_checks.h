// The content checks every match passes before it can become a finding: the secret's entropy
// against the rule's threshold, and the placeholder filter.
#pragma once

#include <cstdint>

#include "sprawl/match.h"
#include "src/match/rule_database.h"

namespace sprawl {

/// Counts of matches dropped, by the check that dropped them.
struct DropCounts {
  std::uint64_t entropy = 0, placeholder = 0, allowlist = 0, binary_cap = 0;
  std::uint64_t checksum = 0;  ///< tokens whose format checksum fails (GitHub, npm)
  DropCounts& operator+=(const DropCounts& other) {
    checksum += other.checksum;
    entropy += other.entropy;
    placeholder += other.placeholder;
    allowlist += other.allowlist;
    binary_cap += other.binary_cap;
    return *this;
  }
};

enum class CheckVerdict { keep, low_entropy, placeholder };

/// Fills `match.entropy` and decides whether the match is worth reporting.
CheckVerdict check_match(const CompiledRule& rule, Match& match);

}  // namespace sprawl
