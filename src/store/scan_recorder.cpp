// ScanRecorder: one scan's identities, parts and locations upserted in one transaction.
#include "src/store/scan_recorder.h"

#include <sqlite3.h>

#include <algorithm>
#include <tuple>

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
// otherwise an identity's key is looked up by id before its upsert, and a part is looked up
// (with its packed locations, which the rescan merges into) before it is inserted or updated.
constexpr const char* kInsertNewPart = R"sql(
INSERT INTO identity_parts (identity, fingerprint, rule_id, preview, secret, locations) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (identity, fingerprint) DO NOTHING
)sql";

// A preview or secret once stored is kept: a later scan without --store-secrets, or without the
// finding, does not erase it.
constexpr const char* kUpdatePart = R"sql(
UPDATE identity_parts SET preview = CASE WHEN ?2 <> '' THEN ?2 ELSE preview END, secret = coalesce(?3, secret),
  locations = ?4 WHERE key = ?1
)sql";

// A first scan writes its new identities and parts kRowsPerInsert rows per statement (each row's
// parameters numbered from its own offset), with keys it assigns itself (see queue_new_identity):
// one statement per row spent a fifth of its instructions setting up and halting the statement.
// OR FAIL: a statement that writes several rows and may abort (the default ABORT on a constraint)
// makes SQLite save every page it touches, that the transaction changed before, into a statement
// journal (a temporary file) first, to undo that statement alone. A 125k-finding first scan wrote
// 171 MB there in 84k pwrites. A failed insert rolls back the whole scan anyway (fail()).
constexpr std::size_t kRowsPerInsert = 16;
constexpr std::size_t kIdentityParams = 18;  // bind_identity's ?1 … ?17, then the key
constexpr std::size_t kPartParams = 7;       // bind_part's ?1 … ?6, then the key

// "?N" for parameter `n` of a row whose parameters start after `base`.
std::string param(std::size_t base, std::size_t n) {
  std::string out(1, '?');  // not "?" + …: GCC 12 warns falsely (-Wrestrict) about that
  return out.append(std::to_string(base + n));
}

std::string new_identities_sql(std::size_t rows) {
  std::string sql =
      "INSERT OR FAIL INTO identities (key, id, provider, nhi_type, identifier, attributes, environments, first_seen, "
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
  std::string sql =
      "INSERT OR FAIL INTO identity_parts (key, identity, fingerprint, rule_id, preview, secret, locations) VALUES ";
  for (std::size_t row = 0, base = 0; row < rows; ++row, base += kPartParams) {
    sql += row == 0 ? "(" : ", (";
    sql += param(base, 7);
    for (std::size_t n = 1; n <= 6; ++n) sql += ", " + param(base, n);
    sql += ")";
  }
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
        part_key(db, "SELECT key, locations FROM identity_parts WHERE identity = ?1 AND fingerprint = ?2"),
        part_update(db, kUpdatePart),
        first_identity(db, new_identities_sql(1)),
        first_identities(db, new_identities_sql(kRowsPerInsert)),
        first_part(db, new_parts_sql(1)),
        first_parts(db, new_parts_sql(kRowsPerInsert)) {}
  bool ok() const {
    return intern.prepared() && lookup.prepared() && identity.prepared() && identity_key.prepared() &&
           new_part.prepared() && part_key.prepared() && part_update.prepared() && first_identity.prepared() &&
           first_identities.prepared() && first_part.prepared() && first_parts.prepared();
  }
  Statement intern, lookup, identity, identity_key, new_part, part_key, part_update;
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
  m_first_scan_ids = FlatStringIndex<std::int64_t>();
  m_first_scan_id_texts.clear();
  m_new_identity_rows.clear();
  m_new_part_rows.clear();
  m_new_part_locations.clear();
  m_touched.clear();
  m_touched_parts.clear();
  m_target_ids.clear();
  m_batch_string_ids.clear();
  m_recheck.clear();
}

Error ScanRecorder::fail(std::string_view what) {
  return abort_scan(sqlite_error(m_store.connection(), m_store.path(), what));
}

Error ScanRecorder::abort_scan(Error error) {
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
  for (const auto& target : m_info.targets) {
    auto id = intern(target);
    if (!id) return id.error();
    m_target_ids.push_back(id.value());
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

namespace {

// KeySet keeps a bit for each key below this, and anything else (a file edited by hand) apart.
constexpr std::int64_t kKeySetBits = std::int64_t{1} << 26;

}  // namespace

bool ScanRecorder::KeySet::insert(std::int64_t key) {
  if (key < 0 || key >= kKeySetBits) {
    const bool added = m_other.insert(key).second;
    m_size += added ? 1 : 0;
    return added;
  }
  const auto at = static_cast<std::size_t>(key);
  if (at >= m_bits.size()) m_bits.resize(std::max(at + 1, m_bits.size() * 2));
  if (m_bits[at]) return false;
  m_bits[at] = true;
  ++m_size;
  return true;
}

bool ScanRecorder::KeySet::contains(std::int64_t key) const {
  if (key < 0 || key >= kKeySetBits) return m_other.count(key) != 0;
  const auto at = static_cast<std::size_t>(key);
  return at < m_bits.size() && m_bits[at];
}

FindingIndex::FindingIndex(const std::vector<Finding>& findings) : m_by_fingerprint(findings.size()) {
  for (const auto& finding : findings) m_by_fingerprint.emplace(finding.fingerprint, &finding);
}

const Finding* FindingIndex::find(std::string_view fingerprint) const {
  const Finding* const* found = m_by_fingerprint.find(fingerprint);
  return found ? *found : nullptr;
}

namespace {

// prepare_identities, the finding of each part given by `finding_of(identity index, fingerprint)`.
template <class FindingOf>
PreparedIdentities prepare_with(std::span<const Identity> identities, const std::vector<std::string>& targets,
                                const FindingOf& finding_of) {
  PreparedIdentities out;
  out.entries.reserve(identities.size());
  for (std::size_t n = 0; n < identities.size(); ++n) {
    const Identity& identity = identities[n];
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
      out.locations.push_back({&location, i, join_members(location.archive_members), target_of(location, targets), {}});
    }
    for (std::size_t i = first_part; i < out.parts.size(); ++i) {
      PreparedIdentities::Part& part = out.parts[i];
      part.finding = finding_of(n, part.fingerprint);
      if (part.rule_id.empty() && part.finding && part.finding->rule) part.rule_id = part.finding->rule->id;
      if (part.finding) part.preview = redact_secret(part.finding->secret);
    }
    entry.parts_end = out.parts.size();
    entry.locations_end = out.locations.size();
  }
  // Each location's strings as indexes into one list of the batch's distinct strings (taken now
  // that `members` no longer move). Neighbouring locations mostly repeat a column's value.
  FlatStringIndex<std::uint32_t> index_of(out.locations.size() * 2);
  std::array<std::string_view, PreparedIdentities::kStringColumns> last{};
  constexpr std::uint32_t kNone = UINT32_MAX;  // no value in the column yet
  std::array<std::uint32_t, PreparedIdentities::kStringColumns> last_index;
  last_index.fill(kNone);
  for (PreparedIdentities::Location& where : out.locations) {
    const IdentityLocation& location = *where.location;
    const std::array<std::string_view, PreparedIdentities::kStringColumns> texts = {
        location.repository, location.commit,       location.commit_date, location.author, location.path,
        location.image,      location.layer_digest, where.members,        where.target,    location.environment};
    for (std::size_t column = 0; column < texts.size(); ++column) {
      if (last_index[column] != kNone && texts[column] == last[column]) {
        where.strings[column] = last_index[column];
        continue;
      }
      const auto [index, added] = index_of.emplace(texts[column], static_cast<std::uint32_t>(out.strings.size()));
      if (added) out.strings.push_back(texts[column]);
      where.strings[column] = last_index[column] = index;
      last[column] = texts[column];
    }
  }
  return out;
}

}  // namespace

PreparedIdentities prepare_identities(std::span<const Identity> identities, const FindingIndex& findings,
                                      const std::vector<std::string>& targets) {
  return prepare_with(identities, targets,
                      [&](std::size_t, std::string_view fingerprint) { return findings.find(fingerprint); });
}

PreparedIdentities prepare_identities(std::span<const Identity> identities,
                                      std::span<const std::vector<const Finding*>> findings_of,
                                      const std::vector<std::string>& targets) {
  return prepare_with(identities, targets, [&](std::size_t n, std::string_view fingerprint) -> const Finding* {
    for (const Finding* finding : findings_of[n])
      if (finding->fingerprint == fingerprint) return finding;
    return nullptr;
  });
}

Status ScanRecorder::record(std::span<const Identity> identities, const FindingIndex& findings) {
  if (m_scan <= 0) return Error{m_store.path() + ": record() without begin_scan()"};
  return record(prepare_identities(identities, findings, m_info.targets));
}

Status ScanRecorder::record(const PreparedIdentities& prepared) {
  if (m_scan <= 0) return Error{m_store.path() + ": record() without begin_scan()"};
  m_batch_string_ids.clear();
  for (std::string_view text : prepared.strings) {
    auto id = intern(text);
    if (!id) return id.error();
    m_batch_string_ids.push_back(id.value());
  }
  std::size_t part = 0, location = 0;
  for (const auto& entry : prepared.entries) {
    const std::size_t first_part = part;
    m_entry_locations.clear();
    for (; location < entry.locations_end; ++location) {
      const PreparedIdentities::Location& where = prepared.locations[location];
      m_entry_locations.emplace_back(where.part - first_part, location_values(where, m_batch_string_ids));
    }
    m_locations += static_cast<std::int64_t>(m_entry_locations.size());
    // The locations of the entry's part `index`, in m_part_seen.
    const auto seen_of = [&](std::size_t index) -> std::span<const LocationValues> {
      m_part_seen.clear();
      for (const auto& [of, values] : m_entry_locations)
        if (of == index) m_part_seen.push_back(values);
      return m_part_seen;
    };
    if (const std::optional<std::int64_t> key = queue_new_identity(entry)) {
      for (; part < entry.parts_end; ++part)
        if (auto queued = queue_new_part(*key, prepared.parts[part], seen_of(part - first_part)); !queued)
          return queued.error();
    } else {
      // Upserted: the rows queued so far must be in the table for its lookups.
      if (auto done = flush_new_rows(); !done) return done;
      auto upserted = upsert_identity(entry);
      if (!upserted) return upserted.error();
      for (; part < entry.parts_end; ++part)
        if (auto recorded = upsert_part(upserted.value(), prepared.parts[part], seen_of(part - first_part)); !recorded)
          return recorded.error();
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

// Binds a part's columns (?1 … ?6, after `base`; ?6 its packed locations). The one place a raw
// secret may reach the file. Nothing is copied: `fingerprint`, `preview`, `locations` and the
// finding must outlive the statement's run.
void bind_part(Statement& stmt, std::int64_t identity, std::string_view fingerprint, std::int64_t rule,
               std::string_view preview, const Finding* finding, bool store_secrets, std::string_view locations,
               int base = 0) {
  stmt.bind(base + 1, identity).bind_borrowed(base + 2, fingerprint).bind(base + 3, rule);
  stmt.bind_borrowed(base + 4, preview);
  if (store_secrets && finding && !finding->secret.empty()) {
    stmt.bind_borrowed(base + 5, finding->secret);
  } else {
    stmt.bind_null(base + 5);
  }
  stmt.bind_blob_borrowed(base + 6, locations);
}

// `locations` packed into `out` (cleared first).
void pack(std::span<const LocationValues> locations, std::string& out) {
  out.clear();
  for (const LocationValues& location : locations) append_location(out, location);
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

Result<std::int64_t> ScanRecorder::queue_new_part(std::int64_t identity, const PreparedIdentities::Part& part,
                                                  std::span<const LocationValues> seen) {
  auto rule = intern(part.rule_id);
  if (!rule) return rule.error();
  m_merged.clear();
  merge_locations(m_merged, seen);  // a place given twice is stored once
  const std::size_t begin = m_new_part_locations.size();
  for (const LocationValues& location : m_merged) append_location(m_new_part_locations, location);
  const std::int64_t key = m_next_part_key++;
  m_new_part_rows.push_back({&part, identity, rule.value(), key, begin, m_new_part_locations.size()});
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
  const std::string_view packed = m_new_part_locations;
  const auto bind_new_part = [&](Statement& stmt, const NewPartRow& row, int base) {
    bind_part(stmt, row.identity, row.part->fingerprint, row.rule, row.part->preview, row.part->finding,
              m_info.store_secrets, packed.substr(row.locations_begin, row.locations_end - row.locations_begin), base);
    stmt.bind(base + static_cast<int>(kPartParams), row.key);
  };
  if (insert_rows(m_new_part_rows, m_sql->first_parts, m_sql->first_part, kPartParams, bind_new_part))
    return fail("cannot record a credential part");
  m_new_part_rows.clear();
  m_new_part_locations.clear();
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
  if (m_touched.insert(key) && is_new) ++m_new_identities;
  if (!identity.present) m_recheck.insert(key);
  return key;
}

Status ScanRecorder::decode_part_locations(std::string_view blob, std::int64_t part) {
  m_merged.clear();
  if (decode_locations(blob, m_merged)) return Ok{};
  return abort_scan(Error{m_store.path() + ": datastore is corrupt (the locations of credential part " +
                          std::to_string(part) + " cannot be read); scan not recorded"});
}

Result<std::int64_t> ScanRecorder::upsert_part(std::int64_t identity, const PreparedIdentities::Part& part,
                                               std::span<const LocationValues> seen) {
  auto rule = intern(part.rule_id);
  if (!rule) return rule.error();
  sqlite3* db = m_store.connection();
  const Finding* finding = part.finding;
  Statement& lookup = m_sql->part_key;
  lookup.reset();
  lookup.bind(1, identity).bind_borrowed(2, part.fingerprint);
  const int found = lookup.step();
  if (found == SQLITE_ROW) {
    // Stored already (a rescan, or given twice in this scan): its locations take this scan's.
    const std::int64_t key = lookup.integer(0);
    if (auto decoded = decode_part_locations(lookup.blob(1), key); !decoded) return decoded.error();
    lookup.reset();
    merge_locations(m_merged, seen);
    if (mark_unseen_absent(m_merged, m_scan, m_target_ids) > 0) m_recheck.insert(identity);
    pack(m_merged, m_packed);
    m_touched_parts.insert(key);
    Statement& update = m_sql->part_update;
    update.reset();
    update.bind(1, key).bind_borrowed(2, part.preview);
    if (m_info.store_secrets && finding && !finding->secret.empty()) {
      update.bind_borrowed(3, finding->secret);
    } else {
      update.bind_null(3);
    }
    update.bind_blob_borrowed(4, m_packed);
    const int rc = update.step();
    update.reset();
    if (rc != SQLITE_DONE) return fail("cannot record a credential part");
    return key;
  }
  lookup.reset();
  if (found != SQLITE_DONE) return fail("cannot record a credential part");
  m_merged.clear();
  merge_locations(m_merged, seen);
  pack(m_merged, m_packed);
  Statement& insert = m_sql->new_part;
  insert.reset();
  bind_part(insert, identity, part.fingerprint, rule.value(), part.preview, finding, m_info.store_secrets, m_packed);
  const int rc = insert.step();
  insert.reset();
  if (rc != SQLITE_DONE || sqlite3_changes(db) != 1) return fail("cannot record a credential part");
  const std::int64_t key = sqlite3_last_insert_rowid(db);
  m_touched_parts.insert(key);
  return key;
}

LocationValues ScanRecorder::location_values(const PreparedIdentities::Location& where,
                                             std::span<const std::int64_t> ids) const {
  // PreparedIdentities::Location::strings are the string columns in LocationValues' order, the
  // line after the path.
  LocationValues values;
  for (std::size_t i = 0; i < 5; ++i) values[kRepository + i] = ids[where.strings[i]];
  values[kLine] = where.location->line;
  for (std::size_t i = 5; i < PreparedIdentities::kStringColumns; ++i) values[kImage + i - 5] = ids[where.strings[i]];
  values[kPresent] = where.location->present ? 1 : 0;
  values[kFirstSeenScan] = values[kLastSeenScan] = m_scan;
  return values;
}

Status ScanRecorder::mark_absent() {
  // Locations of this scan's targets that this scan did not see again: history, kept, not present.
  // upsert_part did this for the parts it recorded; this is one pass over the others. A first scan
  // (no identity stored before it) has none to look for.
  if (m_target_ids.empty() || m_insert_first) return Ok{};
  sqlite3* db = m_store.connection();
  std::vector<std::tuple<std::int64_t, std::int64_t, std::string>> changed;  // part, identity, packed
  {
    Statement parts(db, "SELECT key, identity, locations FROM identity_parts");
    int rc;
    while ((rc = parts.step()) == SQLITE_ROW) {
      const std::int64_t key = parts.integer(0);
      if (m_touched_parts.contains(key)) continue;
      if (auto decoded = decode_part_locations(parts.blob(2), key); !decoded) return decoded;
      if (mark_unseen_absent(m_merged, m_scan, m_target_ids) == 0) continue;
      pack(m_merged, m_packed);
      changed.emplace_back(key, parts.integer(1), m_packed);
    }
    if (rc != SQLITE_DONE) return fail("cannot update presence");
  }
  Statement update(db, "UPDATE identity_parts SET locations = ?2 WHERE key = ?1");
  for (const auto& [key, identity, packed] : changed) {
    update.reset();
    update.bind(1, key).bind_blob_borrowed(2, packed);
    if (update.step() != SQLITE_DONE) return fail("cannot update presence");
    m_touched.insert(identity);
    m_recheck.insert(identity);
  }
  return Ok{};
}

Status ScanRecorder::update_presence() {
  sqlite3* db = m_store.connection();
  Statement parts(db, "SELECT key, locations FROM identity_parts WHERE identity = ?1");
  Statement update(db,
                   "UPDATE identities SET present = ?2, absent_since_scan = CASE WHEN ?2 THEN NULL "
                   "ELSE coalesce(absent_since_scan, ?3) END WHERE key = ?1");
  for (std::int64_t key : m_recheck) {
    parts.reset();
    parts.bind(1, key);
    bool is_present = false;
    int rc = SQLITE_DONE;
    while (!is_present && (rc = parts.step()) == SQLITE_ROW) {
      if (auto decoded = decode_part_locations(parts.blob(1), parts.integer(0)); !decoded) return decoded;
      is_present = any_present(m_merged);
    }
    if (!is_present && rc != SQLITE_DONE) return fail("cannot update presence");
    update.reset();
    update.bind(1, key).bind(2, std::int64_t{is_present}).bind(3, m_scan);
    if (update.step() != SQLITE_DONE) return fail("cannot update presence");
  }
  return Ok{};
}

Result<ScanCounts> ScanRecorder::finish_scan(ScanCounts counts, const std::string& finished_at) {
  if (m_scan <= 0) return Error{m_store.path() + ": finish_scan() without begin_scan()"};
  std::size_t recorded = m_touched.size();
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
