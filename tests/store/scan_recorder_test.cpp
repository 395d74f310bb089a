// ScanRecorder: rescans, presence and history, triage across rescans, diff, secrets kept out of
// the file unless asked, a full disk rolled back, and the size of a location on disk.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "src/report/redact.h"
#include "src/store/datastore.h"
#include "src/store/scan_recorder.h"
#include "tests/store/store_fixtures.h"
#include "tests/support/temp_dir.h"

using namespace sprawl;
using namespace sprawl::store;
using sprawl::test::make_identity;
using sprawl::test::make_location;
using sprawl::test::RawDb;
using sprawl::test::TempDir;

namespace {

std::unique_ptr<Datastore> open_store(const std::string& path) {
  auto store = Datastore::open(path);
  INFO((store.ok() ? std::string() : store.error().message));
  REQUIRE(store.ok());
  return std::move(store.value());
}

ScanInfo scan_info(const std::string& at, bool store_secrets = false) {
  ScanInfo info{at, {"repo"}, {{"repo", "0123456789abcdef0123456789abcdef01234567"}}, "0.1.0", "rules-digest"};
  info.store_secrets = store_secrets;
  return info;
}

/// Records one complete scan; returns its id.
std::int64_t record_scan(Datastore& store, const std::string& at, const std::vector<Identity>& identities,
                         const std::vector<Finding>& findings = {}, bool store_secrets = false) {
  ScanRecorder recorder(store);
  auto scan = recorder.begin_scan(scan_info(at, store_secrets));
  REQUIRE(scan.ok());
  auto recorded = recorder.record(identities, FindingIndex(findings));
  INFO((recorded.ok() ? std::string() : recorded.error().message));
  REQUIRE(recorded.ok());
  REQUIRE(recorder.finish_scan({static_cast<std::int64_t>(findings.size())}, at).ok());
  return scan.value();
}

}  // namespace

TEST_CASE("a rescan updates first and last seen without duplicating identities or locations", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "inventory.db");
  Identity first =
      make_identity(1, {make_location(1, "repo", "app.env")}, "2024-05-01T10:00:00Z", "2025-01-01T00:00:00Z");
  std::int64_t scan1 = record_scan(*store, "2025-01-01T00:00:00Z", {first});
  // The second scan reports a later introduction date (e.g. a plain-file scan time): the earliest stays.
  Identity again =
      make_identity(1, {make_location(1, "repo", "app.env")}, "2025-02-01T00:00:00Z", "2025-02-01T00:00:00Z");
  std::int64_t scan2 = record_scan(*store, "2025-02-01T00:00:00Z", {again});

  auto identities = store->load_identities();
  REQUIRE(identities.ok());
  REQUIRE(identities->size() == 1);
  const StoredIdentity& stored = identities->front();
  CHECK(stored.identity.id == first.id);
  CHECK(stored.identity.first_seen == "2024-05-01T10:00:00Z");
  CHECK(stored.identity.last_seen == "2025-02-01T00:00:00Z");
  CHECK(stored.first_seen_scan == scan1);
  CHECK(stored.last_seen_scan == scan2);
  CHECK(stored.identity.present);
  REQUIRE(stored.locations.size() == 1);
  CHECK(stored.locations[0].first_seen_scan == scan1);
  CHECK(stored.locations[0].last_seen_scan == scan2);
  CHECK(stored.locations[0].target == "repo");
  CHECK(stored.identity.locations[0].author == "Alice <alice@example.com>");
  CHECK(stored.identity.owner->source == "codeowners");
  CHECK(stored.identity.policies.at(0).id == "NHI2");
  CHECK(stored.identity.attributes.at(0).second == "bot-1");
  REQUIRE(stored.parts.size() == 1);
  CHECK(stored.parts[0].rule_id == "github-pat");

  auto scans = store->scans();
  REQUIRE(scans->size() == 2);
  CHECK(scans->at(0).complete);
  CHECK(scans->at(0).counts.new_identities == 1);
  CHECK(scans->at(1).counts.new_identities == 0);
  CHECK(scans->at(1).counts.identities == 1);
  CHECK(scans->at(1).head_commits.at(0).first == "repo");
}

TEST_CASE("locations recorded once each, in order, across batches and a rescan", "[store]") {
  // 3 identities x 13 locations, recorded in two record() calls, then again with one gone.
  TempDir dir;
  auto store = open_store(dir / "inventory.db");
  std::vector<Identity> identities;
  for (int n = 1; n <= 3; ++n) {
    std::vector<IdentityLocation> locations;
    for (std::uint32_t line = 1; line <= 13; ++line)
      locations.push_back(make_location(n, "repo", "f" + std::to_string(n) + ".env", true, line));
    identities.push_back(make_identity(n, std::move(locations), "2024-05-01", "2025-01-01"));
  }
  const auto record_in_two_calls = [&](const std::string& at) {
    ScanRecorder recorder(*store);
    auto scan = recorder.begin_scan(scan_info(at));
    REQUIRE(scan.ok());
    const FindingIndex none(std::vector<Finding>{});
    REQUIRE(recorder.record(std::span<const Identity>(identities).first(2), none).ok());
    REQUIRE(recorder.record(std::span<const Identity>(identities).subspan(2), none).ok());
    auto counts = recorder.finish_scan({}, at);
    REQUIRE(counts.ok());
    return std::make_pair(scan.value(), counts.value());
  };
  const auto [scan1, first] = record_in_two_calls("2025-01-01T00:00:00Z");
  CHECK(first.locations == 39);
  // Rescan with the last line of identity 3 gone: 38 updated in place, one left as history.
  identities[2].locations.pop_back();
  const auto [scan2, second] = record_in_two_calls("2025-02-01T00:00:00Z");
  CHECK(second.locations == 38);

  RawDb raw(dir / "inventory.db");
  const auto rows = raw.locations();
  REQUIRE(rows);
  CHECK(rows->size() == 39);
  CHECK(std::count_if(rows->begin(), rows->end(),
                      [&](const auto& row) { return row.second[store::kLastSeenScan] == scan2; }) == 38);
  for (int n = 1; n <= 3; ++n) {
    auto stored = store->find_identity(identities[static_cast<std::size_t>(n - 1)].id);
    REQUIRE(stored.ok());
    REQUIRE(stored->identity.locations.size() == 13);
    for (std::uint32_t line = 1; line <= 13; ++line) {
      const auto& location = stored->identity.locations[line - 1];
      CHECK(location.line == line);
      CHECK(location.path == "f" + std::to_string(n) + ".env");
      CHECK(location.present == (n != 3 || line != 13));
      CHECK(stored->locations[line - 1].first_seen_scan == scan1);
    }
  }
}

TEST_CASE("every location column is stored and read back, empty ones included, in a batch and the next", "[store]") {
  // Each batch interns its distinct strings once and each location refers to them by index:
  // neighbouring locations that repeat a column, leave it empty or change it must all read back.
  TempDir dir;
  auto store = open_store(dir / "inventory.db");
  IdentityLocation plain = make_location(1, "", "/srv/app/.env", true, 3);
  plain.commit = plain.commit_date = plain.author = "";
  plain.environment = "";
  IdentityLocation git = make_location(1, "repo", "config/prod.env", false, 9);
  IdentityLocation layer = make_location(1, "", "etc/app.conf", true, 1);
  layer.commit = layer.commit_date = layer.author = "";
  layer.image = "registry.example.com/app:1";
  layer.layer_digest = "sha256:" + std::string(64, 'a');
  layer.archive_members = {"bundle.tar", "inner/app.conf"};
  layer.environment = "staging";
  IdentityLocation again = git;  // the same values as the location two before
  again.line = 10;
  const std::vector<IdentityLocation> all{plain, git, layer, again};
  std::vector<Identity> first_batch{make_identity(1, all, "2024-05-01", "2025-01-01")};
  std::vector<Identity> second_batch{make_identity(2, {git, layer, plain}, "2024-05-01", "2025-01-01")};
  for (auto& location : second_batch[0].locations) location.fingerprint = test::fake_fingerprint(2);

  ScanRecorder recorder(*store);
  REQUIRE(recorder.begin_scan(scan_info("2025-01-01T00:00:00Z")).ok());
  const FindingIndex none(std::vector<Finding>{});
  REQUIRE(recorder.record(first_batch, none).ok());
  REQUIRE(recorder.record(second_batch, none).ok());
  REQUIRE(recorder.finish_scan({}, "2025-01-01T00:01:00Z").ok());

  const auto same = [](const IdentityLocation& stored, const IdentityLocation& given) {
    INFO(given.path << ":" << given.line);
    CHECK(stored.repository == given.repository);
    CHECK(stored.commit == given.commit);
    CHECK(stored.commit_date == given.commit_date);
    CHECK(stored.author == given.author);
    CHECK(stored.path == given.path);
    CHECK(stored.line == given.line);
    CHECK(stored.image == given.image);
    CHECK(stored.layer_digest == given.layer_digest);
    CHECK(stored.archive_members == given.archive_members);
    CHECK(stored.environment == given.environment);
    CHECK(stored.present == given.present);
  };
  for (const Identity& given : {first_batch[0], second_batch[0]}) {
    auto stored = store->find_identity(given.id);
    REQUIRE(stored.ok());
    REQUIRE(stored->identity.locations.size() == given.locations.size());
    for (const IdentityLocation& location : given.locations) {
      const auto found =
          std::find_if(stored->identity.locations.begin(), stored->identity.locations.end(),
                       [&](const IdentityLocation& s) { return s.path == location.path && s.line == location.line; });
      REQUIRE(found != stored->identity.locations.end());
      same(*found, location);
      const StoredLocation& where =
          stored->locations[static_cast<std::size_t>(found - stored->identity.locations.begin())];
      // Under the scan's target "repo" when found in it, else under its own path.
      CHECK(where.target == (location.repository == "repo" ? "repo" : location.image.empty() ? "" : location.image));
    }
  }
}

TEST_CASE("a first scan writes identities and parts in groups, one identity given twice included", "[store]") {
  // 37 identities of two parts each (groups of 16 and a tail), identity 5 given again at the end
  // of the first record() call and identity 25 again at the start of the second, each time with
  // one more location: no orphan part, no duplicate, every location under the right identity.
  TempDir dir;
  auto store = open_store(dir / "inventory.db");
  const auto two_part_identity = [](int n, std::uint32_t lines) {
    std::vector<IdentityLocation> locations;
    for (std::uint32_t line = 1; line <= lines; ++line) {
      locations.push_back(make_location(n, "repo", "f" + std::to_string(n) + ".env", true, line));
      IdentityLocation other = make_location(1000 + n, "repo", "f" + std::to_string(n) + ".env", true, line + 100);
      locations.push_back(other);
    }
    Identity identity = make_identity(n, std::move(locations), "2024-05-01", "2025-01-01");
    identity.fingerprints = {test::fake_fingerprint(n), test::fake_fingerprint(1000 + n)};
    return identity;
  };
  std::vector<Identity> first_batch, second_batch;
  for (int n = 0; n < 20; ++n) first_batch.push_back(two_part_identity(n, 1));
  first_batch.push_back(two_part_identity(5, 2));
  second_batch.push_back(two_part_identity(25, 2));
  for (int n = 20; n < 37; ++n) second_batch.push_back(two_part_identity(n, 1));
  ScanRecorder recorder(*store);
  REQUIRE(recorder.begin_scan(scan_info("2025-01-01T00:00:00Z")).ok());
  const FindingIndex none(std::vector<Finding>{});
  REQUIRE(recorder.record(first_batch, none).ok());
  REQUIRE(recorder.record(second_batch, none).ok());
  auto counts = recorder.finish_scan({}, "2025-01-01T00:01:00Z");
  REQUIRE(counts.ok());
  CHECK(counts->identities == 37);
  CHECK(counts->new_identities == 37);

  RawDb raw(dir / "inventory.db");
  CHECK(raw.integer("SELECT count(*) FROM identities") == 37);
  CHECK(raw.integer("SELECT count(*) FROM identity_parts") == 74);
  CHECK(raw.integer("SELECT count(*) FROM identity_parts WHERE identity NOT IN (SELECT key FROM identities)") == 0);
  const auto rows = raw.locations();
  REQUIRE(rows);
  CHECK(rows->size() == 2 * 37 + 4);
  for (int n : {0, 5, 15, 16, 25, 36}) {
    auto stored = store->find_identity(two_part_identity(n, 1).id);
    REQUIRE(stored.ok());
    CHECK(stored->parts.size() == 2);
    CHECK(stored->identity.locations.size() == (n == 5 || n == 25 ? 4u : 2u));
    for (const auto& location : stored->identity.locations) CHECK(location.path == "f" + std::to_string(n) + ".env");
  }
}

TEST_CASE("a location not found again stays as history, and the identity is resolved in the diff", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "inventory.db");
  Identity kept = make_identity(1, {make_location(1, "repo", "a.env")}, "2024-05-01", "2025-01-01");
  Identity removed = make_identity(2, {make_location(2, "repo", "b.env")}, "2024-05-01", "2025-01-01");
  std::int64_t scan1 = record_scan(*store, "2025-01-01T00:00:00Z", {kept, removed});
  // Second scan: identity 2 is gone (history rewritten), identity 3 is new.
  Identity added = make_identity(3, {make_location(3, "repo", "c.env")}, "2025-01-15", "2025-02-01");
  record_scan(*store, "2025-02-01T00:00:00Z", {kept, added});

  auto gone = store->find_identity(removed.id);
  REQUIRE(gone.ok());
  CHECK_FALSE(gone->identity.present);
  REQUIRE(gone->locations.size() == 1);
  CHECK_FALSE(gone->identity.locations[0].present);
  CHECK(store->find_identity(kept.id)->identity.present);

  auto diff = store->diff_since(scan1);
  REQUIRE(diff.ok());
  REQUIRE(diff->added.size() == 1);
  CHECK(diff->added[0].identity.id == added.id);
  REQUIRE(diff->resolved.size() == 1);
  CHECK(diff->resolved[0].identity.id == removed.id);
  CHECK(store->scan_at_or_before("2025-01-20").value() == scan1);
  CHECK_FALSE(store->scan_at_or_before("2024-12-31").ok());
}

TEST_CASE("a secret removed from HEAD but still in history is no longer present", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "inventory.db");
  std::int64_t scan1 = record_scan(*store, "2025-01-01T00:00:00Z",
                                   {make_identity(1, {make_location(1, "repo", "a.env")}, "2024-05-01", "x")});
  record_scan(*store, "2025-02-01T00:00:00Z",
              {make_identity(1, {make_location(1, "repo", "a.env", /*present=*/false)}, "2024-05-01", "y")});
  auto stored = store->load_identities();
  REQUIRE(stored->size() == 1);
  CHECK_FALSE(stored->at(0).identity.present);
  CHECK(stored->at(0).absent_since_scan == scan1 + 1);
  CHECK(store->diff_since(scan1)->resolved.size() == 1);
}

TEST_CASE("triage survives a rescan; the latest decision counts; an identity prefix finds it", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "inventory.db");
  Identity identity = make_identity(1, {make_location(1, "repo", "a.env")}, "2024-05-01", "2025-01-01");
  record_scan(*store, "2025-01-01T00:00:00Z", {identity});
  REQUIRE(store->set_triage(identity.id.substr(0, 6), {TriageStatus::rotated, "first", "2025-01-02"}).ok());
  REQUIRE(store->set_triage(identity.id, {TriageStatus::revoked, "rotated in vault", "2025-01-03"}).ok());
  record_scan(*store, "2025-02-01T00:00:00Z", {identity});
  auto stored = store->find_identity(identity.id.substr(0, 8));
  REQUIRE(stored.ok());
  REQUIRE(stored->triage);
  CHECK(stored->triage->status == TriageStatus::revoked);
  CHECK(stored->triage->note == "rotated in vault");
  CHECK_FALSE(store->set_triage("ffffffff", {TriageStatus::revoked, "", "2025"}).ok());
}

TEST_CASE("an ambiguous identity prefix is an error", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "inventory.db");
  std::vector<Identity> many;
  for (int n = 0; n < 40; ++n) many.push_back(make_identity(n, {make_location(n, "repo", "a.env")}, "2024", "2025"));
  record_scan(*store, "2025-01-01T00:00:00Z", many);
  auto found = store->find_identity("0");
  REQUIRE_FALSE(found.ok());
  CHECK_THAT(found.error().message, Catch::Contains("ambiguous"));
}

TEST_CASE("no raw secret reaches the file without store_secrets; with it, it does", "[store]") {
  TempDir dir;
  Identity identity = make_identity(7, {make_location(7, "repo", "a.env")}, "2024-05-01", "2025-01-01");
  std::vector<Finding> findings = {test::make_finding(7)};
  std::string secret = findings[0].secret;
  {
    auto store = open_store(dir / "plain.db");
    record_scan(*store, "2025-01-01T00:00:00Z", {identity}, findings, false);
    auto stored = store->find_identity(identity.id);
    CHECK(stored->parts.at(0).preview == redact_secret(secret));
    CHECK_FALSE(stored->parts.at(0).secret);
  }
  CHECK(test::read_text(dir / "plain.db").find(secret) == std::string::npos);
  CHECK(test::read_text(dir / "plain.db").find(findings[0].fingerprint) != std::string::npos);
  {
    auto store = open_store(dir / "secrets.db");
    record_scan(*store, "2025-01-01T00:00:00Z", {identity}, findings, true);
    CHECK(store->find_identity(identity.id)->parts.at(0).secret == secret);
  }
  CHECK(test::read_text(dir / "secrets.db").find(secret) != std::string::npos);
}

TEST_CASE("rescans keep a part's preview and secret once stored, and add them when first given", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "inventory.db");
  Identity identity = make_identity(8, {make_location(8, "repo", "a.env")}, "2024-05-01", "2025-01-01");
  const std::vector<Finding> findings = {test::make_finding(8)};
  const std::string secret = findings[0].secret;
  const auto part = [&] { return store->find_identity(identity.id)->parts.at(0); };
  record_scan(*store, "2025-01-01T00:00:00Z", {identity}, {}, false);  // no finding: no preview
  CHECK(part().preview.empty());
  record_scan(*store, "2025-02-01T00:00:00Z", {identity}, findings, false);  // the preview arrives
  CHECK(part().preview == redact_secret(secret));
  CHECK_FALSE(part().secret);
  record_scan(*store, "2025-03-01T00:00:00Z", {identity}, findings, true);  // --store-secrets
  CHECK(part().secret == secret);
  record_scan(*store, "2025-04-01T00:00:00Z", {identity}, {}, false);  // neither given again: both kept
  CHECK(part().preview == redact_secret(secret));
  CHECK(part().secret == secret);
  CHECK(store->load_identities()->size() == 1);
  CHECK(RawDb(dir / "inventory.db").integer("SELECT count(*) FROM identity_parts") == 1);
}

TEST_CASE("a full disk mid-scan rolls the scan back and leaves earlier scans intact", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "inventory.db");
  Identity early = make_identity(1, {make_location(1, "repo", "a.env")}, "2024-05-01", "2025-01-01");
  record_scan(*store, "2025-01-01T00:00:00Z", {early});
  RawDb raw(dir / "inventory.db");
  long long pages = raw.integer("PRAGMA page_count");
  sqlite3_exec(store->connection(), ("PRAGMA max_page_count = " + std::to_string(pages + 4)).c_str(), nullptr, nullptr,
               nullptr);

  std::vector<Identity> many;
  for (int n = 2; n < 5000; ++n)
    many.push_back(
        make_identity(n, {make_location(n, "repo", "deep/path/number/" + std::to_string(n) + ".env")}, "2024", "2025"));
  ScanRecorder recorder(*store);
  REQUIRE(recorder.begin_scan(scan_info("2025-02-01T00:00:00Z")).ok());
  const std::vector<Finding> no_findings;
  auto recorded = recorder.record(many, FindingIndex(no_findings));
  REQUIRE_FALSE(recorded.ok());
  CHECK_THAT(recorded.error().message, Catch::Contains("full") && Catch::Contains("scan not recorded"));
  CHECK_FALSE(recorder.finish_scan({}, "2025-02-01T00:01:00Z").ok());

  auto scans = store->scans();
  REQUIRE(scans.ok());
  REQUIRE(scans->size() == 1);
  CHECK(scans->at(0).complete);
  auto identities = store->load_identities();
  REQUIRE(identities->size() == 1);
  CHECK(identities->at(0).identity.id == early.id);
  CHECK(identities->at(0).last_seen_scan == scans->at(0).id);
}

TEST_CASE("a part whose packed locations are corrupt is refused by loads and rescans, nothing written", "[store]") {
  TempDir dir;
  const std::string path = dir / "inventory.db";
  auto store = open_store(path);
  Identity damaged = make_identity(1, {make_location(1, "repo", "a.env")}, "2024-05-01", "2025-01-01");
  Identity other = make_identity(2, {make_location(2, "repo", "b.env")}, "2024-05-01", "2025-01-01");
  record_scan(*store, "2025-01-01T00:00:00Z", {damaged, other});
  RawDb raw(path);
  // A varint cut short: the list cannot be read.
  REQUIRE(raw.exec("UPDATE identity_parts SET locations = x'0203ff' WHERE fingerprint = '" + test::fake_fingerprint(1) +
                   "'") == SQLITE_OK);

  auto loaded = store->load_identities();
  REQUIRE_FALSE(loaded.ok());
  CHECK_THAT(loaded.error().message, Catch::Contains(path) && Catch::Contains("corrupt"));
  CHECK_FALSE(store->find_identity(damaged.id).ok());
  CHECK(store->find_identity(other.id).ok());  // the others still read

  SECTION("a rescan that records the damaged part") {
    ScanRecorder recorder(*store);
    REQUIRE(recorder.begin_scan(scan_info("2025-02-01T00:00:00Z")).ok());
    auto recorded = recorder.record(std::vector<Identity>{damaged}, FindingIndex(std::vector<Finding>{}));
    REQUIRE_FALSE(recorded.ok());
    CHECK_THAT(recorded.error().message, Catch::Contains("corrupt") && Catch::Contains("scan not recorded"));
  }
  SECTION("a rescan that only marks it absent") {
    ScanRecorder recorder(*store);
    REQUIRE(recorder.begin_scan(scan_info("2025-02-01T00:00:00Z")).ok());
    REQUIRE(recorder.record(std::vector<Identity>{other}, FindingIndex(std::vector<Finding>{})).ok());
    auto finished = recorder.finish_scan({}, "2025-02-01T00:01:00Z");
    REQUIRE_FALSE(finished.ok());
    CHECK_THAT(finished.error().message, Catch::Contains("corrupt") && Catch::Contains("scan not recorded"));
  }
  CHECK(raw.integer("SELECT count(*) FROM scans") == 1);
  CHECK(raw.text("SELECT hex(locations) FROM identity_parts WHERE fingerprint = '" + test::fake_fingerprint(1) + "'") ==
        "0203FF");
  const auto intact = raw.locations("WHERE fingerprint = '" + test::fake_fingerprint(2) + "'");
  REQUIRE(intact);
  REQUIRE(intact->size() == 1);
  CHECK(intact->front().second[store::kLastSeenScan] == 1);
}

TEST_CASE("100k locations: bytes per location and insert rate", "[store][size]") {
  TempDir dir;
  std::string path = dir / "inventory.db";
  constexpr int kIdentities = 25'000, kPerIdentity = 4;
  std::vector<Identity> identities;
  for (int n = 0; n < kIdentities; ++n) {
    std::vector<IdentityLocation> locations;
    for (int k = 0; k < kPerIdentity; ++k)
      locations.push_back(make_location(n, "https://git.example.com/org/service-" + std::to_string(n % 200),
                                        "src/main/resources/config/application-" + std::to_string(n) + ".properties",
                                        k == 0, static_cast<std::uint32_t>(10 + k)));
    identities.push_back(make_identity(n, std::move(locations), "2024-05-01T10:00:00Z", "2025-01-01T00:00:00Z"));
  }
  auto start = std::chrono::steady_clock::now();
  {
    auto store = open_store(path);
    record_scan(*store, "2025-01-01T00:00:00Z", identities);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double bytes = static_cast<double>(std::filesystem::file_size(path));
  double per_location = bytes / (kIdentities * kPerIdentity);
  WARN("100k locations: " << static_cast<long long>(bytes) << " bytes, " << per_location << " bytes/location, "
                          << (kIdentities * kPerIdentity) / seconds << " locations/s");
  CHECK(per_location < 500);
  auto store = open_store(path);
  auto load_start = std::chrono::steady_clock::now();
  auto loaded = store->load_identities();
  double load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  WARN("load_identities of 25k identities / 100k locations: " << load_seconds << " s");
  REQUIRE(loaded->size() == kIdentities);
}
