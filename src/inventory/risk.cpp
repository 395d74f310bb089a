// Risk scoring: additive points with a reason each, capped at 100.
#include "src/inventory/risk.h"

#include <algorithm>

#include "src/inventory/policies.h"

namespace sprawl {
namespace {

struct Tally {
  RiskScore result;
  void add(int points, std::string_view why) {
    if (points <= 0) return;
    result.score += points;
    const std::string added = std::to_string(points);
    std::string& reason = result.reasons.emplace_back();
    reason.reserve(why.size() + added.size() + 4);
    reason.append(why).append(" (+").append(added).append(")");
  }
};

bool has_policy(const Identity& identity, std::string_view id) {
  return std::any_of(identity.policies.begin(), identity.policies.end(),
                     [&](const PolicyFlag& flag) { return flag.id == id; });
}

void score_validity(const Identity& identity, Tally& tally) {
  const std::string& v = identity.validity;
  if (v == "valid")
    tally.add(40, "valid: the provider accepted it");
  else if (v == "unknown")
    tally.add(15, "validity unknown: the provider could not tell");
  else if (v == "format_valid")
    tally.add(15, "well-formed, not checked live");
  else if (v.empty())
    tally.add(15, "validity not checked");
}

void score_severity(Severity severity, Tally& tally) {
  switch (severity) {
    case Severity::critical:
      tally.add(15, "critical rule");
      break;
    case Severity::high:
      tally.add(10, "high-severity rule");
      break;
    case Severity::medium:
      tally.add(6, "medium-severity rule");
      break;
    case Severity::low:
      tally.add(3, "low-severity rule");
      break;
    case Severity::info:
      break;
  }
}

void score_exposure(const Identity& identity, Tally& tally) {
  if (identity.present)
    tally.add(10, "still present (HEAD, final image or file)");
  else
    tally.add(4, "in history or a deleted layer only");
  const bool in_image = std::any_of(identity.locations.begin(), identity.locations.end(),
                                    [](const IdentityLocation& l) { return !l.image.empty(); });
  if (in_image) tally.add(5, "in a container image layer (shipped to registries)");
}

void score_age(const Identity& identity, const RiskInputs& inputs, Tally& tally) {
  const auto age = age_in_days(identity.first_seen, inputs.now);
  if (!age) return;
  if (*age > inputs.max_age_days)
    tally.add(10, "exposed " + std::to_string(*age) + " days");
  else if (*age > 90)
    tally.add(5, "exposed " + std::to_string(*age) + " days");
}

}  // namespace

RiskScore score_risk(const Identity& identity, Severity severity, const RiskInputs& inputs) {
  Tally tally;
  score_validity(identity, tally);
  score_severity(severity, tally);
  score_exposure(identity, tally);
  score_age(identity, inputs, tally);
  const auto& envs = identity.environments;
  if (std::find(envs.begin(), envs.end(), "prod") != envs.end()) tally.add(10, "in a prod location");
  if (has_policy(identity, "NHI5")) tally.add(10, "over-privileged (NHI5)");
  if (has_policy(identity, "NHI9")) tally.add(8, "reused across places (NHI9)");
  if (has_policy(identity, "NHI1")) tally.add(5, "owner offboarded (NHI1)");
  if (has_policy(identity, "NHI10")) tally.add(4, "in a personal file (NHI10)");
  tally.result.score = std::min(tally.result.score, 100);
  return std::move(tally.result);
}

}  // namespace sprawl
