// OWASP NHI Top 10 (2025) policies judged on one identity: each flag carries one line of evidence.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sprawl/identity.h"

namespace sprawl {

/// What the policies need besides the identity itself.
struct PolicyInputs {
  std::string now;                   ///< ISO 8601: ages are counted up to here
  int max_age_days = 365;            ///< NHI7: older than this (strictly) is long-lived
  std::set<std::string> offboarded;  ///< NHI1: owners marked as gone (as declared owners are named)
};

/// Seconds since the epoch of an ISO 8601 time ("2024-05-01", "2024-05-01T10:00:00Z",
/// "…+02:00", fractional seconds ignored); nullopt when it does not read as one.
std::optional<std::int64_t> parse_iso8601(std::string_view text);

/// Whole days from `since` to `now` (negative when `since` is later); nullopt if either is unreadable.
std::optional<std::int64_t> age_in_days(std::string_view since, std::string_view now);

/// Every policy the identity breaks, in NHI order. NHI2 (leaked) is always there.
std::vector<PolicyFlag> evaluate_policies(const Identity& identity, const PolicyInputs& inputs);

/// NHI7: first seen more than max_age_days ago, and valid or not known to be dead.
std::optional<PolicyFlag> check_long_lived(const Identity& identity, const PolicyInputs& inputs);
/// NHI9: the same credential in more than one repository, image or service directory.
std::optional<PolicyFlag> check_reused(const Identity& identity);
/// NHI8: locations in prod and in a non-prod environment.
std::optional<PolicyFlag> check_cross_environment(const Identity& identity);
/// NHI5: validation reported admin or write-all rights (see the table in policies.cpp).
std::optional<PolicyFlag> check_over_privileged(const Identity& identity);
/// NHI10: found in a personal dotfile or shell history.
std::optional<PolicyFlag> check_human_use(const Identity& identity);
/// NHI1: valid, and its declared owner is marked offboarded.
std::optional<PolicyFlag> check_offboarded(const Identity& identity, const PolicyInputs& inputs);

/// The place a location belongs to for NHI9: its image, else its repository, plus the service
/// directory (`services/<name>`, `apps/<name>`, …) when the path has one.
std::string reuse_place(const IdentityLocation& location);

/// A personal file of a human user: shell history, `.netrc`, `.git-credentials`, or
/// `.aws/credentials` under a home directory (`home/<user>/`, `Users/<user>/`, `root/`).
bool is_personal_credential_path(std::string_view path);

/// Whether a validity status means the credential may still work: valid, unknown, an offline
/// format check only, or not checked at all.
bool may_still_work(std::string_view validity);

}  // namespace sprawl
