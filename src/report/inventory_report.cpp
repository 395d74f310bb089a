// Inventory renderers: the table `scan --inventory` and `sprawl inventory` print, the JSON and
// CSV documents, and the detail view of `sprawl inventory show`, with remediation per provider.
#include "src/report/inventory_report.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "src/report/json_writer.h"

namespace sprawl {
namespace {

std::string shorten(const std::string& text, std::size_t width) {
  if (text.size() <= width) return text;
  return text.substr(0, width - 1) + "…";
}

std::string policy_list(const Identity& identity) {
  std::string out;
  for (const auto& p : identity.policies) out += (out.empty() ? "" : ",") + p.id;
  return out;
}

std::size_t present_locations(const Identity& identity) {
  std::size_t n = 0;
  for (const auto& l : identity.locations) n += l.present;
  return n;
}

}  // namespace

bool revoked_but_valid(const InventoryEntry& entry) {
  return (entry.triage == "revoked" || entry.triage == "rotated") && entry.identity->validity == "valid";
}

std::string remediation_for(const std::string& provider) {
  static const std::map<std::string, std::string> kSteps = {
      {"aws",
       "IAM console → Users → Security credentials: deactivate, then delete the access key; create a new one and "
       "update its users (aws iam update-access-key --status Inactive)"},
      {"gcp",
       "IAM & Admin → Service accounts → Keys: delete the key (gcloud iam service-accounts keys delete KEY_ID); prefer "
       "workload identity over key files"},
      {"azure",
       "Storage account → Security + networking → Access keys: rotate the key (az storage account keys renew); move "
       "clients to Entra ID or SAS"},
      {"github",
       "Settings → Developer settings → tokens: revoke the token (or report it to GitHub's secret scanning); org "
       "owners can revoke via the credential API"},
      {"gitlab",
       "User settings → Access tokens: revoke; for project/group tokens, the project's Settings → Access tokens"},
      {"slack",
       "api.slack.com/apps → your app → OAuth & Permissions: revoke tokens and reinstall; regenerate webhook URLs "
       "under Incoming Webhooks"},
      {"stripe",
       "Dashboard → Developers → API keys: roll the key (Stripe revokes the old one after the grace period you "
       "choose)"},
      {"openai", "platform.openai.com → API keys: delete the key and create a new one"},
      {"anthropic", "console.anthropic.com → API keys: disable and delete the key"},
      {"huggingface", "huggingface.co/settings/tokens: invalidate and refresh the token"},
      {"npm", "npmjs.com → Access Tokens: delete the token (npm token revoke ID)"},
      {"pypi", "pypi.org → Account settings → API tokens: remove the token"},
      {"postgresql", "ALTER ROLE … PASSWORD '…' on the server, then update the connection strings"},
      {"mysql", "ALTER USER … IDENTIFIED BY '…' on the server, then update the connection strings"},
      {"mongodb", "db.changeUserPassword(…) (or Atlas → Database Access), then update the connection strings"},
      {"redis", "ACL SETUSER … / CONFIG SET requirepass on the server, then update the clients"},
  };
  const auto it = kSteps.find(provider);
  if (it != kSteps.end()) return it->second;
  return "revoke or rotate the credential in " + provider +
         "'s console, update every place that uses it, then remove it from the code and its history";
}

std::string render_inventory_table(const std::vector<InventoryEntry>& entries) {
  std::string out = fmt::format("{:<16} {:>4} {:<12} {:<16} {:<34} {:<13} {:>5} {:<20} {}\n", "ID", "RISK", "PROVIDER",
                                "TYPE", "IDENTIFIER", "VALIDITY", "LOCS", "OWNER", "POLICIES");
  for (const auto& e : entries) {
    const Identity& i = *e.identity;
    std::string validity = i.validity.empty() ? "-" : i.validity;
    if (revoked_but_valid(e)) validity = "VALID(" + e.triage + "!)";
    out +=
        fmt::format("{:<16} {:>4} {:<12} {:<16} {:<34} {:<13} {:>5} {:<20} {}\n", i.id, i.risk, shorten(i.provider, 12),
                    shorten(i.nhi_type, 16), shorten(i.identifier.empty() ? "-" : i.identifier, 34),
                    shorten(validity, 13), fmt::format("{}/{}", present_locations(i), i.locations.size()),
                    shorten(i.owner ? i.owner->name : "-", 20), policy_list(i));
  }
  out += fmt::format("{} identit{}\n", entries.size(), entries.size() == 1 ? "y" : "ies");
  for (const auto& e : entries)
    if (revoked_but_valid(e))
      out +=
          fmt::format("WARNING: {} is triaged as {} but a live check found it still valid\n", e.identity->id, e.triage);
  return out;
}

void write_identity_json(JsonWriter& json, const InventoryEntry& e) {
  const Identity& i = *e.identity;
  json.begin_object()
      .field("id", i.id)
      .field("provider", i.provider)
      .field("nhi_type", i.nhi_type)
      .field("identifier", i.identifier)
      .field("risk", i.risk);
  json.key("risk_reasons").string_array(i.risk_reasons);
  json.field("validity", i.validity).field("validity_checked_at", i.validity_checked_at);
  json.field("first_seen", i.first_seen).field("last_seen", i.last_seen).field("present", i.present);
  json.key("environments").string_array(i.environments);
  if (i.owner)
    json.key("owner").begin_object().field("name", i.owner->name).field("source", i.owner->source).end_object();
  json.key("attributes").begin_object();
  for (const auto& [k, v] : i.attributes) json.field(k, v);
  json.end_object();
  json.key("fingerprints").string_array(i.fingerprints);
  if (!e.previews.empty()) json.key("previews").string_array(e.previews);
  json.key("policies").begin_array();
  for (const auto& p : i.policies)
    json.begin_object().field("id", p.id).field("name", p.name).field("evidence", p.evidence).end_object();
  json.end_array();
  if (!e.triage.empty())
    json.key("triage").begin_object().field("status", e.triage).field("note", e.triage_note).end_object();
  json.field("revoked_but_valid", revoked_but_valid(e));
  json.key("locations").begin_array();
  for (const auto& l : i.locations) {
    json.begin_object()
        .field("rule_id", l.rule_id)
        .field("path", l.path)
        .field("line", static_cast<std::uint64_t>(l.line));
    if (!l.repository.empty()) json.field("repository", l.repository);
    if (!l.commit.empty()) json.field("commit", l.commit).field("commit_date", l.commit_date).field("author", l.author);
    if (!l.image.empty()) json.field("image", l.image).field("layer_digest", l.layer_digest);
    if (!l.archive_members.empty()) json.key("archive_members").string_array(l.archive_members);
    json.field("present", l.present).field("environment", l.environment).end_object();
  }
  json.end_array().end_object();
}

namespace {

/// '[' and then the identities of entries[first, last) comma-separated: an array left open.
std::string identity_objects(const std::vector<InventoryEntry>& entries, std::size_t first, std::size_t last) {
  std::string out;
  JsonWriter json(out);
  json.begin_array();
  for (std::size_t n = first; n < last; ++n) write_identity_json(json, entries[n]);
  return out;
}

}  // namespace

std::string render_inventory_json(const std::vector<InventoryEntry>& entries, std::size_t threads) {
  // Each identity renders alone, so a big inventory is cut into one slice per thread.
  constexpr std::size_t k_entries_per_thread = 4096;
  if (threads == 0)
    threads = std::clamp<std::size_t>(
        std::min<std::size_t>(std::thread::hardware_concurrency(), entries.size() / k_entries_per_thread), 1, 8);
  std::vector<std::string> slices(threads);
  const auto slice = [&](std::size_t t) {
    slices[t] = identity_objects(entries, entries.size() * t / threads, entries.size() * (t + 1) / threads);
  };
  std::vector<std::thread> helpers;
  for (std::size_t t = 1; t < threads; ++t) helpers.emplace_back(slice, t);
  slice(0);
  for (auto& helper : helpers) helper.join();
  std::string out = R"({"schema_version":1,"identities":[)";
  std::size_t size = out.size() + 3;
  for (const auto& text : slices) size += text.size();
  out.reserve(size);
  bool first = true;
  for (const auto& text : slices) {
    if (text.size() == 1) continue;  // an empty slice: only its '['
    if (!first) out += ',';
    out.append(text, 1);  // without the '['
    first = false;
  }
  out += "]}\n";
  return out;
}

std::string csv_cell(const std::string& text) {
  std::string cell = text;
  if (!cell.empty() && std::string_view("=+-@\t\r").find(cell.front()) != std::string_view::npos) cell.insert(0, "'");
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + '"';
}

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ";") + item;
  return out;
}

std::string csv_row(const Identity& i) {
  std::vector<std::string> policies;
  for (const auto& p : i.policies) policies.push_back(p.id);
  const std::vector<std::string> text = {i.id,
                                         std::to_string(i.risk),
                                         i.provider,
                                         i.nhi_type,
                                         i.identifier,
                                         i.validity,
                                         i.present ? "true" : "false",
                                         i.first_seen,
                                         i.last_seen,
                                         i.owner ? i.owner->name : "",
                                         i.owner ? i.owner->source : "",
                                         joined(i.environments),
                                         joined(policies),
                                         std::to_string(i.locations.size()),
                                         i.locations.empty() ? "" : i.locations.front().path};
  std::string row;
  for (const auto& cell : text) row += (row.empty() ? "" : ",") + csv_cell(cell);
  return row + "\r\n";
}

}  // namespace

std::string render_inventory_csv(const std::vector<InventoryEntry>& entries) {
  std::string out =
      "id,risk,provider,nhi_type,identifier,validity,present,first_seen,last_seen,owner,owner_source,environments,"
      "policies,locations,first_location\r\n";
  for (const auto& e : entries) out += csv_row(*e.identity);
  return out;
}

std::string render_identity_detail(const InventoryEntry& e) {
  const Identity& i = *e.identity;
  std::string out = fmt::format("Identity {}  risk {}\n", i.id, i.risk);
  out += fmt::format("  Provider:    {} ({})\n", i.provider, i.nhi_type);
  out += fmt::format("  Identifier:  {}\n", i.identifier.empty() ? "-" : i.identifier);
  out += fmt::format("  Validity:    {}{}\n", i.validity.empty() ? "not checked" : i.validity,
                     i.validity_checked_at.empty() ? "" : " (checked " + i.validity_checked_at + ")");
  out += fmt::format("  First seen:  {}   last seen: {}   {}\n", i.first_seen, i.last_seen,
                     i.present ? "still present" : "no longer present (history only)");
  if (i.owner) out += fmt::format("  Owner:       {} (from {})\n", i.owner->name, i.owner->source);
  if (!i.environments.empty()) {
    std::string envs;
    for (const auto& env : i.environments) envs += (envs.empty() ? "" : ", ") + env;
    out += fmt::format("  Environment: {}\n", envs);
  }
  for (const auto& [k, v] : i.attributes) out += fmt::format("  {}: {}\n", k, v);
  for (const auto& p : e.previews) out += fmt::format("  Secret:      {}\n", p);
  if (!e.triage.empty())
    out += fmt::format("  Triage:      {}{}\n", e.triage, e.triage_note.empty() ? "" : " — " + e.triage_note);
  if (revoked_but_valid(e))
    out += fmt::format("  WARNING: triaged as {} but a live check found it still valid\n", e.triage);
  out += "  Risk:\n";
  for (const auto& r : i.risk_reasons) out += fmt::format("    - {}\n", r);
  out += "  Policies:\n";
  for (const auto& p : i.policies) out += fmt::format("    {} {}: {}\n", p.id, p.name, p.evidence);
  out += fmt::format("  Locations ({}):\n", i.locations.size());
  for (const auto& l : i.locations) {
    out += fmt::format("    {}{}:{}  [{}]{}\n", l.repository.empty() ? "" : l.repository + " ", l.path, l.line,
                       l.present ? "present" : "history", l.environment.empty() ? "" : " " + l.environment);
    if (!l.commit.empty())
      out += fmt::format("      commit {} {} {}\n", l.commit.substr(0, 12), l.commit_date, l.author);
    if (!l.image.empty()) out += fmt::format("      image {} layer {}\n", l.image, l.layer_digest);
  }
  out += fmt::format("  Remediation: {}\n", remediation_for(i.provider));
  return out;
}

}  // namespace sprawl
