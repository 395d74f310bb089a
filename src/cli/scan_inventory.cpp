// The inventory at the end of `sprawl scan`: builds identities from the findings (reconciled with
// --declared), records them in the datastore (--datastore) in one transaction, and prints the
// summary (--inventory, and the reconciliation with --declared).
#include <cstdio>
#include <ctime>
#include <optional>

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

Status record(const ScanConfig& config, const ScanEngine& engine, const ScanOutcome& outcome,
              const std::vector<Identity>& identities, const std::string& started_at) {
  auto store = store::Datastore::open(config.datastore_path);
  if (!store) return store.error();
  store::ScanRecorder recorder(**store);
  const store::ScanInfo info{
      started_at,          config.inputs, head_commits(config.inputs), SPRAWL_VERSION, engine.database().digest(),
      config.store_secrets};
  auto scan = recorder.begin_scan(info);
  if (!scan) return scan.error();
  if (auto recorded = recorder.record(identities, outcome.findings); !recorded) return recorded.error();
  store::ScanCounts counts;
  counts.findings = static_cast<std::int64_t>(outcome.findings.size());
  auto finished = recorder.finish_scan(counts, iso8601_now());
  if (!finished) return finished.error();
  std::fprintf(stderr, "sprawl: datastore %s: scan %lld recorded: %lld identities (%lld new), %lld locations\n",
               config.datastore_path.c_str(), static_cast<long long>(*scan),
               static_cast<long long>(finished->identities), static_cast<long long>(finished->new_identities),
               static_cast<long long>(finished->locations));
  return Ok{};
}

// --declared: the file is read before the identities are built; a malformed one is reported and
// the inventory is built without it, so nothing found is lost.
std::optional<DeclaredInventory> load_declared(const ScanConfig& config, bool& ok) {
  if (config.declared_path.empty()) return std::nullopt;
  auto declared = load_declared_inventory(config.declared_path);
  if (!declared) {
    print_error(declared.error().message);
    ok = false;
    return std::nullopt;
  }
  return std::move(*declared);
}

}  // namespace

bool record_inventory(const ScanConfig& config, const ScanEngine& engine, const ScanOutcome& outcome,
                      bool human_on_stdout) {
  if (!config.inventory_summary && config.datastore_path.empty() && config.declared_path.empty()) return true;
  bool ok = true;
  const std::optional<DeclaredInventory> declared = load_declared(config, ok);
  const std::string now = iso8601_now();
  InventoryInputs inputs;
  inputs.scan_time = now;
  inputs.codeowners = read_codeowners(config.inputs);
  inputs.max_age_days = config.max_age_days;
  ReconcileSummary reconciled;
  const std::vector<Identity> identities =
      declared ? build_reconciled_identities(outcome.findings, inputs, *declared, reconciled)
               : build_identities(outcome.findings, inputs);
  if (!config.datastore_path.empty()) {
    if (auto recorded = record(config, engine, outcome, identities, now); !recorded) {
      print_error(recorded.error().message);
      ok = false;
    }
  }
  std::FILE* out = human_on_stdout ? stdout : stderr;
  if (config.inventory_summary) {
    std::vector<InventoryEntry> entries;
    for (const auto& identity : identities) entries.push_back({&identity, {}, {}, {}});
    std::fputs(render_inventory_table(entries).c_str(), out);
  }
  if (declared) std::fputs(render_reconcile_summary(reconciled).c_str(), out);
  return ok;
}

}  // namespace sprawl
