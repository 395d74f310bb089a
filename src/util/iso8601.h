// ISO 8601 UTC timestamps ("2026-11-29T02:31:31Z"), the one format sprawl writes times in.
#pragma once

#include <cstdint>
#include <string>

namespace sprawl {

/// `seconds` since the epoch as "YYYY-MM-DDTHH:MM:SSZ"; the number itself when out of range.
std::string iso8601_utc(std::int64_t seconds);

/// The current time, as iso8601_utc.
std::string iso8601_now();

}  // namespace sprawl
