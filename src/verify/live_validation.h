// Live validation of a scan's findings (--validate): each distinct credential that has a
// validator is checked once with its provider (or answered from the cache), on a small pool of
// threads, and the answer is written into every finding of that credential.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sprawl/finding.h"

namespace sprawl::verify {

struct ValidationOptions {
  std::chrono::milliseconds timeout{10000};  ///< per request (connect included)
  unsigned concurrency = 8;                  ///< checks in flight at once
  double rate_per_second = 10.0;             ///< per provider
  unsigned retries = 2;
  std::chrono::milliseconds backoff{500};
  std::int64_t cache_ttl = 86400;  ///< seconds; 0: neither read nor written
  std::string cache_path;          ///< "" : no cache
  std::map<std::string, std::string> endpoints;  ///< config `[validation.endpoints]`
  std::string ca_file;  ///< extra trusted CAs (SPRAWL_CA_BUNDLE)
};

struct ValidationSummary {
  bool ran = false;
  std::uint64_t credentials = 0;  ///< distinct credentials with a validator
  std::uint64_t valid = 0, invalid = 0, unknown = 0;
  std::uint64_t cached = 0;         ///< of those, answered from the cache
  std::uint64_t not_checked = 0;    ///< distinct credentials no validator covers (or disproved offline)
  double seconds = 0.0;
};

/// Checks `findings` live and records the answers in their `validity` (status valid / invalid /
/// unknown, method "live", identity merged after the offline one). `note` receives one-line
/// warnings (the cache could not be written). Never throws; a validator that fails gives unknown.
ValidationSummary validate_findings(std::vector<Finding>& findings, const ValidationOptions& options,
                                    const std::function<void(const std::string&)>& note);

/// Removes every occurrence of `secret` from `text` (a reason or identity value a provider echoed).
std::string without_secret(std::string text, const std::string& secret);

}  // namespace sprawl::verify
