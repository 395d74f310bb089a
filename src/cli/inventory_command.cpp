// `sprawl inventory` (list, show, diff) and `sprawl triage`: read the datastore that
// `sprawl scan --datastore` wrote, filter and sort its identities, record triage decisions.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "src/cli/commands.h"
#include "src/report/inventory_html.h"
#include "src/report/inventory_report.h"
#include "src/store/datastore.h"
#include "src/util/iso8601.h"

namespace sprawl {
namespace {

Result<std::unique_ptr<store::Datastore>> open_store(const InventoryOptions& options, bool write) {
  store::OpenOptions open;
  open.mode = write ? store::OpenMode::read_write : store::OpenMode::read_only;
  open.quick_check = write;  // listing stays fast on large datastores; a write checks first
  return store::Datastore::open(options.datastore, open);
}

InventoryEntry entry_of(const store::StoredIdentity& stored) {
  InventoryEntry entry{&stored.identity, {}, {}, {}};
  if (stored.triage) {
    entry.triage = store::to_string(stored.triage->status);
    entry.triage_note = stored.triage->note;
  }
  for (const auto& part : stored.parts) entry.previews.push_back(part.preview);
  return entry;
}

bool has_policy(const Identity& identity, const std::string& policy) {
  return std::any_of(identity.policies.begin(), identity.policies.end(),
                     [&](const PolicyFlag& p) { return p.id == policy || p.name == policy; });
}

bool selected(const Identity& i, const InventoryOptions& o) {
  if (!o.provider.empty() && i.provider != o.provider) return false;
  if (!o.owner.empty() && (!i.owner || i.owner->name.find(o.owner) == std::string::npos)) return false;
  if (!o.policy.empty() && !has_policy(i, o.policy)) return false;
  return i.risk >= o.min_risk;
}

std::string render(const std::vector<InventoryEntry>& entries, const std::string& format) {
  if (format == "json") return render_inventory_json(entries);
  if (format == "csv") return render_inventory_csv(entries);
  if (format == "html") return render_inventory_html(entries, iso8601_now());
  return render_inventory_table(entries);
}

int fail(const std::string& message) {
  print_error(message);
  return kExitError;
}

/// Writes `text` to `path` (standard output when empty or "-"); an error exit when it cannot.
int emit(const std::string& text, const std::string& path) {
  if (path.empty() || path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kExitClean;
  }
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) return fail(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  if (std::fclose(file) != 0 || !written) return fail(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  return kExitClean;
}

}  // namespace

int run_inventory_list(const InventoryOptions& options) {
  auto store = open_store(options, false);
  if (!store) return fail(store.error().message);
  auto identities = (*store)->load_identities();
  if (!identities) return fail(identities.error().message);
  std::vector<const store::StoredIdentity*> rows;
  for (const auto& stored : *identities)
    if (selected(stored.identity, options)) rows.push_back(&stored);
  std::stable_sort(rows.begin(), rows.end(), [&](const auto* a, const auto* b) {
    if (options.sort == "age") return a->identity.first_seen < b->identity.first_seen;  // oldest first
    if (options.sort == "provider" && a->identity.provider != b->identity.provider)
      return a->identity.provider < b->identity.provider;
    return a->identity.risk > b->identity.risk;
  });
  std::vector<InventoryEntry> entries;
  entries.reserve(rows.size());
  for (const auto* row : rows) entries.push_back(entry_of(*row));
  const int code = emit(render(entries, options.format), options.output);
  // The process ends right after this command, and handing a big inventory back to the allocator
  // string by string took a quarter of a 50k-identity listing: the loaded identities are left for
  // the exit to reclaim (only here, where nothing else runs after).
  new std::vector<store::StoredIdentity>(std::move(*identities));  // NOLINT: deliberately not freed
  return code;
}

int run_inventory_show(const InventoryOptions& options) {
  auto store = open_store(options, false);
  if (!store) return fail(store.error().message);
  auto stored = (*store)->find_identity(options.id);
  if (!stored) return fail(stored.error().message);
  const InventoryEntry entry = entry_of(*stored);
  const std::string text = options.format == "json" ? render_inventory_json({entry}) : render_identity_detail(entry);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitClean;
}

int run_inventory_diff(const InventoryOptions& options) {
  auto store = open_store(options, false);
  if (!store) return fail(store.error().message);
  std::int64_t scan = 0;
  const bool is_number = !options.since.empty() && std::all_of(options.since.begin(), options.since.end(), ::isdigit);
  if (is_number) {
    scan = std::stoll(options.since);
  } else {
    auto found = (*store)->scan_at_or_before(options.since);
    if (!found) return fail(found.error().message);
    scan = *found;
  }
  auto diff = (*store)->diff_since(scan);
  if (!diff) return fail(diff.error().message);
  std::vector<InventoryEntry> added, resolved;
  for (const auto& s : diff->added) added.push_back(entry_of(s));
  for (const auto& s : diff->resolved) resolved.push_back(entry_of(s));
  std::string text;
  if (options.format == "json") {
    text = fmt::format("{{\"since_scan\":{},\"new\":{},\"resolved\":{}}}\n", diff->since_scan,
                       render_inventory_json(added), render_inventory_json(resolved));
  } else {
    text =
        fmt::format("New since scan {} ({}):\n{}\nResolved since scan {} ({}):\n{}", diff->since_scan, added.size(),
                    render_inventory_table(added), diff->since_scan, resolved.size(), render_inventory_table(resolved));
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitClean;
}

int run_triage(const InventoryOptions& options) {
  const auto status = store::parse_triage_status(options.status);
  if (!status) return fail("--status must be revoked, rotated, false_positive or accepted_risk");
  auto store = open_store(options, true);
  if (!store) return fail(store.error().message);
  if (auto set = (*store)->set_triage(options.id, {*status, options.note, iso8601_now()}); !set)
    return fail(set.error().message);
  auto stored = (*store)->find_identity(options.id);
  if (!stored) return fail(stored.error().message);
  std::fprintf(stderr, "sprawl: %s triaged as %s\n", stored->identity.id.c_str(), options.status.c_str());
  if (revoked_but_valid(entry_of(*stored)))
    std::fprintf(stderr, "sprawl: WARNING: %s is marked %s but its last live check found it valid\n",
                 stored->identity.id.c_str(), options.status.c_str());
  return kExitClean;
}

}  // namespace sprawl
