// Reconciliation: the identities a scan found against the organization's declared inventory —
// which are known, which are shadow NHIs nobody declared, which declared ones are orphaned,
// leaked or expired yet still valid.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "sprawl/finding.h"
#include "sprawl/identity.h"
#include "src/inventory/declared_inventory.h"
#include "src/inventory/identity_builder.h"

namespace sprawl {

/// The `declared_status` attribute of a found identity (exactly one; the first that applies).
inline constexpr const char* kExpiredButValid = "expired-but-still-valid";  ///< declared expiry past, validity valid
inline constexpr const char* kOrphaned = "orphaned";  ///< its declaration names no owner, or the owner is offboarded
inline constexpr const char* kKnown = "known";        ///< matched to a declaration, owner attached
inline constexpr const char* kShadow = "shadow";      ///< matched to no declaration

/// One declaration as the scan saw it.
struct DeclaredOutcome {
  DeclaredNhi nhi;
  std::vector<std::string> identity_ids;  ///< the found identities that match it (empty: not found)
  std::string orphan_reason;              ///< "no owner declared", "owner X is offboarded", or "" (not orphaned)
};

/// A found identity as the summary names it.
struct ReconciledIdentity {
  std::string id, provider, identifier, status, declared_name;
  std::string owner;  ///< "NAME (SOURCE)": "alice@example.com (declared)"; "" when none
};

/// What reconciliation counts: identities (known, shadow, expired-but-still-valid) and
/// declarations (orphaned, declared-and-leaked, not found).
struct ReconcileSummary {
  std::string path;  ///< the declared-inventory file
  std::size_t declared = 0, identities = 0;
  std::size_t known = 0, shadow = 0, orphaned_identities = 0, expired_but_valid = 0;  ///< identities
  std::size_t orphaned = 0, declared_and_leaked = 0, not_found = 0;                   ///< declarations
  std::vector<DeclaredOutcome> entries;     ///< one per declaration, in file order
  std::vector<ReconciledIdentity> matched;  ///< identities matched to a declaration, in the order given
  std::vector<ReconciledIdentity> shadows;  ///< identities matched to none, in the order given
};

/// Sets what the identity builder reads from a declared inventory: each declared identifier →
/// the entry's owner (entries without an owner give none), and the offboarded owners.
void apply_declared_inventory(const DeclaredInventory& inventory, InventoryInputs& inputs);

/// The declaration an identity matches, or nullopt: its id or identifier equal to a declared
/// identifier first, then any attribute value (account_id, client_email, login, fingerprint, …),
/// ignoring case; an entry that names a provider matches identities of that provider only.
std::optional<std::size_t> match_declaration(const Identity& identity, const DeclaredInventory& inventory);

/// Classifies every identity (attributes declared_status, declared_name, and declared_purpose /
/// declared_expires when the entry has them) and counts them. `now` is ISO 8601.
ReconcileSummary reconcile(std::vector<Identity>& identities, const DeclaredInventory& inventory,
                           const std::string& now);

/// build_identities with the declared owners attached and reconciled: identities matched only
/// through an attribute (an account id, a login) are built a second time with the owner keyed by
/// their id, so policies (NHI1) and risk see it.
std::vector<Identity> build_reconciled_identities(const std::vector<Finding>& findings, InventoryInputs inputs,
                                                  const DeclaredInventory& inventory, ReconcileSummary& summary);

/// The summary printed by `scan --inventory`/`--declared`: the counts, then every matched
/// identity, orphaned and missing declaration, and shadow identity — each list cut at `max_listed`
/// lines with a count of the rest.
std::string render_reconcile_summary(const ReconcileSummary& summary, std::size_t max_listed = 50);

}  // namespace sprawl
