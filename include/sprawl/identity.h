// Identity: one non-human identity (NHI) in the inventory — one credential, however many parts
// and places it has — with where it was seen, since when, whose it is, whether it still works,
// the OWASP NHI policies it breaks and a risk score. Built from findings by src/inventory/,
// kept across scans by src/store/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sprawl {

/// One place a credential was seen (one finding's location).
struct IdentityLocation {
  std::string rule_id;
  std::string fingerprint;  ///< the finding's fingerprint (rule id + secret): never the secret
  std::string repository;   ///< git repository as scanned; empty for plain files and images
  std::string commit;       ///< the introducing commit, for history findings
  std::string commit_date;  ///< ISO 8601, the introducing commit's author date
  std::string author;       ///< "Name <email>" of the introducing commit
  std::string path;         ///< as reported (archive members joined with "!/", image paths with "@")
  std::uint32_t line = 0;
  std::string image, layer_digest;  ///< container image findings
  std::vector<std::string> archive_members;
  /// Still there: in HEAD / the work tree / the final image filesystem / a plain file; false
  /// when only in history, a deleted layer or an unreachable object.
  bool present = true;
  std::string environment;  ///< "prod", "staging", "dev", "test" or "" (see environment inference)
};

/// Who answers for an identity, and how sprawl knows.
struct IdentityOwner {
  std::string name;    ///< "@org/team", "alice@example.com", …
  std::string source;  ///< "declared", "codeowners", "commit_author"
};

/// An OWASP NHI Top 10 (2025) policy an identity breaks, with the evidence.
struct PolicyFlag {
  std::string id;        ///< "NHI2", "NHI7", …
  std::string name;      ///< "leaked", "long-lived", "reused", "cross-environment", …
  std::string evidence;  ///< one line
};

struct Identity {
  /// Stable id: hex SHA-256 over the fingerprints of its parts (sorted), first 16 characters.
  std::string id;
  std::string provider;  ///< the rules' provider ("aws", "github", …)
  std::string nhi_type;  ///< the rules' nhi_type ("api_key", "service_account", …)
  /// The non-secret name of the credential: an AWS key id, a service-account e-mail, a token's
  /// owner login (when validated), a key fingerprint, a JWT iss/sub, user@host of a database.
  std::string identifier;
  std::vector<std::pair<std::string, std::string>> attributes;  ///< every identity fact found (account_id, scopes, …)
  std::vector<std::string> fingerprints;  ///< of every part (an AWS key id and its secret: two)
  std::vector<IdentityLocation> locations;
  std::string first_seen;  ///< ISO 8601: the earliest introducing commit, else the scan time
  std::string last_seen;   ///< ISO 8601: the latest scan that found it
  bool present = false;    ///< any location still present
  std::string validity;    ///< "valid", "invalid", "unknown", "format_valid", … or "" (not checked)
  std::string validity_checked_at;
  std::vector<std::string> environments;  ///< distinct environments of its locations
  std::optional<IdentityOwner> owner;
  int risk = 0;  ///< 0–100
  std::vector<std::string> risk_reasons;
  std::vector<PolicyFlag> policies;
};

}  // namespace sprawl
