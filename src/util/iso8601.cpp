// iso8601_utc / iso8601_now: gmtime_r + strftime, bounded to years 1–9999.
#include "src/util/iso8601.h"

#include <array>
#include <ctime>

namespace sprawl {

std::string iso8601_utc(std::int64_t seconds) {
  if (seconds < -62135596800LL || seconds > 253402300799LL) return std::to_string(seconds);
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return std::to_string(seconds);
  std::array<char, 32> buf{};
  const std::size_t n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return n == 0 ? std::to_string(seconds) : std::string(buf.data(), n);
}

std::string iso8601_now() { return iso8601_utc(static_cast<std::int64_t>(std::time(nullptr))); }

}  // namespace sprawl
