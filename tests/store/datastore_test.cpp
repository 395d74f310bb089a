// Datastore::open: creation, migration, and refusing what it must not touch — a newer schema, a
// corrupt file, another program's database — plus waiting for a second writer's lock.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include "src/store/datastore.h"
#include "src/store/scan_recorder.h"
#include "src/store/schema.h"
#include "tests/store/store_fixtures.h"
#include "tests/support/temp_dir.h"

using namespace sprawl;
using namespace sprawl::store;
using sprawl::test::RawDb;
using sprawl::test::TempDir;

namespace {

/// A closed datastore holding one complete scan of `identities` identities.
void write_datastore(const std::string& path, int identities) {
  auto store = Datastore::open(path);
  INFO((store.ok() ? std::string() : store.error().message));
  REQUIRE(store.ok());
  ScanRecorder recorder(**store);
  REQUIRE(recorder.begin_scan({"2025-01-01T00:00:00Z", {"repo"}, {}, "0.1.0", "digest"}).ok());
  std::vector<Identity> batch;
  for (int n = 0; n < identities; ++n)
    batch.push_back(test::make_identity(n, {test::make_location(n, "repo", "config/app.env")}, "2024-05-01T10:00:00Z",
                                        "2025-01-01T00:00:00Z"));
  const std::vector<Finding> no_findings;
  REQUIRE(recorder.record(batch, FindingIndex(no_findings)).ok());
  REQUIRE(recorder.finish_scan({}, "2025-01-01T00:01:00Z").ok());
}

}  // namespace

TEST_CASE("a missing datastore is created in WAL mode at the current schema and reopens", "[store]") {
  TempDir dir;
  std::string path = dir / "inventory.db";
  {
    auto store = Datastore::open(path);
    REQUIRE(store.ok());
  }
  RawDb raw(path);
  CHECK(raw.integer("PRAGMA user_version") == kSchemaVersion);
  CHECK(raw.integer("SELECT count(*) FROM pragma_table_info('identity_parts') WHERE name = 'locations'") == 1);
  CHECK(raw.text("PRAGMA journal_mode") == "wal");
  auto again = Datastore::open(path);
  REQUIRE(again.ok());
  auto read_only = Datastore::open(path, {OpenMode::read_only});
  REQUIRE(read_only.ok());
  CHECK(read_only.value()->load_identities()->empty());
  CHECK(read_only.value()->scans()->empty());
}

TEST_CASE("a new datastore's first scan goes through the rollback journal, later ones through WAL", "[store]") {
  // The first scan's pages are all new: written once into the file, not into a WAL and again by
  // the checkpoint. The file is in WAL mode from its close on, so readers never block a writer.
  TempDir dir;
  std::string path = dir / "inventory.db";
  const auto journal_mode = [](sqlite3* db) {
    store::Statement mode(db, "PRAGMA journal_mode");
    return mode.step() == SQLITE_ROW ? mode.text(0) : std::string("?");
  };
  {
    auto store = Datastore::open(path);
    REQUIRE(store.ok());
    CHECK(journal_mode(store.value()->connection()) == "delete");
    ScanRecorder recorder(**store);
    REQUIRE(recorder.begin_scan({"2025-01-01T00:00:00Z", {"repo"}, {}, "0.1.0", "digest"}).ok());
    const std::vector<Identity> batch{test::make_identity(1, {test::make_location(1, "repo", "app.env")},
                                                          "2024-05-01T10:00:00Z", "2025-01-01T00:00:00Z")};
    const std::vector<Finding> no_findings;
    REQUIRE(recorder.record(batch, FindingIndex(no_findings)).ok());
    REQUIRE(recorder.finish_scan({}, "2025-01-01T00:01:00Z").ok());
    CHECK_FALSE(std::filesystem::exists(path + "-wal"));
  }
  {
    RawDb raw(path);
    CHECK(raw.text("PRAGMA journal_mode") == "wal");
    const auto rows = raw.locations();
    REQUIRE(rows);
    CHECK(rows->size() == 1);
  }
  auto again = Datastore::open(path);
  REQUIRE(again.ok());
  CHECK(journal_mode(again.value()->connection()) == "wal");
}

TEST_CASE("a new datastore another connection holds at close is switched to WAL by the next writer", "[store]") {
  TempDir dir;
  std::string path = dir / "inventory.db";
  {
    auto store = Datastore::open(path);
    REQUIRE(store.ok());
    RawDb reader(path);
    REQUIRE(reader.exec("BEGIN") == SQLITE_OK);
    REQUIRE(reader.integer("SELECT count(*) FROM identities") == 0);  // holds a read lock
    store.value().reset();  // closes: the switch to WAL is refused while the reader reads
    CHECK(reader.text("PRAGMA journal_mode") == "delete");
    REQUIRE(reader.exec("COMMIT") == SQLITE_OK);
  }
  auto writer = Datastore::open(path);
  REQUIRE(writer.ok());
  RawDb raw(path);
  CHECK(raw.text("PRAGMA journal_mode") == "wal");
}

TEST_CASE("an empty file is migrated to the current schema", "[store]") {
  TempDir dir;
  std::string path = dir.write("empty.db", "");
  REQUIRE(Datastore::open(path).ok());  // closed again: in WAL mode from then on
  RawDb raw(path);
  CHECK(raw.integer("PRAGMA user_version") == kSchemaVersion);
  CHECK(raw.text("PRAGMA journal_mode") == "wal");
}

TEST_CASE("a version 1 datastore is migrated to packed locations, every location kept under its part", "[store]") {
  // Through version 2 (locations WITHOUT ROWID) to 3 (each part's locations packed into its row).
  TempDir dir;
  std::string path = dir / "v1.db";
  {
    RawDb raw(path);
    REQUIRE(raw.exec(std::string(schema_migration(1))) == SQLITE_OK);
    REQUIRE(raw.exec("PRAGMA user_version = 1") == SQLITE_OK);
    // Strings 1..: "", repo, commit, two dates, author, three paths, prod, github-pat.
    REQUIRE(raw.exec("INSERT INTO strings (id, value) VALUES (1, ''), (2, 'repo'), (3, 'c0ffee'), "
                     "(4, '2025-03-01T00:00:00Z'), (5, '2024-01-01T00:00:00Z'), (6, 'Alice <a@example.com>'), "
                     "(7, 'b.env'), (8, 'a.env'), (9, 'c.env'), (10, 'prod'), (11, 'github-pat')") == SQLITE_OK);
    REQUIRE(
        raw.exec("INSERT INTO scans (id, started_at, finished_at, status, targets, head_commits, sprawl_version, "
                 "rules_digest) VALUES (1, '2025-04-01T00:00:00Z', '2025-04-01T00:01:00Z', 'complete', '[\"repo\"]', "
                 "'{}', '0.1.0', 'd')") == SQLITE_OK);
    REQUIRE(
        raw.exec("INSERT INTO identities (key, id, provider, nhi_type, identifier, attributes, environments, "
                 "first_seen, last_seen, first_seen_scan, last_seen_scan, present, validity, validity_checked_at, "
                 "risk, risk_reasons, policies) VALUES (1, '00000000000a1b2c', 'github', 'api_key', 'bot', '[]', "
                 "'[\"prod\"]', '2024-01-01T00:00:00Z', '2025-04-01T00:00:00Z', 1, 1, 1, '', '', 60, '[]', '[]')") ==
        SQLITE_OK);
    REQUIRE(raw.exec("INSERT INTO identity_parts (key, identity, fingerprint, rule_id, preview) VALUES "
                     "(1, 1, '" +
                     test::fake_fingerprint(1) + "', 11, 'ghp_…(40)'), (2, 1, '" + test::fake_fingerprint(2) +
                     "', 11, 'ghp_…(40)')") == SQLITE_OK);
    // Recorded newest first, the parts interleaved: a load must still list the earliest first,
    // then undated, by path, each under its own part.
    REQUIRE(
        raw.exec("INSERT INTO locations (part, repository, commit_id, commit_date, author, path, line, image, "
                 "layer_digest, members, target, environment, present, first_seen_scan, last_seen_scan) VALUES "
                 "(1, 2, 3, 4, 6, 7, 3, 1, 1, 1, 2, 10, 1, 1, 1), (2, 2, 3, 4, 6, 9, 12, 1, 1, 1, 2, 10, 1, 1, 1), "
                 "(1, 2, 1, 1, 1, 9, 1, 1, 1, 1, 2, 10, 1, 1, 1), (1, 2, 3, 5, 6, 8, 7, 1, 1, 1, 2, 10, 0, 1, 1)") ==
        SQLITE_OK);
  }
  auto store = Datastore::open(path);
  INFO((store.ok() ? std::string() : store.error().message));
  REQUIRE(store.ok());
  {
    RawDb raw(path);
    CHECK(raw.integer("PRAGMA user_version") == kSchemaVersion);
    CHECK(raw.integer("SELECT count(*) FROM sqlite_master WHERE name = 'locations'") == 0);
    const auto rows = raw.locations();
    REQUIRE(rows);
    REQUIRE(rows->size() == 4);
    CHECK(std::count_if(rows->begin(), rows->end(), [](const auto& row) { return row.first == 2; }) == 1);
  }
  auto loaded = store.value()->load_identities();
  REQUIRE(loaded.ok());
  REQUIRE(loaded->size() == 1);
  const StoredIdentity& stored = loaded->front();
  REQUIRE(stored.identity.locations.size() == 4);
  REQUIRE(stored.locations.size() == 4);
  REQUIRE(stored.parts.size() == 2);
  const auto& first = stored.identity.locations[0];
  CHECK(first.path == "a.env");
  CHECK(first.line == 7);
  CHECK(first.commit_date == "2024-01-01T00:00:00Z");
  CHECK(first.commit == "c0ffee");
  CHECK(first.author == "Alice <a@example.com>");
  CHECK(first.repository == "repo");
  CHECK(first.environment == "prod");
  CHECK_FALSE(first.present);
  CHECK(first.fingerprint == test::fake_fingerprint(1));
  CHECK(first.rule_id == "github-pat");
  CHECK(stored.identity.locations[1].path == "b.env");
  CHECK(stored.identity.locations[1].fingerprint == test::fake_fingerprint(1));
  CHECK(stored.identity.locations[2].path == "c.env");  // the same date: by path
  CHECK(stored.identity.locations[2].line == 12);
  CHECK(stored.identity.locations[2].fingerprint == test::fake_fingerprint(2));
  CHECK(stored.identity.locations[3].path == "c.env");  // undated: last
  CHECK(stored.identity.locations[3].commit.empty());
  CHECK(stored.identity.locations[3].fingerprint == test::fake_fingerprint(1));
  CHECK(stored.locations[0].target == "repo");
  CHECK(stored.locations[0].first_seen_scan == 1);

  // A rescan that sees one of them again updates that row: no duplicate under the new key.
  ScanRecorder recorder(**store);
  REQUIRE(recorder.begin_scan({"2025-05-01T00:00:00Z", {"repo"}, {}, "0.1.0", "d"}).ok());
  IdentityLocation again = first;
  again.present = true;
  Identity identity = stored.identity;
  identity.locations = {again};
  identity.present = true;
  const std::vector<Finding> no_findings;
  REQUIRE(recorder.record(std::vector<Identity>{identity}, FindingIndex(no_findings)).ok());
  REQUIRE(recorder.finish_scan({}, "2025-05-01T00:01:00Z").ok());
  RawDb raw(path);
  const auto rows = raw.locations();
  REQUIRE(rows);
  REQUIRE(rows->size() == 4);
  for (const auto& [part, location] : *rows) {
    INFO("part " << part << ", path " << location[kPath] << ", line " << location[kLine]);
    const bool seen_again = location[kPath] == 8;
    CHECK(location[kLastSeenScan] == (seen_again ? 2 : 1));
    CHECK(location[kFirstSeenScan] == 1);
    // Not seen by a scan of their target: no longer present.
    CHECK(location[kPresent] == (seen_again ? 1 : 0));
  }
}

TEST_CASE("a datastore whose directory does not exist is not created", "[store]") {
  TempDir dir;
  auto store = Datastore::open(dir / "missing/inventory.db");
  REQUIRE_FALSE(store.ok());
  CHECK_THAT(store.error().message, Catch::Contains("does not exist"));
  CHECK_FALSE(std::filesystem::exists(dir / "missing"));
}

TEST_CASE("opening a missing datastore read-only is an error and creates nothing", "[store]") {
  TempDir dir;
  auto store = Datastore::open(dir / "inventory.db", {OpenMode::read_only});
  REQUIRE_FALSE(store.ok());
  CHECK_THAT(store.error().message, Catch::Contains("no such datastore"));
  CHECK_FALSE(std::filesystem::exists(dir / "inventory.db"));
}

TEST_CASE("a datastore written by a newer sprawl is refused with both versions and left byte-identical", "[store]") {
  TempDir dir;
  std::string path = dir / "inventory.db";
  write_datastore(path, 3);
  {
    RawDb raw(path);
    REQUIRE(raw.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion + 5)) == SQLITE_OK);
  }
  std::string before = test::read_text(path);
  auto store = Datastore::open(path);
  REQUIRE_FALSE(store.ok());
  CHECK_THAT(store.error().message, Catch::Contains("newer sprawl") &&
                                        Catch::Contains("schema version " + std::to_string(kSchemaVersion + 5)) &&
                                        Catch::Contains("up to version " + std::to_string(kSchemaVersion)));
  CHECK(test::read_text(path) == before);
  CHECK_FALSE(Datastore::open(path, {OpenMode::read_only}).ok());
  CHECK(test::read_text(path) == before);
}

TEST_CASE("a file of random bytes is refused and left untouched", "[store]") {
  TempDir dir;
  std::mt19937 random(7);
  std::string bytes(64 * 1024, '\0');
  for (auto& byte : bytes) byte = static_cast<char>(random());
  std::string path = dir.write("inventory.db", bytes);
  auto store = Datastore::open(path);
  REQUIRE_FALSE(store.ok());
  CHECK_THAT(store.error().message, Catch::StartsWith(path) && Catch::Contains("left untouched"));
  CHECK(test::read_text(path) == bytes);
}

TEST_CASE("a truncated datastore is refused as corrupt and left untouched", "[store]") {
  TempDir dir;
  std::string path = dir / "inventory.db";
  write_datastore(path, 2000);
  std::string whole = test::read_text(path);
  REQUIRE(whole.size() > 64 * 1024);
  std::string truncated = whole.substr(0, whole.size() / 2);
  dir.write("inventory.db", truncated);
  auto store = Datastore::open(path);
  REQUIRE_FALSE(store.ok());
  CHECK_THAT(store.error().message, Catch::Contains("corrupt") && Catch::Contains("left untouched"));
  CHECK(test::read_text(path) == truncated);
}

TEST_CASE("another program's SQLite database is not taken over", "[store]") {
  TempDir dir;
  std::string path = dir / "other.db";
  {
    RawDb raw(path);
    REQUIRE(raw.exec("CREATE TABLE notes (text TEXT)") == SQLITE_OK);
  }
  std::string before = test::read_text(path);
  auto store = Datastore::open(path);
  REQUIRE_FALSE(store.ok());
  CHECK_THAT(store.error().message, Catch::Contains("not a sprawl datastore"));
  CHECK(test::read_text(path) == before);
}

TEST_CASE("a second writer waits for the lock, then says the datastore is locked", "[store]") {
  TempDir dir;
  std::string path = dir / "inventory.db";
  write_datastore(path, 1);
  RawDb other(path);
  REQUIRE(other.exec("BEGIN IMMEDIATE") == SQLITE_OK);
  REQUIRE(other.exec("INSERT INTO strings (value) VALUES ('held')") == SQLITE_OK);

  OpenOptions options;
  options.busy_timeout_ms = 300;
  auto store = Datastore::open(path, options);
  REQUIRE(store.ok());
  ScanRecorder recorder(**store);
  auto start = std::chrono::steady_clock::now();
  auto scan = recorder.begin_scan({"2025-02-01T00:00:00Z", {"repo"}, {}, "0.1.0", "digest"});
  auto waited = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(scan.ok());
  CHECK(scan.error().message == path + ": datastore is locked by another sprawl (waited 300 ms)");
  CHECK(waited >= std::chrono::milliseconds(250));

  REQUIRE(other.exec("COMMIT") == SQLITE_OK);
  auto retry = recorder.begin_scan({"2025-02-01T00:00:00Z", {"repo"}, {}, "0.1.0", "digest"});
  REQUIRE(retry.ok());
  REQUIRE(recorder.finish_scan({}, "2025-02-01T00:01:00Z").ok());
  CHECK(store.value()->scans()->size() == 2);
}
