// The first-seen order of an identity's locations.
#include "src/inventory/location_order.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "src/inventory/policies.h"

namespace sprawl {

FirstSeenKey first_seen_key(std::string_view commit_date, std::string_view path, std::uint32_t line,
                            std::string_view rule_id, std::string_view fingerprint) {
  const auto when = commit_date.empty() ? std::nullopt : parse_iso8601(commit_date);
  return {when.value_or(std::numeric_limits<std::int64_t>::max()), path, line, rule_id, fingerprint};
}

std::vector<std::size_t> first_seen_order(std::span<const IdentityLocation> locations) {
  std::vector<FirstSeenKey> keys;
  keys.reserve(locations.size());
  for (const auto& l : locations)
    keys.push_back(first_seen_key(l.commit_date, l.path, l.line, l.rule_id, l.fingerprint));
  std::vector<std::size_t> order(locations.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
  return order;
}

}  // namespace sprawl
