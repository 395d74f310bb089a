// ScanRecorder: one scan's identities, parts and locations upserted in one transaction.
#include "src/store/scan_recorder.h"

#include <sqlite3.h>

#include <algorithm>

#include "src/report/json_writer.h"
#include "src/report/redact.h"
#include "src/store/schema.h"

namespace sprawl::store {
namespace {

std::string json_strings(const std::vector<std::string>& items) {
  std::string out;
  JsonWriter(out).string_array(items);
  return out;
}

std::string json_pairs(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string out;
  JsonWriter json(out);
  json.begin_array();
  for (const auto& [name, value] : items) json.begin_array().value(name).value(value).end_array();
  json.end_array();
  return out;
}

std::string json_policies(const std::vector<PolicyFlag>& policies) {
  std::string out;
  JsonWriter json(out);
  json.begin_array();
  for (const auto& flag : policies)
    json.begin_object().field("id", flag.id).field("name", flag.name).field("evidence", flag.evidence).end_object();
  json.end_array();
  return out;
}

std::string join_members(const std::vector<std::string>& members) {
  std::string out;
  for (const auto& member : members) out += (out.empty() ? "" : "!/") + member;
  return out;
}

bool is_path_prefix(const std::string& prefix, const std::string& path) {
  if (prefix.empty() || path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || prefix.back() == '/' || path[prefix.size()] == '/' ||
         path[prefix.size()] == '!' || path[prefix.size()] == '@';
}

// first_seen keeps the earliest date ever recorded (ISO 8601 compares as text); an empty one is unknown.
constexpr const char* kUpsertIdentity = R"sql(
INSERT INTO identities (id, provider, nhi_type, identifier, attributes, environments, first_seen, last_seen,
  first_seen_scan, last_seen_scan, present, absent_since_scan, validity, validity_checked_at, owner, owner_source,
  risk, risk_reasons, policies)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, NULL, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
ON CONFLICT (id) DO UPDATE SET
  provider = excluded.provider, nhi_type = excluded.nhi_type,
  identifier = CASE WHEN excluded.identifier <> '' THEN excluded.identifier ELSE identifier END,
  attributes = excluded.attributes, environments = excluded.environments,
  first_seen = CASE WHEN first_seen = '' THEN excluded.first_seen WHEN excluded.first_seen = '' THEN first_seen
                    ELSE min(first_seen, excluded.first_seen) END,
  last_seen = excluded.last_seen, last_seen_scan = excluded.last_seen_scan,
  present = CASE WHEN excluded.present THEN 1 ELSE present END,
  absent_since_scan = CASE WHEN excluded.present THEN NULL ELSE absent_since_scan END,
  validity = CASE WHEN excluded.validity <> '' AND (excluded.validity_checked_at <> '' OR validity_checked_at = '')
                  THEN excluded.validity ELSE validity END,
  validity_checked_at = CASE WHEN excluded.validity <> '' AND (excluded.validity_checked_at <> '' OR validity_checked_at = '')
                  THEN excluded.validity_checked_at ELSE validity_checked_at END,
  owner = excluded.owner, owner_source = excluded.owner_source, risk = excluded.risk,
  risk_reasons = excluded.risk_reasons, policies = excluded.policies
)sql";

// Keys are never read back through RETURNING (SQLite builds a table of the returned rows for it:
// a rescan spent 42k instructions per identity and 28k per part that way). A first scan (the
// datastore held no identity) gives new rows their keys itself (ScanRecorder::queue_new_identity);
// otherwise an identity's key is looked up by id before its upsert, and a part's key is looked up
// before it is inserted, or updated only when its preview or secret would change.
constexpr const char* kInsertNewPart = R"sql(
INSERT INTO identity_parts (identity, fingerprint, rule_id, preview, secret) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (identity, fingerprint) DO NOTHING
)sql";

// Locations are upserted kRowsPerInsert rows per statement (each row ?1 … ?14 numbered from its
// own offset): one statement per row spent a fifth of its instructions setting up and halting
// the statement. The last few rows of a scan go one per statement. A first scan writes its new
// identities and parts the same way, with keys it assigns itself (see queue_new_identity).
constexpr std::size_t kRowsPerInsert = 16;
constexpr std::size_t kLocationColumns = 14;
constexpr std::size_t kIdentityParams = 18;  // bind_identity's ?1 … ?17, then the key
constexpr std::size_t kPartParams = 6;       // bind_part's ?1 … ?5, then the key

// "?N" for parameter `n` of a row whose parameters start after `base`.
std::string param(std::size_t base, std::size_t n) { return "?" + std::to_string(base + n); }

std::string new_identities_sql(std::size_t rows) {
  std::string sql =
      "INSERT INTO identities (key, id, provider, nhi_type, identifier, attributes, environments, first_seen, "
      "last_seen, first_seen_scan, last_seen_scan, present, absent_since_scan, validity, validity_checked_at, owner, "
      "owner_source, risk, risk_reasons, policies) VALUES ";
  for (std::size_t row = 0, base = 0; row < rows; ++row, base += kIdentityParams) {
    sql += row == 0 ? "(" : ", (";
    sql += param(base, 18);
    for (std::size_t n = 1; n <= 9; ++n) sql += ", " + param(base, n);
    sql += ", " + param(base, 9) + ", " + param(base, 10) + ", NULL";  // last_seen_scan = first_seen_scan
    for (std::size_t n = 11; n <= 17; ++n) sql += ", " + param(base, n);
    sql += ")";
  }
  return sql;
}

std::string new_parts_sql(std::size_t rows) {
  std::string sql = "INSERT INTO identity_parts (key, identity, fingerprint, rule_id, preview, secret) VALUES ";
  for (std::size_t row = 0, base = 0; row < rows; ++row, base += kPartParams) {
    sql += row == 0 ? "(" : ", (";
    sql += param(base, 6);
    for (std::size_t n = 1; n <= 5; ++n) sql += ", " + param(base, n);
    sql += ")";
  }
  return sql;
}

std::string location_upsert_sql(std::size_t rows) {
  std::string sql =
      "INSERT INTO locations (part, repository, commit_id, commit_date, author, path, line, image, layer_digest, "
      "members, target, environment, present, first_seen_scan, last_seen_scan) VALUES ";
  for (std::size_t row = 0; row < rows; ++row) {
    sql += row == 0 ? "(" : ", (";
    const std::size_t base = row * kLocationColumns;
    for (std::size_t column = 1; column <= kLocationColumns; ++column)
      sql += "?" + std::to_string(base + column) + ", ";
    sql += "?" + std::to_string(base + kLocationColumns) + ")";  // last_seen_scan = first_seen_scan
  }
  sql +=
      " ON CONFLICT (part, repository, commit_id, path, line, image, layer_digest, members) DO UPDATE SET "
      "commit_date = excluded.commit_date, author = excluded.author, target = excluded.target, "
      "environment = excluded.environment, present = excluded.present, last_seen_scan = excluded.last_seen_scan";
  return sql;
}

// Ends the scan's transaction (COMMIT or ROLLBACK) and turns foreign key checks back on. On
// failure SQLite's error is left for the caller to read (a failed COMMIT is then rolled back here).
int end_transaction(sqlite3* db, const char* sql) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc == SQLITE_OK) sqlite3_exec(db, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);
  return rc;
}

}  // namespace

struct ScanRecorder::Prepared {
  explicit Prepared(sqlite3* db)
      : intern(db, "INSERT INTO strings (value) VALUES (?1) ON CONFLICT (value) DO NOTHING"),
        lookup(db, "SELECT id FROM strings WHERE value = ?1"),
        identity(db, kUpsertIdentity),
        identity_key(db, "SELECT key, first_seen_scan FROM identities WHERE id = ?1"),
        new_part(db, kInsertNewPart),
        part_key(db, "SELECT key, preview, secret FROM identity_parts WHERE identity = ?1 AND fingerprint = ?2"),
        part_update(db, "UPDATE identity_parts SET preview = ?2, secret = coalesce(?3, secret) WHERE key = ?1"),
        location(db, location_upsert_sql(1)),
        locations(db, location_upsert_sql(kRowsPerInsert)),
        first_identity(db, new_identities_sql(1)),
        first_identities(db, new_identities_sql(kRowsPerInsert)),
        first_part(db, new_parts_sql(1)),
        first_parts(db, new_parts_sql(kRowsPerInsert)) {}
  bool ok() const {
    return intern.prepared() && lookup.prepared() && identity.prepared() && identity_key.prepared() &&
           new_part.prepared() && part_key.prepared() && part_update.prepared() && location.prepared() &&
           locations.prepared() && first_identity.prepared() && first_identities.prepared() && first_part.prepared() &&
           first_parts.prepared();
  }
  Statement intern, lookup, identity, identity_key, new_part, part_key, part_update, location, locations;
  Statement first_identity, first_identities, first_part, first_parts;  ///< a first scan's new rows, keys given
};

std::string_view target_of(const IdentityLocation& location, const std::vector<std::string>& targets) {
  for (const auto& target : targets)
    if ((!location.repository.empty() && target == location.repository) ||
        (!location.image.empty() && target == location.image))
      return target;
  const std::string* best = nullptr;
  for (const auto& target : targets)
    if (is_path_prefix(target, location.path) && (!best || target.size() > best->size())) best = &target;
  if (best) return *best;
  return !location.repository.empty() ? location.repository : location.image;
}

ScanRecorder::ScanRecorder(Datastore& store) : m_store(store) {}

ScanRecorder::~ScanRecorder() {
  if (m_scan != 0) end_transaction(m_store.connection(), "ROLLBACK");
}

void ScanRecorder::clear_scan_state() {
  m_scan = 0;
  m_strings = FlatStringIndex<std::int64_t>();
  m_string_texts.clear();
  m_last_in_column = {};
  m_first_scan_ids = FlatStringIndex<std::int64_t>();
  m_first_scan_id_texts.clear();
  m_new_identity_rows.clear();
  m_new_part_rows.clear();
  m_touched.clear();
  m_recheck.clear();
  m_pending_locations.clear();
}

Error ScanRecorder::fail(std::string_view what) {
  Error error = sqlite_error(m_store.connection(), m_store.path(), what);
  m_sql.reset();
  if (m_scan != 0) {
    end_transaction(m_store.connection(), "ROLLBACK");
    error.message += "; scan not recorded";
  }
  clear_scan_state();
  return error;
}

Result<std::int64_t> ScanRecorder::begin_scan(const ScanInfo& info) {
  sqlite3* db = m_store.connection();
  if (m_store.read_only()) return Error{m_store.path() + ": opened read-only"};
  if (m_scan != 0) return Error{m_store.path() + ": a scan is already being recorded"};
  // Every key the recorder writes was just read back from this file in this transaction, so the
  // per-row foreign key checks (three B-tree lookups per location, about half the cost of writing
  // one) are off while it records; end_transaction turns them on again. The pragma is a no-op inside
  // a transaction, hence before BEGIN.
  sqlite3_exec(db, "PRAGMA foreign_keys = OFF", nullptr, nullptr, nullptr);
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    Error error = fail("cannot start the scan");  // reads SQLite's error (a busy lock) first
    sqlite3_exec(db, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);
    return error;
  }
  m_info = info;
  m_locations = m_new_identities = 0;
  Statement scan(db,
                 "INSERT INTO scans (started_at, status, targets, head_commits, sprawl_version, rules_digest) "
                 "VALUES (?1, 'incomplete', ?2, ?3, ?4, ?5)");
  scan.bind(1, info.started_at).bind(2, json_strings(info.targets)).bind(3, json_pairs(info.head_commits));
  scan.bind(4, info.sprawl_version).bind(5, info.rules_digest);
  m_scan = -1;  // a transaction is open: fail() rolls it back
  if (scan.step() != SQLITE_DONE) return fail("cannot record the scan");
  m_scan = sqlite3_last_insert_rowid(db);
  m_sql = std::make_unique<Prepared>(db);
  if (!m_sql->ok()) return fail("cannot prepare the datastore statements");
  Statement any(db, "SELECT EXISTS (SELECT 1 FROM identities)");
  if (any.step() != SQLITE_ROW) return fail("cannot read the datastore");
  m_insert_first = any.integer(0) == 0;
  if (m_insert_first) {
    Statement keys(db,
                   "SELECT (SELECT coalesce(max(key), 0) + 1 FROM identities), "
                   "(SELECT coalesce(max(key), 0) + 1 FROM identity_parts)");
    if (keys.step() != SQLITE_ROW) return fail("cannot read the datastore");
    m_next_identity_key = keys.integer(0);
    m_next_part_key = keys.integer(1);
  }
  return m_scan;
}

Result<std::int64_t> ScanRecorder::intern(std::string_view text) {
  if (const std::int64_t* found = m_strings.find(text)) return *found;
  // A new string is inserted (its id read from last_insert_rowid: RETURNING is SQLite's slower
  // path); one already stored (a rescan) is read back without rewriting its row.
  sqlite3* db = m_store.connection();
  Statement& insert = m_sql->intern;
  insert.reset();
  insert.bind(1, text);
  if (insert.step() != SQLITE_DONE) return fail("cannot record a string");
  std::int64_t id = 0;
  if (sqlite3_changes(db) == 1) {
    id = sqlite3_last_insert_rowid(db);
  } else {
    Statement& lookup = m_sql->lookup;
    lookup.reset();
    lookup.bind(1, text);
    if (lookup.step() != SQLITE_ROW) return fail("cannot read a recorded string");
    id = lookup.integer(0);
    lookup.reset();
  }
  m_strings.emplace(m_string_texts.emplace_back(text), id);
  return id;
}

Result<std::int64_t> ScanRecorder::intern_column(std::size_t column, std::string_view text) {
  auto& [last, id] = m_last_in_column[column];
  if (id != 0 && last == text) return id;
  auto interned = intern(text);
  if (interned) last.assign(text), id = interned.value();
  return interned;
}

FindingIndex::FindingIndex(const std::vector<Finding>& findings) : m_by_fingerprint(findings.size()) {
  for (const auto& finding : findings) m_by_fingerprint.emplace(finding.fingerprint, &finding);
}

const Finding* FindingIndex::find(std::string_view fingerprint) const {
  const Finding* const* found = m_by_fingerprint.find(fingerprint);
  return found ? *found : nullptr;
}

PreparedIdentities prepare_identities(std::span<const Identity> identities, const FindingIndex& findings,
                                      const std::vector<std::string>& targets) {
  PreparedIdentities out;
  out.entries.reserve(identities.size());
  for (const auto& identity : identities) {
    PreparedIdentities::Entry& entry = out.entries.emplace_back();
    entry.identity = &identity;
    entry.attributes = json_pairs(identity.attributes);
    entry.environments = json_strings(identity.environments);
    entry.risk_reasons = json_strings(identity.risk_reasons);
    entry.policies = json_policies(identity.policies);
    const std::size_t first_part = out.parts.size();
    const auto part_of = [&](std::string_view fingerprint) {
      for (std::size_t i = first_part; i < out.parts.size(); ++i)
        if (out.parts[i].fingerprint == fingerprint) return i;
      return out.parts.size();
    };
    for (const auto& fingerprint : identity.fingerprints) out.parts.push_back({fingerprint, {}, nullptr, {}});
    for (const auto& location : identity.locations) {
      const std::size_t i = part_of(location.fingerprint);
      if (i == out.parts.size())
        out.parts.push_back({location.fingerprint, location.rule_id, nullptr, {}});
      else if (out.parts[i].rule_id.empty())
        out.parts[i].rule_id = location.rule_id;
      out.locations.push_back({&location, i, join_members(location.archive_members), target_of(location, targets)});
    }
    for (std::size_t i = first_part; i < out.parts.size(); ++i) {
      PreparedIdentities::Part& part = out.parts[i];
      part.finding = findings.find(part.fingerprint);
      if (part.rule_id.empty() && part.finding && part.finding->rule) part.rule_id = part.finding->rule->id;
      if (part.finding) part.preview = redact_secret(part.finding->secret);
    }
    entry.parts_end = out.parts.size();
    entry.locations_end = out.locations.size();
  }
  return out;
}

Status ScanRecorder::record(std::span<const Identity> identities, const FindingIndex& findings) {
  if (m_scan <= 0) return Error{m_store.path() + ": record() without begin_scan()"};
  return record(prepare_identities(identities, findings, m_info.targets));
}

Status ScanRecorder::record(const PreparedIdentities& prepared) {
  if (m_scan <= 0) return Error{m_store.path() + ": record() without begin_scan()"};
  std::vector<std::int64_t> part_keys;
  std::size_t part = 0, location = 0;
  for (const auto& entry : prepared.entries) {
    const std::size_t first_part = part;
    part_keys.clear();
    if (const std::optional<std::int64_t> key = queue_new_identity(entry)) {
      for (; part < entry.parts_end; ++part) {
        auto queued = queue_new_part(*key, prepared.parts[part]);
        if (!queued) return queued.error();
        part_keys.push_back(queued.value());
      }
    } else {
      // Upserted: the rows queued so far must be in the table for its lookups.
      if (auto done = flush_new_rows(); !done) return done;
      auto upserted = upsert_identity(entry);
      if (!upserted) return upserted.error();
      for (; part < entry.parts_end; ++part) {
        auto recorded = upsert_part(upserted.value(), prepared.parts[part]);
        if (!recorded) return recorded.error();
        part_keys.push_back(recorded.value());
      }
    }
    for (; location < entry.locations_end; ++location) {
      const PreparedIdentities::Location& where = prepared.locations[location];
      if (auto done = upsert_location(part_keys[where.part - first_part], where); !done) return done;
    }
  }
  return flush_new_rows();  // their columns are borrowed from `prepared`
}

namespace {

// Binds an identity's columns (?1 … ?17, after `base`) as the identity statements number them,
// the JSON ones from `json`. Nothing is copied: both must outlive the statement's run.
void bind_identity(Statement& stmt, const Identity& identity, const PreparedIdentities::Entry& json, std::int64_t scan,
                   int base = 0) {
  stmt.bind_borrowed(base + 1, identity.id).bind_borrowed(base + 2, identity.provider);
  stmt.bind_borrowed(base + 3, identity.nhi_type).bind_borrowed(base + 4, identity.identifier);
  stmt.bind_borrowed(base + 5, json.attributes).bind_borrowed(base + 6, json.environments);
  stmt.bind_borrowed(base + 7, identity.first_seen).bind_borrowed(base + 8, identity.last_seen).bind(base + 9, scan);
  stmt.bind(base + 10, std::int64_t{identity.present}).bind_borrowed(base + 11, identity.validity);
  stmt.bind_borrowed(base + 12, identity.validity_checked_at);
  if (identity.owner) {
    stmt.bind_borrowed(base + 13, identity.owner->name).bind_borrowed(base + 14, identity.owner->source);
  } else {
    stmt.bind_null(base + 13).bind_null(base + 14);
  }
  stmt.bind(base + 15, std::int64_t{identity.risk}).bind_borrowed(base + 16, json.risk_reasons);
  stmt.bind_borrowed(base + 17, json.policies);
}

// Binds a part's columns (?1 … ?5, after `base`). The one place a raw secret may reach the file.
// Nothing is copied: `fingerprint`, `preview` and the finding must outlive the statement's run.
void bind_part(Statement& stmt, std::int64_t identity, std::string_view fingerprint, std::int64_t rule,
               std::string_view preview, const Finding* finding, bool store_secrets, int base = 0) {
  stmt.bind(base + 1, identity).bind_borrowed(base + 2, fingerprint).bind(base + 3, rule);
  stmt.bind_borrowed(base + 4, preview);
  if (store_secrets && finding && !finding->secret.empty()) {
    stmt.bind_borrowed(base + 5, finding->secret);
  } else {
    stmt.bind_null(base + 5);
  }
}

}  // namespace

std::optional<std::int64_t> ScanRecorder::queue_new_identity(const PreparedIdentities::Entry& entry) {
  // On a first scan every identity is new but for one recorded twice in this scan, which this
  // scan's own list of ids tells: no lookup in the file is needed to give the others their keys.
  if (!m_insert_first) return std::nullopt;
  const Identity& identity = *entry.identity;
  if (m_first_scan_ids.find(identity.id)) return std::nullopt;
  const std::int64_t key = m_next_identity_key++;
  m_first_scan_ids.emplace(m_first_scan_id_texts.emplace_back(identity.id), key);
  m_new_identity_rows.push_back({&entry, key});
  m_touched.insert(key);
  ++m_new_identities;
  if (!identity.present) m_recheck.insert(key);
  return key;
}

Result<std::int64_t> ScanRecorder::queue_new_part(std::int64_t identity, const PreparedIdentities::Part& part) {
  auto rule = intern(part.rule_id);
  if (!rule) return rule.error();
  const std::int64_t key = m_next_part_key++;
  m_new_part_rows.push_back({&part, identity, rule.value(), key});
  return key;
}

namespace {

// Inserts `rows`, kRowsPerInsert per run of `group` and the rest one per run of `single`;
// `bind(stmt, row, base)` binds one row's `params` parameters after `base`. Returns the index
// of the first row of the run that failed, if one did.
template <class Row, class Bind>
std::optional<std::size_t> insert_rows(const std::vector<Row>& rows, Statement& group, Statement& single,
                                       std::size_t params, const Bind& bind) {
  for (std::size_t done = 0; done < rows.size();) {
    const std::size_t count = rows.size() - done >= kRowsPerInsert ? kRowsPerInsert : 1;
    Statement& stmt = count == kRowsPerInsert ? group : single;
    for (std::size_t row = 0; row < count; ++row) bind(stmt, rows[done + row], static_cast<int>(row * params));
    const int rc = stmt.step();
    stmt.reset();
    if (rc != SQLITE_DONE) return done;
    done += count;
  }
  return std::nullopt;
}

}  // namespace

Status ScanRecorder::flush_new_rows() {
  // Identities first: a part's row never waits on its identity's (foreign keys are off anyway).
  const auto bind_new_identity = [&](Statement& stmt, const NewIdentityRow& row, int base) {
    bind_identity(stmt, *row.entry->identity, *row.entry, m_scan, base);
    stmt.bind(base + static_cast<int>(kIdentityParams), row.key);
  };
  if (const auto failed = insert_rows(m_new_identity_rows, m_sql->first_identities, m_sql->first_identity,
                                      kIdentityParams, bind_new_identity))
    return fail("cannot record identity " + m_new_identity_rows[*failed].entry->identity->id);
  m_new_identity_rows.clear();
  const auto bind_new_part = [&](Statement& stmt, const NewPartRow& row, int base) {
    bind_part(stmt, row.identity, row.part->fingerprint, row.rule, row.part->preview, row.part->finding,
              m_info.store_secrets, base);
    stmt.bind(base + static_cast<int>(kPartParams), row.key);
  };
  if (insert_rows(m_new_part_rows, m_sql->first_parts, m_sql->first_part, kPartParams, bind_new_part))
    return fail("cannot record a credential part");
  m_new_part_rows.clear();
  return Ok{};
}

Result<std::int64_t> ScanRecorder::upsert_identity(const PreparedIdentities::Entry& entry) {
  sqlite3* db = m_store.connection();
  const Identity& identity = *entry.identity;
  // Binds the identity to `stmt`, runs it and resets it; false on an SQLite error.
  const auto run = [&](Statement& stmt) {
    stmt.reset();
    bind_identity(stmt, identity, entry, m_scan);
    const int rc = stmt.step();
    stmt.reset();
    return rc == SQLITE_DONE;
  };
  bool is_new = false;
  std::int64_t key = 0;
  Statement& lookup = m_sql->identity_key;
  lookup.reset();
  lookup.bind_borrowed(1, identity.id);
  const int found = lookup.step();
  if (found == SQLITE_ROW) {
    key = lookup.integer(0);
    is_new = lookup.integer(1) == m_scan;  // recorded earlier in this very scan
  }
  lookup.reset();
  if (found != SQLITE_ROW && found != SQLITE_DONE) return fail("cannot record identity " + identity.id);
  if (!run(m_sql->identity)) return fail("cannot record identity " + identity.id);
  if (found == SQLITE_DONE) {
    key = sqlite3_last_insert_rowid(db);
    is_new = true;
  }
  if (m_touched.insert(key).second && is_new) ++m_new_identities;
  if (!identity.present) m_recheck.insert(key);
  return key;
}

Result<std::int64_t> ScanRecorder::upsert_part(std::int64_t identity, const PreparedIdentities::Part& part) {
  auto rule = intern(part.rule_id);
  if (!rule) return rule.error();
  sqlite3* db = m_store.connection();
  const std::string_view fingerprint = part.fingerprint, preview = part.preview;
  const Finding* finding = part.finding;
  // Stored already (a rescan): a preview or secret once stored is kept (a later scan without
  // --store-secrets does not erase it), so the row changes only for a new preview or secret.
  Statement& lookup = m_sql->part_key;
  lookup.reset();
  lookup.bind(1, identity).bind_borrowed(2, fingerprint);
  const int found = lookup.step();
  if (found == SQLITE_ROW) {
    const std::int64_t key = lookup.integer(0);
    const std::string stored_preview = lookup.text(1);
    const bool secret_stored = !lookup.is_null(2);
    const std::string stored_secret = secret_stored ? lookup.text(2) : std::string();
    lookup.reset();
    const bool keep_secret = m_info.store_secrets && finding && !finding->secret.empty();
    const bool new_preview = !preview.empty() && preview != stored_preview;
    const bool new_secret = keep_secret && (!secret_stored || finding->secret != stored_secret);
    if (!new_preview && !new_secret) return key;
    Statement& update = m_sql->part_update;
    update.reset();
    update.bind(1, key).bind_borrowed(2, new_preview ? preview : std::string_view(stored_preview));
    if (keep_secret) {
      update.bind_borrowed(3, finding->secret);
    } else {
      update.bind_null(3);
    }
    const int rc = update.step();
    update.reset();
    if (rc != SQLITE_DONE) return fail("cannot record a credential part");
    return key;
  }
  lookup.reset();
  if (found != SQLITE_DONE) return fail("cannot record a credential part");
  Statement& insert = m_sql->new_part;
  insert.reset();
  bind_part(insert, identity, fingerprint, rule.value(), preview, finding, m_info.store_secrets);
  const int rc = insert.step();
  insert.reset();
  if (rc != SQLITE_DONE || sqlite3_changes(db) != 1) return fail("cannot record a credential part");
  return sqlite3_last_insert_rowid(db);
}

Status ScanRecorder::upsert_location(std::int64_t part, const PreparedIdentities::Location& where) {
  const IdentityLocation& location = *where.location;
  const std::string_view texts[] = {location.repository, location.commit, location.commit_date, location.author,
                                    location.path};
  const std::string_view rest[] = {location.image, location.layer_digest, where.members, where.target,
                                   location.environment};
  LocationRow& row = m_pending_locations.emplace_back();
  row[0] = part;
  for (std::size_t i = 0; i < 5; ++i) {
    auto id = intern_column(i, texts[i]);
    if (!id) return id.error();
    row[1 + i] = id.value();
  }
  row[6] = location.line;
  for (std::size_t i = 0; i < 5; ++i) {
    auto id = intern_column(5 + i, rest[i]);
    if (!id) return id.error();
    row[7 + i] = id.value();
  }
  row[12] = location.present ? 1 : 0;
  row[13] = m_scan;
  ++m_locations;
  if (m_pending_locations.size() == kRowsPerInsert) return flush_locations();
  return Ok{};
}

Status ScanRecorder::flush_locations() {
  const bool full = m_pending_locations.size() == kRowsPerInsert;
  Statement& stmt = full ? m_sql->locations : m_sql->location;
  std::size_t row = 0;
  for (const LocationRow& values : m_pending_locations) {
    const int base = static_cast<int>((full ? row++ : 0) * kLocationColumns);
    for (std::size_t column = 0; column < kLocationColumns; ++column)
      stmt.bind(base + static_cast<int>(column) + 1, values[column]);
    if (full && row < kRowsPerInsert) continue;
    if (stmt.step() != SQLITE_DONE) return fail("cannot record a location");
    stmt.rewind();  // every row rebinds every column, all integers
  }
  m_pending_locations.clear();
  return Ok{};
}

Status ScanRecorder::mark_absent() {
  // Locations of this scan's targets that this scan did not see again: history, kept, not present.
  // One pass over `locations` for all targets: cheaper than keeping an index on target up to date
  // for every location written. A first scan (no identity stored before it) has none to look for.
  if (m_info.targets.empty() || m_insert_first) return Ok{};
  std::string ids = "[";
  for (const auto& target : m_info.targets) {
    auto id = intern(target);
    if (!id) return id.error();
    if (ids.size() > 1) ids += ',';
    ids += std::to_string(id.value());
  }
  ids += "]";
  Statement stmt(m_store.connection(),
                 "UPDATE locations SET present = 0 WHERE present = 1 AND last_seen_scan <> ?2 "
                 "AND target IN (SELECT value FROM json_each(?1)) "
                 "RETURNING (SELECT identity FROM identity_parts WHERE key = part)");
  stmt.bind(1, ids).bind(2, m_scan);
  int rc;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    m_touched.insert(stmt.integer(0));
    m_recheck.insert(stmt.integer(0));
  }
  if (rc != SQLITE_DONE) return fail("cannot update presence");
  return Ok{};
}

Status ScanRecorder::update_presence() {
  sqlite3* db = m_store.connection();
  Statement present(db,
                    "SELECT EXISTS (SELECT 1 FROM identity_parts p JOIN locations l ON l.part = p.key "
                    "WHERE p.identity = ?1 AND l.present = 1)");
  Statement update(db,
                   "UPDATE identities SET present = ?2, absent_since_scan = CASE WHEN ?2 THEN NULL "
                   "ELSE coalesce(absent_since_scan, ?3) END WHERE key = ?1");
  for (std::int64_t key : m_recheck) {
    present.reset();
    present.bind(1, key);
    if (present.step() != SQLITE_ROW) return fail("cannot update presence");
    std::int64_t is_present = present.integer(0);
    update.reset();
    update.bind(1, key).bind(2, is_present).bind(3, m_scan);
    if (update.step() != SQLITE_DONE) return fail("cannot update presence");
  }
  return Ok{};
}

Result<ScanCounts> ScanRecorder::finish_scan(ScanCounts counts, const std::string& finished_at) {
  if (m_scan <= 0) return Error{m_store.path() + ": finish_scan() without begin_scan()"};
  std::size_t recorded = m_touched.size();
  if (auto done = flush_locations(); !done) return done.error();
  if (auto done = mark_absent(); !done) return done.error();
  if (auto done = update_presence(); !done) return done.error();
  if (counts.identities == 0) counts.identities = static_cast<std::int64_t>(recorded);
  if (counts.locations == 0) counts.locations = m_locations;
  if (counts.new_identities == 0) counts.new_identities = m_new_identities;
  sqlite3* db = m_store.connection();
  {
    Statement scan(db,
                   "UPDATE scans SET status = 'complete', finished_at = ?2, findings = ?3, identities = ?4, "
                   "locations = ?5, new_identities = ?6 WHERE id = ?1");
    scan.bind(1, m_scan).bind(2, finished_at).bind(3, counts.findings).bind(4, counts.identities);
    scan.bind(5, counts.locations).bind(6, counts.new_identities);
    if (scan.step() != SQLITE_DONE) return fail("cannot finish the scan");
  }
  m_sql.reset();
  if (end_transaction(db, "COMMIT") != SQLITE_OK) return fail("cannot commit the scan");
  clear_scan_state();
  return counts;
}

}  // namespace sprawl::store
