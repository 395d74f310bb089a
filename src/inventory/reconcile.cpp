// Reconciliation of found identities with the declared inventory: matching (by any non-secret
// name the identity has), the declared owner fed to the builder, the classes and their summary.
#include "src/inventory/reconcile.h"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "src/inventory/policies.h"

namespace sprawl {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool is_declared_attribute(const std::string& name) { return name.rfind("declared_", 0) == 0; }

/// Every declared identifier (lower-cased) → its entry; the parser made them unique.
class DeclaredIndex {
 public:
  explicit DeclaredIndex(const DeclaredInventory& inventory) : m_inventory(inventory) {
    for (std::size_t i = 0; i < inventory.nhis.size(); ++i)
      for (const auto& identifier : inventory.nhis[i].identifiers) m_entries.emplace(lower(identifier), i);
  }

  std::optional<std::size_t> match(const Identity& identity) const {
    const std::string provider = lower(identity.provider);
    for (const std::string* key : {&identity.id, &identity.identifier})
      if (auto entry = lookup(*key, provider)) return entry;
    for (const auto& [name, value] : identity.attributes)
      if (!is_declared_attribute(name))
        if (auto entry = lookup(value, provider)) return entry;
    return std::nullopt;
  }

 private:
  std::optional<std::size_t> lookup(std::string_view value, const std::string& provider) const {
    if (value.empty()) return std::nullopt;
    const auto it = m_entries.find(lower(value));
    if (it == m_entries.end()) return std::nullopt;
    const std::string& declared = m_inventory.nhis[it->second].provider;
    if (!declared.empty() && declared != provider) return std::nullopt;
    return it->second;
  }

  const DeclaredInventory& m_inventory;
  std::map<std::string, std::size_t> m_entries;
};

std::string orphan_reason(const DeclaredNhi& nhi, const DeclaredInventory& inventory) {
  if (nhi.owner.empty()) return "no owner declared";
  if (is_offboarded(inventory, nhi.owner)) return "owner " + nhi.owner + " is offboarded";
  return "";
}

/// Declared expiry at or before `now` (an expiry date means gone from its first moment).
bool expired(const DeclaredNhi& nhi, const std::string& now) {
  const auto expires = parse_iso8601(nhi.expires), at = parse_iso8601(now);
  return expires && at && *expires <= *at;
}

void set_attribute(Identity& identity, const std::string& name, const std::string& value) {
  if (!value.empty()) identity.attributes.emplace_back(name, value);
}

ReconciledIdentity brief_of(const Identity& identity, const std::string& status, const std::string& declared_name) {
  const std::string owner = identity.owner ? identity.owner->name + " (" + identity.owner->source + ")" : "";
  return {identity.id, identity.provider, identity.identifier, status, declared_name, owner};
}

/// The declared owner each identity should carry: that of the entry it matches, when it has one.
std::map<std::string, std::string> wanted_owners(const std::vector<Identity>& identities, const DeclaredIndex& index,
                                                 const DeclaredInventory& inventory) {
  std::map<std::string, std::string> owners;
  for (const auto& identity : identities)
    if (const auto entry = index.match(identity); entry && !inventory.nhis[*entry].owner.empty())
      owners.emplace(identity.id, inventory.nhis[*entry].owner);
  return owners;
}

bool owners_agree(const std::vector<Identity>& identities, const std::map<std::string, std::string>& wanted) {
  return std::all_of(identities.begin(), identities.end(), [&](const Identity& identity) {
    const bool declared = identity.owner && identity.owner->source == "declared";
    const auto it = wanted.find(identity.id);
    return it == wanted.end() ? !declared : declared && identity.owner->name == it->second;
  });
}

}  // namespace

void apply_declared_inventory(const DeclaredInventory& inventory, InventoryInputs& inputs) {
  for (const auto& nhi : inventory.nhis)
    if (!nhi.owner.empty())
      for (const auto& identifier : nhi.identifiers) inputs.declared_owners[identifier] = nhi.owner;
  inputs.offboarded.insert(inventory.offboarded.begin(), inventory.offboarded.end());
}

std::optional<std::size_t> match_declaration(const Identity& identity, const DeclaredInventory& inventory) {
  return DeclaredIndex(inventory).match(identity);
}

ReconcileSummary reconcile(std::vector<Identity>& identities, const DeclaredInventory& inventory,
                           const std::string& now) {
  ReconcileSummary summary;
  summary.path = inventory.path;
  summary.declared = inventory.nhis.size();
  summary.identities = identities.size();
  for (const auto& nhi : inventory.nhis) summary.entries.push_back({nhi, {}, orphan_reason(nhi, inventory)});
  const DeclaredIndex index(inventory);
  for (auto& identity : identities) {
    std::erase_if(identity.attributes, [](const auto& pair) { return is_declared_attribute(pair.first); });
    const auto entry = index.match(identity);
    if (!entry) {
      set_attribute(identity, "declared_status", kShadow);
      ++summary.shadow;
      summary.shadows.push_back(brief_of(identity, kShadow, ""));
      continue;
    }
    DeclaredOutcome& outcome = summary.entries[*entry];
    const DeclaredNhi& nhi = outcome.nhi;
    outcome.identity_ids.push_back(identity.id);
    const bool expired_valid = identity.validity == "valid" && expired(nhi, now);
    const std::string status = expired_valid ? kExpiredButValid : !outcome.orphan_reason.empty() ? kOrphaned : kKnown;
    set_attribute(identity, "declared_status", status);
    set_attribute(identity, "declared_name", nhi.name);
    set_attribute(identity, "declared_purpose", nhi.purpose);
    set_attribute(identity, "declared_expires", nhi.expires);
    (expired_valid ? summary.expired_but_valid : status == kOrphaned ? summary.orphaned_identities : summary.known)++;
    summary.matched.push_back(brief_of(identity, status, nhi.name));
  }
  for (const auto& outcome : summary.entries) {
    if (!outcome.orphan_reason.empty()) ++summary.orphaned;
    (outcome.identity_ids.empty() ? summary.not_found : summary.declared_and_leaked)++;
  }
  return summary;
}

std::vector<Identity> build_reconciled_identities(const std::vector<Finding>& findings, InventoryInputs inputs,
                                                  const DeclaredInventory& inventory, ReconcileSummary& summary) {
  apply_declared_inventory(inventory, inputs);
  std::vector<Identity> identities = build_identities(findings, inputs);
  const DeclaredIndex index(inventory);
  const auto wanted = wanted_owners(identities, index, inventory);
  if (!owners_agree(identities, wanted)) {
    // Some identity matched through an attribute (or in another case, or a provider refused the
    // match): key the owners by identity id, which the builder asks first-hand.
    inputs.declared_owners.clear();
    for (const auto& [id, owner] : wanted) inputs.declared_owners[id] = owner;
    identities = build_identities(findings, inputs);
  }
  summary = reconcile(identities, inventory, inputs.now.empty() ? inputs.scan_time : inputs.now);
  return identities;
}

std::string render_reconcile_summary(const ReconcileSummary& summary, std::size_t max_listed) {
  std::string out =
      fmt::format("Declared inventory {}: {} NHI{} declared, {} identit{} found\n", summary.path, summary.declared,
                  summary.declared == 1 ? "" : "s", summary.identities, summary.identities == 1 ? "y" : "ies");
  out += fmt::format(
      "  known {}, shadow {}, orphaned {}, declared-and-leaked {}, expired-but-still-valid {}, "
      "declared but not found {}\n",
      summary.known, summary.shadow, summary.orphaned, summary.declared_and_leaked, summary.expired_but_valid,
      summary.not_found);
  // Each list stops at max_listed lines and says how many it left out.
  std::vector<std::string> leaked, orphaned, missing, shadows;
  for (const auto& m : summary.matched)
    leaked.push_back(fmt::format("declared-and-leaked: {} -> {} {} {}, owner {}", m.declared_name, m.id, m.provider,
                                 m.status, m.owner.empty() ? "none" : m.owner));
  for (const auto& e : summary.entries) {
    if (!e.orphan_reason.empty())
      orphaned.push_back(fmt::format("orphaned: {} (line {}): {}; {}", e.nhi.name, e.nhi.line, e.orphan_reason,
                                     e.identity_ids.empty() ? "not found" : "found"));
    if (e.identity_ids.empty()) missing.push_back(fmt::format("not found: {} (line {})", e.nhi.name, e.nhi.line));
  }
  for (const auto& s : summary.shadows)
    shadows.push_back(fmt::format("shadow: {} {} {}", s.id, s.provider, s.identifier.empty() ? "-" : s.identifier));
  for (const auto* lines : {&leaked, &orphaned, &missing, &shadows}) {
    for (std::size_t i = 0; i < lines->size() && i < max_listed; ++i) out += "  " + (*lines)[i] + "\n";
    if (lines->size() > max_listed)
      out += fmt::format("  ... and {} more {}\n", lines->size() - max_listed,
                         lines->front().substr(0, lines->front().find(':')));
  }
  return out;
}

}  // namespace sprawl
