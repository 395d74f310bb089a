// What a live check of one credential says: valid, invalid or unknown, why, and the identity
// the provider returned. Also the credential as a validator sees it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sprawl::verify {

enum class LiveStatus {
  valid,    ///< the provider accepted the credential
  invalid,  ///< the provider rejected it (revoked, wrong, deleted)
  unknown,  ///< no answer that says either: network error, rate limit, unexpected response
};
const char* to_string(LiveStatus status);  ///< "valid", "invalid", "unknown"

/// Non-secret facts the provider returned, in order: ("login", "octocat"), ("scopes", "repo").
using Identity = std::vector<std::pair<std::string, std::string>>;

struct LiveResult {
  LiveStatus status = LiveStatus::unknown;
  std::string reason;  ///< one line, never holding the secret ("HTTP 401 Bad credentials", …)
  Identity identity;
  int http_status = 0;  ///< the last HTTP status seen, 0 when none (or not HTTP)

  static LiveResult valid(std::string reason, Identity identity = {}, int http_status = 0) {
    return {LiveStatus::valid, std::move(reason), std::move(identity), http_status};
  }
  static LiveResult invalid(std::string reason, int http_status = 0) {
    return {LiveStatus::invalid, std::move(reason), {}, http_status};
  }
  static LiveResult unknown(std::string reason, int http_status = 0) {
    return {LiveStatus::unknown, std::move(reason), {}, http_status};
  }
};

/// One credential to check: the secret of a finding, and what surrounds it for credentials in
/// several parts (an AWS key id before its secret, a Twilio account SID, a Shopify shop domain).
struct Credential {
  std::string rule_id;
  std::string provider;  ///< the rule's provider ("github", "aws", …)
  std::string secret;
  std::string match_text;  ///< the rule's whole match (a key's BEGIN/END lines, a URI)
  std::string context;     ///< the text around the match (up to 1 KiB each side)
  Identity offline;        ///< identifiers the offline checks found (account_id, client_email, …)

  /// The offline identity value for `key`, or "".
  std::string_view offline_value(std::string_view key) const {
    for (const auto& [k, v] : offline)
      if (k == key) return v;
    return {};
  }
};

}  // namespace sprawl::verify
