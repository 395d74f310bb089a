// The order of an identity's locations: earliest introducing commit first (undated last), then
// path, line, rule and fingerprint. The identity builder and the datastore's loads both use it,
// so an identity lists its locations the same way however it was recorded.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <tuple>
#include <vector>

#include "sprawl/identity.h"

namespace sprawl {

/// Sorts as the location it describes; views into the arguments.
using FirstSeenKey = std::tuple<std::int64_t, std::string_view, std::uint32_t, std::string_view, std::string_view>;

/// The key of a location introduced at `commit_date` (ISO 8601; empty or unparsable: undated).
FirstSeenKey first_seen_key(std::string_view commit_date, std::string_view path, std::uint32_t line,
                            std::string_view rule_id, std::string_view fingerprint);

/// The indexes of `locations` in first-seen order (stable for equal keys).
std::vector<std::size_t> first_seen_order(std::span<const IdentityLocation> locations);

}  // namespace sprawl
