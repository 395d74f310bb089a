// Risk: a 0–100 score per identity, every point of it explained by a reason.
#pragma once

#include <string>
#include <vector>

#include "sprawl/identity.h"
#include "sprawl/rule.h"

namespace sprawl {

struct RiskInputs {
  std::string now;         ///< ISO 8601: ages are counted up to here
  int max_age_days = 365;  ///< the long-lived threshold (as for NHI7)
};

struct RiskScore {
  int score = 0;                     ///< 0–100
  std::vector<std::string> reasons;  ///< one per contribution, "valid: the provider accepted it (+40)"
};

/// Scores an identity whose policies are already evaluated: validity weighs most (valid 40,
/// unknown or unchecked 15, dead 0), then severity (up to 15), exposure (present 10, history
/// only 4), age (over the maximum 10, over 90 days 5), prod 10, over-privilege 10, reuse 8,
/// image layers 5, offboarded owner 5, human use 4. Capped at 100.
RiskScore score_risk(const Identity& identity, Severity severity, const RiskInputs& inputs);

}  // namespace sprawl
