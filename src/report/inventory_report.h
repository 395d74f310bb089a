// The inventory as a table, JSON, CSV, or one identity in detail — for `scan --inventory` and
// `sprawl inventory`. Never a secret: identifiers, previews and fingerprints only.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "sprawl/identity.h"

namespace sprawl {

/// One identity as reported, with what the datastore adds when there is one.
struct InventoryEntry {
  const Identity* identity = nullptr;
  std::string triage;  ///< latest triage status ("revoked", …) or ""
  std::string triage_note;
  std::vector<std::string> previews;  ///< redacted secrets of its parts
};

/// True for an identity triaged as revoked or rotated that a live check still found valid.
bool revoked_but_valid(const InventoryEntry& entry);

/// A fixed-width table, one row per identity, highest risk first as given.
std::string render_inventory_table(const std::vector<InventoryEntry>& entries);

/// {"schema_version":1,"identities":[…]} with every field of each identity. A big inventory is
/// rendered in slices on up to `threads` threads (0: one per core, a slice per 4096 identities);
/// the text is the same whatever the number.
std::string render_inventory_json(const std::vector<InventoryEntry>& entries, std::size_t threads = 0);

/// RFC 4180 CSV (CRLF line ends), a header and one row per identity: id, risk, provider, nhi_type,
/// identifier, validity, present, first_seen, last_seen, owner, owner_source, environments and
/// policies (';'-joined), locations (a count), first_location (its path). A text cell starting
/// with '=', '+', '-', '@', tab or CR gets a leading "'" so a spreadsheet never reads it as a formula.
std::string render_inventory_csv(const std::vector<InventoryEntry>& entries);

/// One CSV cell: the formula guard above, then quoted (quotes doubled) when it holds ',', '"',
/// CR or LF.
std::string csv_cell(const std::string& text);

class JsonWriter;
/// Writes one identity as an object of `render_inventory_json`'s array (also the HTML report's data).
void write_identity_json(JsonWriter& json, const InventoryEntry& entry);

/// Every location, flag and risk reason of one identity, and where to revoke or rotate it.
std::string render_identity_detail(const InventoryEntry& entry);

/// Where to revoke or rotate a credential of `provider` (one line; generic advice when unknown).
std::string remediation_for(const std::string& provider);

}  // namespace sprawl
