// Identities and findings for the datastore tests, and raw SQLite access beside the Datastore.
#pragma once

#include <sqlite3.h>

#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sprawl/finding.h"
#include "sprawl/identity.h"
#include "sprawl/rule.h"
#include "src/store/location_list.h"

namespace sprawl::test {

/// A fake secret and its (fake, secret-free) fingerprint for credential `n`.
inline std::string fake_secret(int n) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "ghp_STORETEST%08dabcdefghijklmnopqrstu", n);
  return buffer;
}
inline std::string fake_fingerprint(int n) {
  char buffer[80];
  std::snprintf(buffer, sizeof buffer, "%064x", static_cast<unsigned>(n) * 2654435761u);
  return buffer;
}

inline const Rule& store_rule() {
  static const Rule rule = [] {
    Rule r;
    r.id = "github-pat";
    r.provider = "github";
    return r;
  }();
  return rule;
}

inline Finding make_finding(int n) {
  Finding finding;
  finding.rule = &store_rule();
  finding.secret = fake_secret(n);
  finding.fingerprint = fake_fingerprint(n);
  return finding;
}

inline IdentityLocation make_location(int n, const std::string& repository, const std::string& path,
                                      bool present = true, std::uint32_t line = 1) {
  IdentityLocation location;
  location.rule_id = "github-pat";
  location.fingerprint = fake_fingerprint(n);
  location.repository = repository;
  location.commit = "0123456789abcdef0123456789abcdef01234567";
  location.commit_date = "2024-05-01T10:00:00Z";
  location.author = "Alice <alice@example.com>";
  location.path = path;
  location.line = line;
  location.present = present;
  location.environment = "prod";
  return location;
}

/// Identity `n` with one part and the given locations.
inline Identity make_identity(int n, std::vector<IdentityLocation> locations, const std::string& first_seen,
                              const std::string& last_seen) {
  Identity identity;
  char id[32];
  std::snprintf(id, sizeof id, "%016x", static_cast<unsigned>(n) * 40503u + 0x1000u);
  identity.id = id;
  identity.provider = "github";
  identity.nhi_type = "api_key";
  identity.identifier = "bot-" + std::to_string(n);
  identity.attributes = {{"login", "bot-" + std::to_string(n)}};
  identity.fingerprints = {fake_fingerprint(n)};
  identity.locations = std::move(locations);
  identity.first_seen = first_seen;
  identity.last_seen = last_seen;
  for (const auto& location : identity.locations) identity.present = identity.present || location.present;
  identity.environments = {"prod"};
  identity.owner = IdentityOwner{"@org/platform", "codeowners"};
  identity.risk = 50 + n % 50;
  identity.risk_reasons = {"leaked in git history"};
  identity.policies = {{"NHI2", "leaked", "found in 1 location"}};
  return identity;
}

/// A raw connection beside the Datastore's, for what sprawl itself must never do.
class RawDb {
 public:
  explicit RawDb(const std::string& path) { sqlite3_open(path.c_str(), &m_db); }
  ~RawDb() { sqlite3_close(m_db); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  int exec(const std::string& sql) { return sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, nullptr); }
  long long integer(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    long long value = -1;
    if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
      value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
  }
  std::string text(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string value;
    if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
      if (const auto* bytes = sqlite3_column_text(stmt, 0)) value = reinterpret_cast<const char*>(bytes);
    sqlite3_finalize(stmt);
    return value;
  }
  /// Every stored location with its part's key (identity_parts rows matching `where`, in key
  /// order); nullopt when a part's packed list cannot be decoded.
  std::optional<std::vector<std::pair<long long, store::LocationValues>>> locations(const std::string& where = "") {
    sqlite3_stmt* stmt = nullptr;
    std::vector<std::pair<long long, store::LocationValues>> out;
    std::vector<store::LocationValues> decoded;
    bool ok = sqlite3_prepare_v2(m_db, ("SELECT key, locations FROM identity_parts " + where + " ORDER BY key").c_str(),
                                 -1, &stmt, nullptr) == SQLITE_OK;
    while (ok && sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt, 1));
      decoded.clear();
      ok = store::decode_locations(
          bytes ? std::string_view(bytes, static_cast<std::size_t>(sqlite3_column_bytes(stmt, 1))) : std::string_view(),
          decoded);
      for (const auto& location : decoded) out.emplace_back(sqlite3_column_int64(stmt, 0), location);
    }
    sqlite3_finalize(stmt);
    if (!ok) return std::nullopt;
    return out;
  }

 private:
  sqlite3* m_db = nullptr;
};

}  // namespace sprawl::test
