// Datastore: the SQLite file `--datastore PATH` names — opening it safely (locks, versions,
// corruption) and the queries the inventory commands ask of it. Writing a scan: ScanRecorder.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sprawl/identity.h"
#include "sprawl/result.h"

struct sqlite3;

namespace sprawl::store {

enum class OpenMode {
  read_only,   ///< the file must exist and be at our schema version; nothing is written
  read_write,  ///< created when missing (its directory must exist), migrated when older
};

struct OpenOptions {
  OpenMode mode = OpenMode::read_write;
  /// How long a writer waits for another sprawl's write transaction before giving up.
  int busy_timeout_ms = 10'000;
  /// Run PRAGMA quick_check on open (O(size); a corrupt file is then refused up front).
  bool quick_check = true;
};

/// One credential part of an identity as stored: never the secret unless --store-secrets.
struct StoredPart {
  std::string fingerprint;
  std::string rule_id;
  std::string preview;  ///< redacted ("ghp_…(40)")
  std::optional<std::string> secret;
};

/// What the datastore knows of a location besides the IdentityLocation itself: the scan input it
/// was found under and the scans that first and last saw it.
struct StoredLocation {
  std::string target;
  std::int64_t first_seen_scan = 0, last_seen_scan = 0;
};

enum class TriageStatus { revoked, rotated, false_positive, accepted_risk };
const char* to_string(TriageStatus status);
std::optional<TriageStatus> parse_triage_status(std::string_view text);

struct Triage {
  TriageStatus status = TriageStatus::accepted_risk;
  std::string note;
  std::string at;  ///< ISO 8601
};

/// An identity with everything the datastore keeps about it across scans.
struct StoredIdentity {
  Identity identity;  ///< locations: all ever seen, present or not
  std::vector<StoredPart> parts;
  std::vector<StoredLocation> locations;  ///< one per identity.locations entry, in the same order
  std::optional<Triage> triage;           ///< the latest triage decision
  std::int64_t first_seen_scan = 0, last_seen_scan = 0;
  std::optional<std::int64_t> absent_since_scan;  ///< the scan that found it no longer present
};

struct ScanCounts {
  std::int64_t findings = 0, identities = 0, locations = 0, new_identities = 0;
};

/// One recorded scan.
struct ScanRecord {
  std::int64_t id = 0;
  std::string started_at, finished_at;  ///< ISO 8601; finished_at empty while incomplete
  bool complete = false;
  std::vector<std::string> targets;
  std::vector<std::pair<std::string, std::string>> head_commits;  ///< repository, HEAD commit
  std::string sprawl_version, rules_digest;
  ScanCounts counts;
};

/// What changed since a scan: identities first recorded after it, and identities that were there
/// at that scan and are no longer present.
struct IdentityDiff {
  std::int64_t since_scan = 0;
  std::vector<StoredIdentity> added, resolved;
};

class Datastore {
 public:
  /// Opens (or creates) the datastore at `path`. Refuses — without writing a byte — a file that
  /// is not SQLite, fails quick_check, or was written by a newer sprawl (both versions named).
  static Result<std::unique_ptr<Datastore>> open(const std::string& path, const OpenOptions& options = {});
  ~Datastore();
  Datastore(const Datastore&) = delete;
  Datastore& operator=(const Datastore&) = delete;

  const std::string& path() const { return m_path; }
  bool read_only() const { return m_read_only; }
  /// The connection, for ScanRecorder and tests. Owned by the Datastore.
  sqlite3* connection() const { return m_db; }

  /// Every identity with its parts, locations and latest triage, by descending risk then id.
  Result<std::vector<StoredIdentity>> load_identities() const;
  /// The identity whose id is `id_or_prefix` or starts with it; an error when none or several.
  Result<StoredIdentity> find_identity(const std::string& id_or_prefix) const;
  /// Every scan, oldest first.
  Result<std::vector<ScanRecord>> scans() const;
  /// The latest complete scan started at or before `date` (ISO 8601 prefix comparison).
  Result<std::int64_t> scan_at_or_before(const std::string& date) const;
  /// New and resolved identities since scan `scan_id` (which must exist).
  Result<IdentityDiff> diff_since(std::int64_t scan_id) const;
  /// Records a triage decision (kept across rescans; the latest one counts).
  Status set_triage(const std::string& id_or_prefix, const Triage& triage);

 private:
  Datastore(std::string path, sqlite3* db, bool read_only)
      : m_path(std::move(path)), m_db(db), m_read_only(read_only) {}
  Result<std::vector<StoredIdentity>> load_where(const std::string& where, std::int64_t bind) const;
  Result<std::int64_t> identity_key(const std::string& id_or_prefix) const;

  std::string m_path;
  sqlite3* m_db = nullptr;
  bool m_read_only = false;
  bool m_wal_at_close = false;  ///< created by this open: switched to WAL when closed
};

}  // namespace sprawl::store
