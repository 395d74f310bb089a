// ScanRecorder: writes one scan's identities into the datastore — one transaction from
// begin_scan to finish_scan, rolled back whole on any error. Never stores a raw secret unless told.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "sprawl/finding.h"
#include "sprawl/identity.h"
#include "sprawl/result.h"
#include "src/store/datastore.h"
#include "src/store/location_list.h"
#include "src/util/flat_string_index.h"

namespace sprawl::store {

/// What is known about a scan before its results are recorded.
struct ScanInfo {
  std::string started_at;                                         ///< ISO 8601 UTC
  std::vector<std::string> targets;                               ///< the inputs as given on the command line
  std::vector<std::pair<std::string, std::string>> head_commits;  ///< repository, HEAD commit
  std::string sprawl_version, rules_digest;
  /// Also keep each part's raw secret (`--store-secrets`). Off: only fingerprints, redacted
  /// previews and the identities' non-secret identifiers reach the file.
  bool store_secrets = false;
};

/// A scan's findings by fingerprint (the first of each), for ScanRecorder::record. Borrows them.
class FindingIndex {
 public:
  explicit FindingIndex(const std::vector<Finding>& findings);
  const Finding* find(std::string_view fingerprint) const;

 private:
  FlatStringIndex<const Finding*> m_by_fingerprint;
};

/// One batch of identities made ready to record: the columns that are computed rather than
/// copied (JSON arrays, redacted previews, each part's rule and first finding, each location's
/// target and archive path). Made by prepare_identities on any thread, so that the thread that
/// holds the datastore runs little more than SQL. Borrows the identities and the findings.
struct PreparedIdentities {
  struct Part {
    std::string_view fingerprint, rule_id;
    const Finding* finding = nullptr;  ///< the first finding of it, if any
    std::string preview;               ///< redacted
  };
  /// A location's string columns, in the order the datastore keeps them (LocationValues):
  /// repository, commit, commit date, author, path, image, layer digest, members, target,
  /// environment.
  static constexpr std::size_t kStringColumns = 10;
  struct Location {
    const IdentityLocation* location = nullptr;
    std::size_t part = 0;  ///< index into `parts`
    std::string members;
    std::string_view target;                              ///< into the targets or the location
    std::array<std::uint32_t, kStringColumns> strings{};  ///< indexes into `strings`
  };
  struct Entry {
    const Identity* identity = nullptr;
    std::string attributes, environments, risk_reasons, policies;  ///< the JSON columns
    /// Its parts and locations end here in `parts` and `locations` (and begin where the entry
    /// before it ends).
    std::size_t parts_end = 0, locations_end = 0;
  };
  std::vector<Entry> entries;
  std::vector<Part> parts;
  std::vector<Location> locations;
  /// The distinct strings of the locations' string columns, each once (views into the locations
  /// and the targets): the recorder interns each of them once per batch, not once per location.
  std::vector<std::string_view> strings;
};

/// Prepares `identities` for ScanRecorder::record. Each part's rule comes from a location of
/// it, else from its finding; `targets` are the scan's inputs (see target_of). Thread-safe.
PreparedIdentities prepare_identities(std::span<const Identity> identities, const FindingIndex& findings,
                                      const std::vector<std::string>& targets);
/// prepare_identities with each identity's own findings (`findings_of[i]` for identities[i], as
/// the identity builder hands them over) instead of an index of all the scan's findings.
PreparedIdentities prepare_identities(std::span<const Identity> identities,
                                      std::span<const std::vector<const Finding*>> findings_of,
                                      const std::vector<std::string>& targets);

/// Records one scan. Use from one thread: begin_scan, record (any number of times), finish_scan.
/// The write lock is held from begin_scan to finish_scan, so call begin_scan when the results are
/// ready, not when the scan starts. Destroying an unfinished recorder rolls the scan back.
class ScanRecorder {
 public:
  explicit ScanRecorder(Datastore& store);
  ~ScanRecorder();
  ScanRecorder(const ScanRecorder&) = delete;
  ScanRecorder& operator=(const ScanRecorder&) = delete;

  /// Starts the transaction (waiting for another writer up to the busy timeout) and inserts the
  /// scan, marked incomplete. Returns its id.
  Result<std::int64_t> begin_scan(const ScanInfo& info);
  /// Upserts identities and their parts, each part with its locations. `findings` give each
  /// part's rule, redacted preview and (with store_secrets) the secret, matched by fingerprint; a
  /// part without a finding is stored with an empty preview. On error the scan is rolled back.
  Status record(std::span<const Identity> identities, const FindingIndex& findings);
  /// record() of a batch prepared already (possibly on another thread).
  Status record(const PreparedIdentities& prepared);
  /// Marks locations of this scan's targets not seen again as absent, recomputes presence, marks
  /// the scan complete with `counts` (identities, locations and new identities are counted here
  /// when left 0) and commits. On error the scan is rolled back and not recorded.
  Result<ScanCounts> finish_scan(ScanCounts counts, const std::string& finished_at);

  /// The current scan's id (0 when none is open).
  std::int64_t scan_id() const { return m_scan; }

 private:
  Error fail(std::string_view what);  ///< rolls back; the error is SQLite's
  Error abort_scan(Error error);      ///< rolls back; the error is `error`
  void clear_scan_state();            ///< after a commit or a rollback
  Result<std::int64_t> intern(std::string_view text);
  /// A first scan's identity not recorded before in it: given the next key and queued (its row
  /// is written by flush_new_rows, grouped); nullopt when it must be upserted instead.
  std::optional<std::int64_t> queue_new_identity(const PreparedIdentities::Entry& entry);
  /// A part of a queued identity with the locations this scan saw of it: given the next key and queued.
  Result<std::int64_t> queue_new_part(std::int64_t identity, const PreparedIdentities::Part& part,
                                      std::span<const LocationValues> seen);
  /// Writes the queued identities and parts, kRowsPerInsert rows per statement.
  Status flush_new_rows();
  Result<std::int64_t> upsert_identity(const PreparedIdentities::Entry& entry);
  /// Inserts the part, or merges `seen` into its stored locations (marking those of this scan's
  /// targets it did not see absent).
  Result<std::int64_t> upsert_part(std::int64_t identity, const PreparedIdentities::Part& part,
                                   std::span<const LocationValues> seen);
  /// The stored values of a location this scan saw; `ids` are its batch's strings' ids.
  LocationValues location_values(const PreparedIdentities::Location& location, std::span<const std::int64_t> ids) const;
  /// Reads a part's packed locations into m_merged (cleared first).
  Status decode_part_locations(std::string_view blob, std::int64_t part);
  Status update_presence();
  Status mark_absent();  ///< in the parts this scan did not record (upsert_part did its own)

  struct Prepared;  ///< the statements record() repeats, prepared once per scan

  Datastore& m_store;
  std::unique_ptr<Prepared> m_sql;
  std::int64_t m_scan = 0;
  bool m_insert_first = false;  ///< the datastore held no identity: new rows keyed here (queue_new_identity)
  ScanInfo m_info;
  std::deque<std::string> m_string_texts;   ///< the strings interned in this scan (stable addresses)
  FlatStringIndex<std::int64_t> m_strings;  ///< their ids, keyed by m_string_texts
  /// A set of row keys (small positive integers, as SQLite assigns them): a bit per key.
  class KeySet {
   public:
    bool insert(std::int64_t key);  ///< false when it was there
    bool contains(std::int64_t key) const;
    std::size_t size() const { return m_size; }
    void clear() { m_bits.clear(), m_other.clear(), m_size = 0; }

   private:
    std::vector<bool> m_bits;
    std::unordered_set<std::int64_t> m_other;  ///< keys too large (or negative) for a bit each
    std::size_t m_size = 0;
  };
  KeySet m_touched;                              ///< identity keys recorded in this scan
  KeySet m_touched_parts;                        ///< part keys upserted in a rescan
  std::vector<std::int64_t> m_target_ids;        ///< this scan's targets, interned
  std::vector<std::int64_t> m_batch_string_ids;  ///< the ids of the strings of the batch being recorded
  /// Identities whose presence this scan may have changed from present to absent: those it found
  /// only in history, and those whose locations it marked absent. The others it found present.
  std::unordered_set<std::int64_t> m_recheck;
  // A first scan's new rows, keys given here, waiting for flush_new_rows (the end of each
  // record(): their columns are borrowed from its batch).
  struct NewIdentityRow {
    const PreparedIdentities::Entry* entry;
    std::int64_t key;
  };
  struct NewPartRow {
    const PreparedIdentities::Part* part;
    std::int64_t identity, rule, key;
    std::size_t locations_begin, locations_end;  ///< its packed locations in m_new_part_locations
  };
  std::vector<NewIdentityRow> m_new_identity_rows;
  std::vector<NewPartRow> m_new_part_rows;
  std::string m_new_part_locations;  ///< the queued parts' packed locations, one after another
  std::int64_t m_next_identity_key = 0, m_next_part_key = 0;
  std::deque<std::string> m_first_scan_id_texts;   ///< ids queued in this first scan (stable addresses)
  FlatStringIndex<std::int64_t> m_first_scan_ids;  ///< their keys, keyed by m_first_scan_id_texts
  // Scratch space, kept to reuse its memory: an entry's locations with their part (an index into
  // its parts), one part's of them, a part's stored locations merged with them, packed.
  std::vector<std::pair<std::size_t, LocationValues>> m_entry_locations;
  std::vector<LocationValues> m_part_seen, m_merged;
  std::string m_packed;
  std::int64_t m_locations = 0, m_new_identities = 0;
};

/// Which of `targets` a location was found under: its repository or image when one of them, else
/// the longest target that is a prefix of its path; else its repository or image (empty when
/// none). A view into `targets` or `location`.
std::string_view target_of(const IdentityLocation& location, const std::vector<std::string>& targets);

}  // namespace sprawl::store
