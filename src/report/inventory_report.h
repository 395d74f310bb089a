// The inventory as a table, JSON, or one identity in detail — for `scan --inventory` and
// `sprawl inventory`. Never a secret: identifiers, previews and fingerprints only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sprawl/identity.h"

namespace sprawl {

/// One identity as reported, with what the datastore adds when there is one.
struct InventoryEntry {
  const Identity* identity = nullptr;
  std::string triage;       ///< latest triage status ("revoked", …) or ""
  std::string triage_note;
  std::vector<std::string> previews;  ///< redacted secrets of its parts
};

/// True for an identity triaged as revoked or rotated that a live check still found valid.
bool revoked_but_valid(const InventoryEntry& entry);

/// A fixed-width table, one row per identity, highest risk first as given.
std::string render_inventory_table(const std::vector<InventoryEntry>& entries);

/// {"schema_version":1,"identities":[…]} with every field of each identity.
std::string render_inventory_json(const std::vector<InventoryEntry>& entries);

/// Every location, flag and risk reason of one identity, and where to revoke or rotate it.
std::string render_identity_detail(const InventoryEntry& entry);

/// Where to revoke or rotate a credential of `provider` (one line; generic advice when unknown).
std::string remediation_for(const std::string& provider);

}  // namespace sprawl
