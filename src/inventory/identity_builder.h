// Identity building: findings → one Identity per credential (multi-part credentials collapsed),
// with locations, first seen, presence, validity, environment, owner, policies and risk.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sprawl/finding.h"
#include "sprawl/identity.h"
#include "src/inventory/codeowners.h"

namespace sprawl {

/// Everything besides the findings that the inventory is built from; one value per scan.
struct InventoryInputs {
  std::string scan_time;  ///< ISO 8601: first seen of plain files, and every identity's last seen
  std::string now;        ///< ISO 8601: ages are counted up to here; empty: scan_time
  /// Parsed CODEOWNERS per repository (keyed as GitProvenance::repository) or plain scan root
  /// (the finding's path less its relative path); the "" entry applies to any other location.
  std::map<std::string, Codeowners> codeowners;
  /// Declared owners: an identity's identifier (or its id) → the owner's name.
  std::map<std::string, std::string> declared_owners;
  std::set<std::string> offboarded;  ///< declared owners marked as gone (NHI1)
  /// The branch each repository's HEAD is on (keyed as GitProvenance::repository): a location
  /// still present at HEAD (or in the index or work tree) is on it, and its name may tell the
  /// environment ("release/prod"). History alone says no branch.
  std::map<std::string, std::string> head_branches;
  int max_age_days = 365;  ///< NHI7 and risk: older than this is long-lived
  /// The findings come in report order (finding_order) already, as a scan's do: not checked
  /// again (a pass of string comparisons over every finding, on the way to the first identity).
  bool findings_in_report_order = false;
  /// false: build_identities returns the identities in the order they were built (as its sinks
  /// get them), not by risk; for a caller that only records them.
  bool sort_by_risk = true;
};

/// Receives built identities batch by batch (numbered from 0) while the rest are still being built.
using IdentityBatchSink = std::function<void(std::size_t batch, std::span<const Identity>)>;
/// The findings one identity was built from, earliest first (borrowed from build_identities' input).
using IdentityFindings = std::vector<const Finding*>;
/// Receives each batch as soon as it is built, with the findings of each of its identities.
using BuiltBatchHook =
    std::function<void(std::size_t batch, std::span<const Identity>, std::span<const IdentityFindings>)>;

/// Builds the inventory: findings with the same fingerprint are one identity, and the parts of
/// one credential (an AWS key id and its secret key in the same blob, a Twilio API key SID and
/// its secret, …; see k_part_pairs) join it. Suppressed findings are left out. Sorted by risk,
/// highest first, then by id (unless `inputs.sort_by_risk` is false).
///
/// Identities are built on helper threads. With `on_batch`, the calling thread hands it each
/// batch in order as soon as the batch is built (and builds batches itself while the next is not
/// ready), so that recording overlaps building; every identity reaches it exactly once, before
/// the sort. `on_built` gets each batch first, on the thread that built it, as soon as it is
/// built, with each identity's findings: in any order and on several threads at once (for work
/// that need not be in order).
std::vector<Identity> build_identities(const std::vector<Finding>& findings, const InventoryInputs& inputs,
                                       const IdentityBatchSink& on_batch = {}, const BuiltBatchHook& on_built = {});

/// The identity id of a set of part fingerprints: the first 16 hex characters of SHA-256 over
/// the sorted fingerprints joined by newlines.
std::string identity_id(std::vector<std::string> fingerprints);

/// How much a validity status tells: valid > invalid > unknown > expired > invalid_format >
/// format_valid > "" (not checked). The inventory keeps the best-known one.
int validity_rank(std::string_view status);

/// The non-secret identifier a secret part's context gives: the AWS key id next to a secret
/// key, the Twilio account SID next to an auth token, the client id next to a client secret.
/// Returns {attribute name, value}.
std::optional<std::pair<std::string, std::string>> context_identifier(const Finding& finding);

/// Whether a rule finds the non-secret part of a multi-part credential (an AWS key id).
bool is_identifier_part(const Rule& rule);

}  // namespace sprawl
