// Datastore: opening the SQLite file safely, and the read queries of the inventory commands.
#include "src/store/datastore.h"

#include <simdjson.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <tuple>
#include <unordered_map>

#include "src/inventory/location_order.h"
#include "src/store/location_list.h"
#include "src/store/schema.h"

namespace sprawl::store {
namespace {

std::vector<std::string> parse_strings(simdjson::dom::parser& parser, const std::string& json) {
  std::vector<std::string> out;
  if (json == "[]") return out;
  simdjson::dom::array array;
  if (parser.parse(json).get_array().get(array) != simdjson::SUCCESS) return out;
  for (auto item : array) {
    std::string_view text;
    if (item.get_string().get(text) == simdjson::SUCCESS) out.emplace_back(text);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_pairs(simdjson::dom::parser& parser, const std::string& json) {
  std::vector<std::pair<std::string, std::string>> out;
  if (json == "[]") return out;
  simdjson::dom::array array;
  if (parser.parse(json).get_array().get(array) != simdjson::SUCCESS) return out;
  for (auto item : array) {
    std::string_view name, value;
    if (item.at(0).get_string().get(name) == simdjson::SUCCESS &&
        item.at(1).get_string().get(value) == simdjson::SUCCESS)
      out.emplace_back(name, value);
  }
  return out;
}

std::vector<PolicyFlag> parse_policies(simdjson::dom::parser& parser, const std::string& json) {
  std::vector<PolicyFlag> out;
  if (json == "[]") return out;
  simdjson::dom::array array;
  if (parser.parse(json).get_array().get(array) != simdjson::SUCCESS) return out;
  for (auto item : array) {
    std::string_view id, name, evidence;
    if (item["id"].get_string().get(id) != simdjson::SUCCESS) continue;
    if (item["name"].get_string().get(name) != simdjson::SUCCESS) name = {};
    if (item["evidence"].get_string().get(evidence) != simdjson::SUCCESS) evidence = {};
    out.push_back({std::string(id), std::string(name), std::string(evidence)});
  }
  return out;
}

std::vector<std::string> split_members(const std::string& joined) {
  std::vector<std::string> out;
  if (joined.empty()) return out;
  std::size_t start = 0;
  for (std::size_t at; (at = joined.find("!/", start)) != std::string::npos; start = at + 2)
    out.push_back(joined.substr(start, at - start));
  out.push_back(joined.substr(start));
  return out;
}

/// The `strings` lookup table: everything at once for a full load, else one id at a time.
class StringTable {
 public:
  StringTable(sqlite3* db, bool preload) : m_lookup(db, "SELECT value FROM strings WHERE id = ?1") {
    if (!preload) return;
    Statement all(db, "SELECT id, value FROM strings");
    while (all.step() == SQLITE_ROW) m_cache.emplace(all.integer(0), all.text(1));
  }
  const std::string& get(std::int64_t id) {
    auto found = m_cache.find(id);
    if (found != m_cache.end()) return found->second;
    m_lookup.reset();
    m_lookup.bind(1, id);
    std::string value = m_lookup.step() == SQLITE_ROW ? m_lookup.text(0) : std::string();
    return m_cache.emplace(id, std::move(value)).first->second;
  }

 private:
  Statement m_lookup;
  std::unordered_map<std::int64_t, std::string> m_cache;
};

constexpr const char* kIdentityColumns =
    "i.key, i.id, i.provider, i.nhi_type, i.identifier, i.attributes, i.environments, i.first_seen, "
    "i.last_seen, i.first_seen_scan, i.last_seen_scan, i.present, i.absent_since_scan, i.validity, "
    "i.validity_checked_at, i.owner, i.owner_source, i.risk, i.risk_reasons, i.policies";

// Fills `stored` (default-constructed) from one row of kIdentityColumns.
void read_identity(const Statement& row, simdjson::dom::parser& parser, StoredIdentity& stored) {
  Identity& identity = stored.identity;
  identity.id = row.text(1);
  identity.provider = row.text(2);
  identity.nhi_type = row.text(3);
  identity.identifier = row.text(4);
  identity.attributes = parse_pairs(parser, row.text(5));
  identity.environments = parse_strings(parser, row.text(6));
  identity.first_seen = row.text(7);
  identity.last_seen = row.text(8);
  stored.first_seen_scan = row.integer(9);
  stored.last_seen_scan = row.integer(10);
  identity.present = row.integer(11) != 0;
  if (!row.is_null(12)) stored.absent_since_scan = row.integer(12);
  identity.validity = row.text(13);
  identity.validity_checked_at = row.text(14);
  if (!row.is_null(15)) identity.owner = IdentityOwner{row.text(15), row.text(16)};
  identity.risk = static_cast<int>(row.integer(17));
  identity.risk_reasons = parse_strings(parser, row.text(18));
  identity.policies = parse_policies(parser, row.text(19));
}

}  // namespace

const char* to_string(TriageStatus status) {
  switch (status) {
    case TriageStatus::revoked:
      return "revoked";
    case TriageStatus::rotated:
      return "rotated";
    case TriageStatus::false_positive:
      return "false_positive";
    case TriageStatus::accepted_risk:
      return "accepted_risk";
  }
  return "accepted_risk";
}

std::optional<TriageStatus> parse_triage_status(std::string_view text) {
  for (auto status :
       {TriageStatus::revoked, TriageStatus::rotated, TriageStatus::false_positive, TriageStatus::accepted_risk})
    if (text == to_string(status)) return status;
  return std::nullopt;
}

namespace {

/// Refuses a file we must not touch: not SQLite, another program's database, a newer schema, or
/// one that fails quick_check. Reads only. Returns the schema version.
Result<int> check_existing(sqlite3* db, const std::string& path, bool quick_check) {
  auto version = schema_version(db, path);
  if (!version) return Error{path + ": not a sprawl datastore or corrupt (" + sqlite3_errmsg(db) + "); left untouched"};
  if (version.value() > kSchemaVersion)
    return Error{path + ": written by a newer sprawl (schema version " + std::to_string(version.value()) +
                 "; this sprawl reads up to version " + std::to_string(kSchemaVersion) + "); left untouched"};
  if (quick_check) {
    Statement check(db, "PRAGMA quick_check(1)");
    int rc = check.step();
    if (rc != SQLITE_ROW) return Error{path + ": datastore is corrupt (" + sqlite3_errmsg(db) + "); left untouched"};
    if (std::string verdict = check.text(0); verdict != "ok")
      return Error{path + ": datastore is corrupt (quick_check: " + verdict + "); left untouched"};
  }
  if (version.value() == 0) {
    Statement tables(db, "SELECT count(*) FROM sqlite_master");
    if (tables.step() != SQLITE_ROW || tables.integer(0) != 0)
      return Error{path + ": an SQLite database, but not a sprawl datastore (no schema version); left untouched"};
  }
  return version.value();
}

/// Per-connection settings, then WAL and the migrations for a writer. A datastore this open
/// creates (`version` 0) keeps SQLite's rollback journal until it is closed (see ~Datastore).
Status configure(sqlite3* db, const std::string& path, int version, bool read_only) {
  if (auto fk = exec(db, path, "PRAGMA foreign_keys = ON"); !fk) return fk;
  if (read_only) {
    // A reader maps the file: a full load reads every page, and through the default 2 MB cache it
    // read (pread and copy) the identities' pages more than once.
    if (auto map = exec(db, path, "PRAGMA mmap_size = 1073741824"); !map) return map;
    if (version < kSchemaVersion)
      return Error{path + ": datastore has schema version " + std::to_string(version) + ", this sprawl needs " +
                   std::to_string(kSchemaVersion) + "; record a scan into it to upgrade it"};
    return Ok{};
  }
  if (version != 0) {
    Statement wal(db, "PRAGMA journal_mode = WAL");
    if (wal.step() != SQLITE_ROW) return sqlite_error(db, path, "cannot switch to WAL");
  }
  // NORMAL is durable across application crashes in WAL mode; a big page cache keeps the
  // indexes of a large scan in memory while it is recorded.
  if (auto sync = exec(db, path, "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536"); !sync) return sync;
  if (version < kSchemaVersion) return migrate(db, path, version);
  return Ok{};
}

}  // namespace

Result<std::unique_ptr<Datastore>> Datastore::open(const std::string& path, const OpenOptions& options) {
  // SQLite's memory statistics take a global mutex around every allocation: about 7% of the
  // instructions of recording a location. Nothing here reads them. Only possible before SQLite
  // starts, so once, on the first open (a no-op if something else started SQLite already).
  static const bool k_memstatus_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  (void)k_memstatus_off;
  bool read_only = options.mode == OpenMode::read_only;
  std::error_code ec;
  bool exists = std::filesystem::exists(path, ec);
  if (!exists && read_only) return Error{path + ": no such datastore"};
  if (!exists) {
    auto parent = std::filesystem::absolute(path, ec).parent_path();
    if (!std::filesystem::is_directory(parent, ec))
      return Error{path + ": cannot create the datastore: directory " + parent.string() + " does not exist"};
  }
  int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (exists ? 0 : SQLITE_OPEN_CREATE);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    Error error{path + ": cannot open the datastore: " + (db ? sqlite3_errmsg(db) : "out of memory")};
    sqlite3_close(db);
    return error;
  }
  std::unique_ptr<Datastore> store(new Datastore(path, db, read_only));
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  auto version = check_existing(db, path, options.quick_check && exists);
  if (!version) return version.error();
  if (auto ready = configure(db, path, version.value(), read_only); !ready) return ready.error();
  store->m_wal_at_close = !read_only && version.value() == 0;
  return store;
}

Datastore::~Datastore() {
  // A new datastore's first scan went through the rollback journal: its pages are new, so they
  // were written once, straight into the file. In WAL mode they would have been written to the
  // WAL and copied again into the file by the checkpoint (0.1-0.2 s of a 125k-location scan, at
  // its very end). Later writers need WAL (readers never block them), so the file switches now;
  // should another connection hold it, the next writer's open switches it.
  if (m_wal_at_close) sqlite3_exec(m_db, "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr);
  sqlite3_close_v2(m_db);
}

namespace {

using IndexOf = std::unordered_map<std::int64_t, std::size_t>;

// The joins that restrict parts, locations or triage to the selected identities; a full load
// (no WHERE clause) reads each table straight in key order and needs none.
std::string filtered(const char* joins, const std::string& where) { return where.empty() ? where : joins + where; }
// Each part with its packed locations: the part into `out[owner].parts`, its fingerprint into
// the identity's, its locations into the identity's (StringTable resolves their strings).
bool load_parts(sqlite3* db, const std::string& where, std::int64_t bind, StringTable& strings,
                std::vector<StoredIdentity>& out, const IndexOf& index, bool& corrupt) {
  Statement stmt(db,
                 "SELECT p.key, p.identity, p.fingerprint, p.rule_id, p.preview, p.secret, p.locations "
                 "FROM identity_parts p" +
                     filtered(" JOIN identities i ON i.key = p.identity", where) + " ORDER BY p.key");
  stmt.bind(1, bind);
  std::vector<LocationValues> values;
  int rc;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    auto owner = index.find(stmt.integer(1));
    if (owner == index.end()) continue;
    StoredIdentity& identity = out[owner->second];
    StoredPart& part = identity.parts.emplace_back();
    part.fingerprint = stmt.text(2);
    part.rule_id = strings.get(stmt.integer(3));
    part.preview = stmt.text(4);
    if (!stmt.is_null(5)) part.secret = stmt.text(5);
    identity.identity.fingerprints.push_back(part.fingerprint);
    values.clear();
    if (!decode_locations(stmt.blob(6), values)) {
      corrupt = true;
      return false;
    }
    for (const LocationValues& row : values) {
      IdentityLocation& location = identity.identity.locations.emplace_back();
      location.rule_id = part.rule_id;
      location.fingerprint = part.fingerprint;
      location.repository = strings.get(row[kRepository]);
      location.commit = strings.get(row[kCommit]);
      location.commit_date = strings.get(row[kCommitDate]);
      location.author = strings.get(row[kAuthor]);
      location.path = strings.get(row[kPath]);
      location.line = static_cast<std::uint32_t>(row[kLine]);
      location.image = strings.get(row[kImage]);
      location.layer_digest = strings.get(row[kLayerDigest]);
      location.archive_members = split_members(strings.get(row[kMembers]));
      location.environment = strings.get(row[kEnvironment]);
      location.present = row[kPresent] != 0;
      identity.locations.push_back({strings.get(row[kTarget]), row[kFirstSeenScan], row[kLastSeenScan]});
    }
  }
  return rc == SQLITE_DONE;
}

// Each identity's locations in first-seen order, as the builder lists them (they are stored by
// part, each part's in the order first recorded).
void order_locations(std::vector<StoredIdentity>& identities) {
  for (StoredIdentity& stored : identities) {
    std::vector<IdentityLocation>& locations = stored.identity.locations;
    if (locations.size() < 2) continue;
    const std::vector<std::size_t> order = first_seen_order(locations);
    std::vector<IdentityLocation> sorted;
    std::vector<StoredLocation> sorted_stored;
    sorted.reserve(order.size());
    sorted_stored.reserve(order.size());
    for (std::size_t i : order) {
      sorted.push_back(std::move(locations[i]));
      sorted_stored.push_back(std::move(stored.locations[i]));
    }
    locations = std::move(sorted);
    stored.locations = std::move(sorted_stored);
  }
}

bool load_triage(sqlite3* db, const std::string& where, std::int64_t bind, std::vector<StoredIdentity>& out,
                 const IndexOf& index) {
  Statement stmt(db, "SELECT t.identity, t.status, t.note, t.at FROM triage t" +
                         filtered(" JOIN identities i ON i.key = t.identity", where) + " ORDER BY t.key");
  stmt.bind(1, bind);
  int rc;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    auto owner = index.find(stmt.integer(0));
    auto status = parse_triage_status(stmt.text(1));
    if (owner == index.end() || !status) continue;
    out[owner->second].triage = Triage{*status, stmt.text(2), stmt.text(3)};  // the latest wins
  }
  return rc == SQLITE_DONE;
}

}  // namespace

Result<std::vector<StoredIdentity>> Datastore::load_where(const std::string& where, std::int64_t bind) const {
  std::string clause = where.empty() ? std::string() : " WHERE " + where;
  // By descending risk, then id. The order is worked out first from the keys alone and each row
  // read straight into its place: SQLite's sorter would copy every whole row, JSON columns
  // included, and sorting the loaded identities would move each of them.
  IndexOf index;
  {
    Statement order(m_db, "SELECT i.key, i.risk, i.id FROM identities i" + clause);
    if (!order.prepared()) return sqlite_error(m_db, m_path, "cannot read identities");
    order.bind(1, bind);
    std::vector<std::tuple<std::int64_t, std::string, std::int64_t>> keys;  // -risk, id, key
    int rc;
    while ((rc = order.step()) == SQLITE_ROW) keys.emplace_back(-order.integer(1), order.text(2), order.integer(0));
    if (rc != SQLITE_DONE) return sqlite_error(m_db, m_path, "cannot read identities");
    std::sort(keys.begin(), keys.end());
    index.reserve(keys.size());
    for (std::size_t n = 0; n < keys.size(); ++n) index.emplace(std::get<2>(keys[n]), n);
  }
  std::vector<StoredIdentity> out(index.size());
  simdjson::dom::parser parser;
  Statement stmt(m_db, std::string("SELECT ") + kIdentityColumns + " FROM identities i" + clause);
  if (!stmt.prepared()) return sqlite_error(m_db, m_path, "cannot read identities");
  stmt.bind(1, bind);
  int rc;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    const auto place = index.find(stmt.integer(0));
    if (place != index.end()) read_identity(stmt, parser, out[place->second]);
  }
  if (rc != SQLITE_DONE) return sqlite_error(m_db, m_path, "cannot read identities");
  StringTable strings(m_db, where.empty());
  bool corrupt = false;
  if (!load_parts(m_db, clause, bind, strings, out, index, corrupt) || !load_triage(m_db, clause, bind, out, index)) {
    if (corrupt) return Error{m_path + ": datastore is corrupt (a credential part's locations cannot be read)"};
    return sqlite_error(m_db, m_path, "cannot read identities");
  }
  order_locations(out);
  return out;
}

Result<std::vector<StoredIdentity>> Datastore::load_identities() const { return load_where("", 0); }

Result<std::int64_t> Datastore::identity_key(const std::string& id_or_prefix) const {
  if (id_or_prefix.empty()) return Error{"no identity id given"};
  Statement stmt(m_db,
                 "SELECT key, id FROM identities WHERE id >= ?1 AND id < ?1 || char(0x10FFFF) ORDER BY id LIMIT 2");
  stmt.bind(1, std::string_view(id_or_prefix));
  std::vector<std::pair<std::int64_t, std::string>> found;
  while (stmt.step() == SQLITE_ROW) found.emplace_back(stmt.integer(0), stmt.text(1));
  if (found.empty()) return Error{m_path + ": no identity " + id_or_prefix};
  if (found.size() > 1 && found[0].second != id_or_prefix)
    return Error{m_path + ": identity prefix " + id_or_prefix + " is ambiguous (" + found[0].second + ", " +
                 found[1].second + ", …)"};
  return found[0].first;
}

Result<StoredIdentity> Datastore::find_identity(const std::string& id_or_prefix) const {
  auto key = identity_key(id_or_prefix);
  if (!key) return key.error();
  auto loaded = load_where("i.key = ?1", key.value());
  if (!loaded) return loaded.error();
  if (loaded->empty()) return Error{m_path + ": no identity " + id_or_prefix};
  return std::move(loaded->front());
}

Status Datastore::set_triage(const std::string& id_or_prefix, const Triage& triage) {
  if (m_read_only) return Error{m_path + ": opened read-only"};
  auto key = identity_key(id_or_prefix);
  if (!key) return key.error();
  Statement stmt(m_db, "INSERT INTO triage (identity, status, note, at) VALUES (?1, ?2, ?3, ?4)");
  stmt.bind(1, key.value()).bind(2, std::string_view(to_string(triage.status))).bind(3, triage.note).bind(4, triage.at);
  if (stmt.step() != SQLITE_DONE) return sqlite_error(m_db, m_path, "cannot record the triage");
  return Ok{};
}

Result<std::vector<ScanRecord>> Datastore::scans() const {
  Statement stmt(m_db,
                 "SELECT id, started_at, finished_at, status, targets, head_commits, sprawl_version, rules_digest, "
                 "findings, identities, locations, new_identities FROM scans ORDER BY id");
  std::vector<ScanRecord> out;
  simdjson::dom::parser parser;
  int rc;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    ScanRecord scan;
    scan.id = stmt.integer(0);
    scan.started_at = stmt.text(1);
    scan.finished_at = stmt.text(2);
    scan.complete = stmt.text(3) == "complete";
    scan.targets = parse_strings(parser, stmt.text(4));
    scan.head_commits = parse_pairs(parser, stmt.text(5));
    scan.sprawl_version = stmt.text(6);
    scan.rules_digest = stmt.text(7);
    scan.counts = {stmt.integer(8), stmt.integer(9), stmt.integer(10), stmt.integer(11)};
    out.push_back(std::move(scan));
  }
  if (rc != SQLITE_DONE) return sqlite_error(m_db, m_path, "cannot read scans");
  return out;
}

Result<std::int64_t> Datastore::scan_at_or_before(const std::string& date) const {
  // A bare date means the whole day: "2025-01-31" covers "2025-01-31T23:59:59Z".
  Statement stmt(m_db,
                 "SELECT max(id) FROM scans WHERE status = 'complete' AND substr(started_at, 1, length(?1)) <= ?1");
  stmt.bind(1, date);
  if (stmt.step() != SQLITE_ROW) return sqlite_error(m_db, m_path, "cannot read scans");
  if (stmt.is_null(0)) return Error{m_path + ": no complete scan at or before " + date};
  return stmt.integer(0);
}

Result<IdentityDiff> Datastore::diff_since(std::int64_t scan_id) const {
  Statement exists(m_db, "SELECT 1 FROM scans WHERE id = ?1");
  exists.bind(1, scan_id);
  if (exists.step() != SQLITE_ROW) return Error{m_path + ": no scan " + std::to_string(scan_id)};
  auto added = load_where("i.first_seen_scan > ?1", scan_id);
  if (!added) return added.error();
  // Resolved: recorded by that scan or before, and found absent by a later one.
  auto resolved = load_where("i.first_seen_scan <= ?1 AND i.present = 0 AND i.absent_since_scan > ?1", scan_id);
  if (!resolved) return resolved.error();
  return IdentityDiff{scan_id, std::move(added.value()), std::move(resolved.value())};
}

}  // namespace sprawl::store
