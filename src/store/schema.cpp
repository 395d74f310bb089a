// The datastore schema, version by version, and the SQLite statement helpers.
#include "src/store/schema.h"

#include <sqlite3.h>

#include <array>
#include <string>
#include <vector>

#include "src/store/location_list.h"

namespace sprawl::store {
namespace {

// Version 1. Repeated long strings (repositories, paths, authors, commits, images, rule ids) live
// once in `strings` and are referenced by integer id: a location row is a dozen small integers,
// which keeps a million locations far under 500 MB. Empty strings are stored as an id too (never
// NULL), so the UNIQUE natural key of `locations` holds (SQLite treats NULLs as distinct).
// Secondary indexes only where a query reads them: each costs a B-tree update per row recorded.
// Filters by provider, owner and risk run over the loaded identities, and marking absent
// locations reads `locations` once per scan (benchmarks/bench_inventory.py measured both).
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE strings (
  id INTEGER PRIMARY KEY,
  value TEXT NOT NULL UNIQUE
);
CREATE TABLE scans (
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('incomplete', 'complete')),
  targets TEXT NOT NULL,        -- JSON array of the inputs as given
  head_commits TEXT NOT NULL,   -- JSON object: repository -> HEAD commit
  sprawl_version TEXT NOT NULL,
  rules_digest TEXT NOT NULL,
  findings INTEGER NOT NULL DEFAULT 0,
  identities INTEGER NOT NULL DEFAULT 0,
  locations INTEGER NOT NULL DEFAULT 0,
  new_identities INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE identities (
  key INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,      -- Identity::id
  provider TEXT NOT NULL,
  nhi_type TEXT NOT NULL,
  identifier TEXT NOT NULL,
  attributes TEXT NOT NULL,     -- JSON array of [name, value]
  environments TEXT NOT NULL,   -- JSON array
  first_seen TEXT NOT NULL,     -- ISO 8601, the earliest ever recorded
  last_seen TEXT NOT NULL,
  first_seen_scan INTEGER NOT NULL REFERENCES scans(id),
  last_seen_scan INTEGER NOT NULL REFERENCES scans(id),
  present INTEGER NOT NULL,
  absent_since_scan INTEGER REFERENCES scans(id),  -- the scan that found it no longer present
  validity TEXT NOT NULL,
  validity_checked_at TEXT NOT NULL,
  owner TEXT,
  owner_source TEXT,
  risk INTEGER NOT NULL,
  risk_reasons TEXT NOT NULL,   -- JSON array
  policies TEXT NOT NULL        -- JSON array of {id, name, evidence}
);
CREATE INDEX identities_by_first_scan ON identities(first_seen_scan);
CREATE TABLE identity_parts (
  key INTEGER PRIMARY KEY,
  identity INTEGER NOT NULL REFERENCES identities(key) ON DELETE CASCADE,
  fingerprint TEXT NOT NULL,
  rule_id INTEGER NOT NULL REFERENCES strings(id),
  preview TEXT NOT NULL,        -- redacted: "ghp_…(40)"
  secret TEXT,                  -- the raw secret: only ever written with --store-secrets
  UNIQUE (identity, fingerprint)
);
CREATE TABLE locations (  -- string columns are ids into `strings` (no FK: checked on every insert)
  key INTEGER PRIMARY KEY,
  part INTEGER NOT NULL REFERENCES identity_parts(key) ON DELETE CASCADE,
  repository INTEGER NOT NULL,
  commit_id INTEGER NOT NULL,
  commit_date INTEGER NOT NULL,
  author INTEGER NOT NULL,
  path INTEGER NOT NULL,
  line INTEGER NOT NULL,
  image INTEGER NOT NULL,
  layer_digest INTEGER NOT NULL,
  members INTEGER NOT NULL,  -- archive members joined with "!/"
  target INTEGER NOT NULL,   -- the scan input it was found under
  environment INTEGER NOT NULL,
  present INTEGER NOT NULL,
  first_seen_scan INTEGER NOT NULL REFERENCES scans(id),
  last_seen_scan INTEGER NOT NULL REFERENCES scans(id),
  UNIQUE (part, repository, commit_id, path, line, image, layer_digest, members)
);
CREATE TABLE triage (
  key INTEGER PRIMARY KEY,
  identity INTEGER NOT NULL REFERENCES identities(key) ON DELETE CASCADE,
  status TEXT NOT NULL CHECK (status IN ('revoked', 'rotated', 'false_positive', 'accepted_risk')),
  note TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX triage_by_identity ON triage(identity, key);
)sql";

// Version 2: `locations` keyed by its natural key WITHOUT ROWID. Version 1 kept a rowid table
// beside a UNIQUE index on the same columns: every location recorded was two B-tree inserts,
// now one (about 14% of recording a location, 11% of the file). Loads order each identity's
// locations themselves (earliest first), so nothing needs the rowid's insertion order.
constexpr std::string_view kSchemaV2 = R"sql(
CREATE TABLE locations_v2 (  -- string columns are ids into `strings` (no FK: checked on every insert)
  part INTEGER NOT NULL REFERENCES identity_parts(key) ON DELETE CASCADE,
  repository INTEGER NOT NULL,
  commit_id INTEGER NOT NULL,
  commit_date INTEGER NOT NULL,
  author INTEGER NOT NULL,
  path INTEGER NOT NULL,
  line INTEGER NOT NULL,
  image INTEGER NOT NULL,
  layer_digest INTEGER NOT NULL,
  members INTEGER NOT NULL,  -- archive members joined with "!/"
  target INTEGER NOT NULL,   -- the scan input it was found under
  environment INTEGER NOT NULL,
  present INTEGER NOT NULL,
  first_seen_scan INTEGER NOT NULL REFERENCES scans(id),
  last_seen_scan INTEGER NOT NULL REFERENCES scans(id),
  PRIMARY KEY (part, repository, commit_id, path, line, image, layer_digest, members)
) WITHOUT ROWID;
INSERT INTO locations_v2
  SELECT part, repository, commit_id, commit_date, author, path, line, image, layer_digest, members, target,
         environment, present, first_seen_scan, last_seen_scan
  FROM locations;
DROP TABLE locations;
ALTER TABLE locations_v2 RENAME TO locations;
)sql";

// Version 3: each part's locations packed into its identity_parts row (src/store/location_list:
// 14 varints per location). A location row of its own was one B-tree insert and a dozen columns
// of record work: about 60% of recording a scan, and 46 of 257 MiB of the file. A part's list
// is read and written whole (a rescan merges into it; marking absent and presence run over the
// decoded lists), so `locations` goes. SQL cannot write varints: pack_locations converts.
constexpr std::string_view kSchemaV3 = R"sql(
ALTER TABLE identity_parts ADD COLUMN locations BLOB NOT NULL DEFAULT x'';
)sql";
constexpr std::string_view kSchemaV3Done = "DROP TABLE locations;";

// Fills each part's `locations` column from the v2 `locations` table (read in key order: by part).
Status pack_locations(sqlite3* db, const std::string& path) {
  Statement rows(db,
                 "SELECT part, repository, commit_id, commit_date, author, path, line, image, layer_digest, members, "
                 "target, environment, present, first_seen_scan, last_seen_scan FROM locations ORDER BY part");
  Statement update(db, "UPDATE identity_parts SET locations = ?2 WHERE key = ?1");
  if (!rows.prepared() || !update.prepared()) return sqlite_error(db, path, "datastore");
  std::string blob;
  std::int64_t part = 0;
  const auto write = [&] {
    if (blob.empty()) return true;
    update.reset();
    update.bind(1, part).bind_blob_borrowed(2, blob);
    const bool done = update.step() == SQLITE_DONE;
    blob.clear();
    return done;
  };
  int rc;
  while ((rc = rows.step()) == SQLITE_ROW) {
    if (rows.integer(0) != part && !write()) return sqlite_error(db, path, "datastore");
    part = rows.integer(0);
    LocationValues location;
    for (std::size_t column = 0; column < kLocationColumns; ++column)
      location[column] = rows.integer(static_cast<int>(column) + 1);
    append_location(blob, location);
  }
  if (rc != SQLITE_DONE || !write()) return sqlite_error(db, path, "datastore");
  return Ok{};
}

// One step from user_version N - 1 to N: SQL, then (optionally) a conversion in C++, then SQL.
struct Migration {
  std::string_view sql;
  Status (*convert)(sqlite3* db, const std::string& path) = nullptr;
  std::string_view after;
};

// Index i migrates user_version i to i + 1.
const std::array<Migration, kSchemaVersion> kMigrations = {Migration{kSchemaV1, nullptr, {}},
                                                           Migration{kSchemaV2, nullptr, {}},
                                                           Migration{kSchemaV3, pack_locations, kSchemaV3Done}};

Status run_migration(sqlite3* db, const std::string& path, const Migration& migration) {
  if (auto done = exec(db, path, migration.sql); !done) return done;
  if (migration.convert)
    if (auto done = migration.convert(db, path); !done) return done;
  if (!migration.after.empty()) return exec(db, path, migration.after);
  return Ok{};
}

}  // namespace

std::string_view schema_migration(int version) {
  return version >= 1 && version <= kSchemaVersion ? kMigrations[static_cast<std::size_t>(version - 1)].sql : "";
}

Error sqlite_error(sqlite3* db, const std::string& path, std::string_view what) {
  int code = sqlite3_errcode(db);
  if (code == SQLITE_BUSY) {
    int waited_ms = 0;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA busy_timeout", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
      waited_ms = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    std::string waited =
        waited_ms % 1000 == 0 ? std::to_string(waited_ms / 1000) + " s" : std::to_string(waited_ms) + " ms";
    return Error{path + ": datastore is locked by another sprawl (waited " + waited + ")"};
  }
  std::string message = path + ": " + std::string(what) + ": " + sqlite3_errmsg(db);
  if (code == SQLITE_FULL) message += " (disk or quota full)";
  return Error{message};
}

Status exec(sqlite3* db, const std::string& path, std::string_view sql) {
  std::string text(sql);
  if (sqlite3_exec(db, text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
    return sqlite_error(db, path, "datastore");
  return Ok{};
}

Result<int> schema_version(sqlite3* db, const std::string& path) {
  Statement stmt(db, "PRAGMA user_version");
  if (!stmt.prepared() || stmt.step() != SQLITE_ROW) return sqlite_error(db, path, "not a sprawl datastore");
  return static_cast<int>(stmt.integer(0));
}

Status migrate(sqlite3* db, const std::string& path, int from) {
  if (auto begun = exec(db, path, "BEGIN IMMEDIATE"); !begun) return begun;
  // Another sprawl may have migrated it between our check and our lock.
  auto now = schema_version(db, path);
  int version = now ? now.value() : from;
  for (; version < kSchemaVersion; ++version) {
    if (auto done = run_migration(db, path, kMigrations[static_cast<std::size_t>(version)]); !done) {
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return Error{done.error().message + " (migrating to schema version " + std::to_string(version + 1) + ")"};
    }
  }
  std::string set_version = "PRAGMA user_version = " + std::to_string(kSchemaVersion);
  if (auto set = exec(db, path, set_version); !set) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return set;
  }
  if (auto committed = exec(db, path, "COMMIT"); !committed) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return committed;
  }
  return Ok{};
}

Statement::Statement(sqlite3* db, std::string_view sql) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &m_stmt, nullptr) != SQLITE_OK) {
    sqlite3_finalize(m_stmt);
    m_stmt = nullptr;
  }
}

Statement::~Statement() { sqlite3_finalize(m_stmt); }

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(m_stmt, index, value);
  return *this;
}

// A null pointer would bind NULL, not an empty text (an empty std::string_view may have one).
Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text64(m_stmt, index, text.data() ? text.data() : "", text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind_borrowed(int index, std::string_view text) {
  sqlite3_bind_text64(m_stmt, index, text.data() ? text.data() : "", text.size(), SQLITE_STATIC, SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind_blob_borrowed(int index, std::string_view bytes) {
  sqlite3_bind_blob64(m_stmt, index, bytes.data() ? bytes.data() : "", bytes.size(), SQLITE_STATIC);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(m_stmt, index);
  return *this;
}

int Statement::step() { return m_stmt ? sqlite3_step(m_stmt) : SQLITE_MISUSE; }

void Statement::reset() {
  sqlite3_reset(m_stmt);
  sqlite3_clear_bindings(m_stmt);
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(m_stmt, column); }

std::string Statement::text(int column) const {
  const auto* bytes = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
  return bytes ? std::string(bytes, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column))) : std::string();
}

bool Statement::is_null(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }

std::string_view Statement::blob(int column) const {
  const void* bytes = sqlite3_column_blob(m_stmt, column);  // NULL for an empty one
  return bytes ? std::string_view(static_cast<const char*>(bytes),
                                  static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column)))
               : std::string_view();
}

}  // namespace sprawl::store
