// Offline validity of a match: picks the checks that apply to a rule's secret (checksums, key
// parsing, JWT claims, AWS key ids, connection strings, service-account JSON) and runs them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "sprawl/rule.h"
#include "src/check/offline/token_checks.h"

namespace sprawl::offline {

/// The offline check for `secret` found by `rule` (`match_text`: the whole regex match, which
/// holds a key's BEGIN/END lines or a JSON document's other fields; `line`: the line holding the
/// secret, where a connection URI is read whole); nullopt when no check applies. `now`: seconds
/// since the epoch, for expiry.
std::optional<CheckResult> check_offline(const Rule& rule, std::string_view secret, std::string_view match_text,
                                         std::string_view line, std::int64_t now);

/// Whether `result` proves that the match cannot be a credential at all — a GitHub or npm token
/// whose checksum fails — so that it is dropped rather than reported as invalid_format.
bool disproves(const Rule& rule, const CheckResult& result);

}  // namespace sprawl::offline
