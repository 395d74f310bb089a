// The inventory at the end of `sprawl scan`: builds identities from the findings (reconciled with
// --declared) and records them in the datastore (--datastore) in one transaction, on a thread of
// its own while the reports are written; then prints the summary (--inventory, and the
// reconciliation with --declared).
#include "src/cli/scan_inventory.h"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>

#include <fmt/format.h>

#include "src/cli/commands.h"
#include "src/inventory/declared_inventory.h"
#include "src/inventory/identity_builder.h"
#include "src/inventory/inventory_inputs.h"
#include "src/inventory/reconcile.h"
#include "src/pipeline/scan_engine.h"
#include "src/pipeline/scan_pipeline.h"
#include "src/report/inventory_report.h"
#include "src/source/git/repository.h"
#include "src/store/datastore.h"
#include "src/store/scan_recorder.h"
#include "src/util/iso8601.h"

namespace sprawl {
namespace {

// HEAD of every repository input, for the scan record.
std::vector<std::pair<std::string, std::string>> head_commits(const std::vector<std::string>& inputs) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& input : inputs) {
    if (input == "-" || !git::Repository::is_repository(input)) continue;
    auto repo = git::Repository::open(input);
    if (!repo) continue;
    if (const auto head = (*repo)->head_commit()) out.emplace_back(input, head->hex());
  }
  return out;
}

// The datastore side of one scan: opened and begun on construction, fed identities batch by
// batch (each prepared on the thread that built it, its SQL run on the thread that calls add),
// committed by finish(). The first error stops it; later batches are dropped.
class DatastoreWriter {
 public:
  DatastoreWriter(const ScanConfig& config, const ScanEngine& engine, const ScanOutcome& outcome,
                  const std::string& started_at)
      : m_config(config), m_findings(outcome.findings) {
    auto store = store::Datastore::open(config.datastore_path);
    if (!store) {
      m_error = store.error();
      m_failed = true;
      return;
    }
    m_store = std::move(*store);
    m_recorder = std::make_unique<store::ScanRecorder>(*m_store);
    const store::ScanInfo info{
        started_at,          config.inputs, head_commits(config.inputs), SPRAWL_VERSION, engine.database().digest(),
        config.store_secrets};
    auto scan = m_recorder->begin_scan(info);
    if (scan) {
      m_scan = *scan;
    } else {
      m_error = scan.error();
      m_failed = true;
    }
  }

  /// On the thread that built batch `batch`: all of recording it but the SQL, for add().
  /// `findings_of` are each identity's findings.
  void prepare(std::size_t batch, std::span<const Identity> identities, std::span<const IdentityFindings> findings_of) {
    if (m_failed.load(std::memory_order_relaxed)) return;
    auto prepared = store::prepare_identities(identities, findings_of, m_config.inputs);
    const std::lock_guard lock(m_mutex);
    m_prepared.emplace(batch, std::move(prepared));
  }

  /// Records batch `batch`, as prepare() left it (else prepared here).
  void add(std::size_t batch, std::span<const Identity> identities) {
    if (m_error) return;
    std::optional<store::PreparedIdentities> prepared;
    {
      const std::lock_guard lock(m_mutex);
      if (auto it = m_prepared.find(batch); it != m_prepared.end()) {
        prepared = std::move(it->second);
        m_prepared.erase(it);
      }
    }
    auto recorded = prepared ? m_recorder->record(*prepared) : m_recorder->record(identities, index());
    if (!recorded) {
      m_error = recorded.error();
      m_failed = true;
    }
  }

  /// The line to print: what was recorded, or why nothing was.
  Result<std::string> finish() {
    if (m_error) return *m_error;
    store::ScanCounts counts;
    counts.findings = static_cast<std::int64_t>(m_findings.size());
    auto finished = m_recorder->finish_scan(counts, iso8601_now());
    if (!finished) return finished.error();
    return fmt::format("sprawl: datastore {}: scan {} recorded: {} identities ({} new), {} locations",
                       m_config.datastore_path, m_scan, finished->identities, finished->new_identities,
                       finished->locations);
  }

 private:
  // The scan's findings by fingerprint, for identities not prepared by prepare() (reconciled
  // ones): made on first need.
  const store::FindingIndex& index() {
    if (!m_index) m_index = std::make_unique<store::FindingIndex>(m_findings);
    return *m_index;
  }

  const ScanConfig& m_config;
  const std::vector<Finding>& m_findings;
  std::unique_ptr<store::FindingIndex> m_index;  ///< made by index(), on the recording thread
  std::unique_ptr<store::Datastore> m_store;
  std::unique_ptr<store::ScanRecorder> m_recorder;
  std::int64_t m_scan = 0;
  std::optional<Error> m_error;       ///< read and written by the recording thread only
  std::atomic<bool> m_failed{false};  ///< m_error is set: prepare() stops working
  std::mutex m_mutex;                 ///< guards m_prepared
  std::unordered_map<std::size_t, store::PreparedIdentities> m_prepared;  ///< by batch, until added
};

// --declared: the file is read before the identities are built; a malformed one is reported and
// the inventory is built without it, so nothing found is lost.
std::optional<DeclaredInventory> load_declared(const ScanConfig& config, InventoryOutcome& result) {
  if (config.declared_path.empty()) return std::nullopt;
  auto declared = load_declared_inventory(config.declared_path);
  if (!declared) {
    result.messages.push_back("sprawl: error: " + declared.error().message);
    result.ok = false;
    return std::nullopt;
  }
  return std::move(*declared);
}

InventoryOutcome build_and_record(const ScanConfig& config, const ScanEngine& engine, const ScanOutcome& outcome) {
  InventoryOutcome result;
  const std::optional<DeclaredInventory> declared = load_declared(config, result);
  const std::string now = iso8601_now();
  InventoryInputs inputs;
  inputs.scan_time = now;
  inputs.codeowners = read_codeowners(config.inputs);
  inputs.max_age_days = config.max_age_days;
  for (const auto& input : config.inputs) {
    if (input == "-" || !git::Repository::is_repository(input)) continue;
    if (auto repo = git::Repository::open(input))
      if (std::string branch = (*repo)->head_branch(); !branch.empty()) inputs.head_branches.emplace(input, branch);
  }
  // run_scan sorts the findings; suppressions and --only-valid only drop some, in order.
  inputs.findings_in_report_order = true;
  // Only the summary lists them; recording takes them in any order (the sort was the last 0.05 s
  // of recording a 125k-finding scan, with one core idle).
  inputs.sort_by_risk = config.inventory_summary || !config.declared_path.empty();
  std::optional<DatastoreWriter> writer;
  if (!config.datastore_path.empty()) writer.emplace(config, engine, outcome, now);
  if (declared) {
    // Reconciliation may rebuild identities, so they are recorded once it is done.
    result.reconciled.emplace();
    result.identities = build_reconciled_identities(outcome.findings, inputs, *declared, *result.reconciled);
    if (writer) writer->add(0, result.identities);
  } else if (writer) {
    // Each batch is prepared on the thread that built it, and recorded (its SQL run) on this one
    // while the next ones are built.
    result.identities = build_identities(
        outcome.findings, inputs,
        [&](std::size_t batch, std::span<const Identity> built) { writer->add(batch, built); },
        [&](std::size_t batch, std::span<const Identity> built, std::span<const IdentityFindings> findings_of) {
          writer->prepare(batch, built, findings_of);
        });
  } else {
    result.identities = build_identities(outcome.findings, inputs);
  }
  if (writer) {
    auto recorded = writer->finish();
    result.messages.push_back(recorded ? *recorded : "sprawl: error: " + recorded.error().message);
    result.ok = result.ok && recorded.ok();
  }
  return result;
}

}  // namespace

std::future<InventoryOutcome> start_inventory(const ScanConfig& config, const ScanEngine& engine,
                                              const ScanOutcome& outcome) {
  if (!config.inventory_summary && config.datastore_path.empty() && config.declared_path.empty()) return {};
  return std::async(std::launch::async, build_and_record, std::cref(config), std::cref(engine), std::cref(outcome));
}

bool finish_inventory(std::future<InventoryOutcome>& inventory, const ScanConfig& config, bool human_on_stdout) {
  if (!inventory.valid()) return true;
  InventoryOutcome result = inventory.get();
  for (const auto& message : result.messages) std::fprintf(stderr, "%s\n", message.c_str());
  std::FILE* out = human_on_stdout ? stdout : stderr;
  if (config.inventory_summary) {
    std::vector<InventoryEntry> entries;
    entries.reserve(result.identities.size());
    for (const auto& identity : result.identities) entries.push_back({&identity, {}, {}, {}});
    std::fputs(render_inventory_table(entries).c_str(), out);
  }
  if (result.reconciled) std::fputs(render_reconcile_summary(*result.reconciled).c_str(), out);
  // The scan command ends right after this, and handing 100k+ locations back to the allocator
  // string by string was ~0.06 s of a 125k-finding scan on its last thread: the identities are
  // left for the process exit to reclaim, as `sprawl inventory` leaves the ones it loaded.
  new std::vector<Identity>(std::move(result.identities));  // NOLINT: deliberately not freed
  return result.ok;
}

}  // namespace sprawl
