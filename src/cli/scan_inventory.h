// The inventory at the end of `sprawl scan`: built and recorded on a thread of its own while the
// reports are written, then printed.
#pragma once

#include <future>
#include <optional>
#include <string>
#include <vector>

#include "sprawl/identity.h"
#include "sprawl/scan_config.h"
#include "src/inventory/reconcile.h"

namespace sprawl {

class ScanEngine;
struct ScanOutcome;

/// What building and recording a scan's inventory gave: the identities, the reconciliation with
/// --declared, and the lines for stderr (errors included, in order).
struct InventoryOutcome {
  std::vector<Identity> identities;
  std::optional<ReconcileSummary> reconciled;  ///< with --declared
  std::vector<std::string> messages;
  bool ok = true;  ///< false when --declared could not be read or the datastore written
};

/// Builds the identities of a finished scan (--inventory, --declared) and records them
/// (--datastore) on a thread of its own. An invalid future when none of those was asked for.
/// `config`, `engine` and `outcome` must outlive the future.
std::future<InventoryOutcome> start_inventory(const ScanConfig& config, const ScanEngine& engine,
                                              const ScanOutcome& outcome);

/// Waits for the inventory, then prints its messages on stderr, the identity table (--inventory:
/// on stdout when the human report is there, else stderr) and the reconciliation. False when
/// --declared could not be read or the datastore written. Call it as the scan command ends: the
/// identities are left for the process exit to reclaim.
bool finish_inventory(std::future<InventoryOutcome>& inventory, const ScanConfig& config, bool human_on_stdout);

}  // namespace sprawl
