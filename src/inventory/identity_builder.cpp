// Identity building: group findings by fingerprint, join the parts of multi-part credentials,
// then fill in each identity's facts, owner, policies and risk.
#include "src/inventory/identity_builder.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <numeric>
#include <tuple>
#include <unordered_map>

#include "src/check/fingerprint.h"
#include "src/inventory/environment.h"
#include "src/inventory/policies.h"
#include "src/inventory/risk.h"

namespace sprawl {
namespace {

/// The parts of one credential, as pairs of rules: the identifier part (not a secret) and a
/// secret part. A user rule pair named `<x>-client-id` / `<x>-client-secret` of one provider
/// is joined the same way.
struct PartPair {
  std::string_view identifier_rule, secret_rule;
};
constexpr std::array<PartPair, 5> k_part_pairs{{
    {"aws-access-key-id", "aws-secret-access-key"},
    {"aws-access-key-id", "aws-session-token"},
    {"alibaba-access-key-id", "alibaba-access-key-secret"},
    {"razorpay-key-id", "razorpay-key-secret"},
    {"twilio-api-key", "twilio-api-key-secret"},
}};

/// Parts farther apart than this many lines in one blob are not joined unless the secret's
/// context names the identifier.
constexpr std::uint32_t k_pair_window_lines = 10;
/// How far from the match (in bytes of context) an identifier may sit.
constexpr std::size_t k_context_reach = 600;

bool parts_pair(const Rule* identifier, const Rule* secret) {
  if (!identifier || !secret) return false;
  for (const auto& pair : k_part_pairs)
    if (identifier->id == pair.identifier_rule && secret->id == pair.secret_rule) return true;
  const std::string_view id = identifier->id, sec = secret->id;
  return id.ends_with("-client-id") && sec.ends_with("-client-secret") && identifier->provider == secret->provider &&
         id.substr(0, id.size() - 3) == sec.substr(0, sec.size() - 7);
}

class DisjointSet {
 public:
  explicit DisjointSet(std::size_t n) : m_parent(n) { std::iota(m_parent.begin(), m_parent.end(), 0); }
  std::size_t find(std::size_t x) {
    while (m_parent[x] != x) x = m_parent[x] = m_parent[m_parent[x]];
    return x;
  }
  void join(std::size_t a, std::size_t b) {
    a = find(a), b = find(b);
    if (a != b) m_parent[std::max(a, b)] = std::min(a, b);
  }

 private:
  std::vector<std::size_t> m_parent;
};

/// Findings in the same blob (or, without a blob id, the same path, commit and layer).
std::string place_key(const Finding& f) {
  if (!f.blob_id.empty()) return f.blob_id;
  std::string key = f.provenance.path;
  if (f.provenance.git) key += "\n" + f.provenance.git->commit;
  if (f.provenance.image) key += "\n" + f.provenance.image->layer_digest;
  return key;
}

std::uint32_t line_distance(const Finding& a, const Finding& b) {
  return a.start.line > b.start.line ? a.start.line - b.start.line : b.start.line - a.start.line;
}

/// The identifier part a secret part belongs with, among identifier findings in its blob: one
/// its context names (nearest to the match), else the nearest by line within the window.
const Finding* partner_of(const Finding& secret, const std::vector<const Finding*>& candidates) {
  const Finding* best = nullptr;
  std::size_t best_distance = SIZE_MAX;
  const std::string_view text = secret.context.text;
  for (const Finding* c : candidates) {
    if (!parts_pair(c->rule, secret.rule)) continue;
    const std::size_t at = c->secret.empty() ? std::string_view::npos : text.find(c->secret);
    std::size_t distance = SIZE_MAX - 1;
    if (at != std::string_view::npos)
      distance = at > secret.context.match_start ? at - secret.context.match_start : secret.context.match_start - at;
    else if (line_distance(*c, secret) <= k_pair_window_lines)
      distance = k_context_reach * 4 + line_distance(*c, secret) * 2 + (c->start.line > secret.start.line ? 1 : 0);
    if (distance < best_distance) best = c, best_distance = distance;
  }
  return best_distance == SIZE_MAX - 1 ? nullptr : best;
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

/// The token of `prefix` + `body` characters (each passing `allowed`) nearest to `anchor`.
template <class Allowed>
std::optional<std::string> nearest_token(std::string_view text, std::size_t anchor, std::string_view prefix,
                                         std::size_t body, Allowed allowed) {
  std::optional<std::string> best;
  std::size_t best_distance = k_context_reach + 1;
  for (std::size_t at = text.find(prefix); at != std::string_view::npos; at = text.find(prefix, at + 1)) {
    const std::size_t end = at + prefix.size() + body;
    if (end > text.size() || (at > 0 && is_word_char(text[at - 1])) || (end < text.size() && is_word_char(text[end])))
      continue;
    const auto tail = text.substr(at + prefix.size(), body);
    if (!std::all_of(tail.begin(), tail.end(), allowed)) continue;
    const std::size_t distance = at > anchor ? at - anchor : anchor - at;
    if (distance < best_distance) best = std::string(text.substr(at, end - at)), best_distance = distance;
  }
  return best;
}

bool upper_alnum(char c) { return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'A' && c <= 'Z'); }
bool lower_hex(char c) { return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f'); }

/// `client_id = "value"` (also client-id, clientId, "client_id": …) nearest to `anchor`.
std::optional<std::string> client_id_near(std::string_view text, std::size_t anchor) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
  std::optional<std::string> best;
  std::size_t best_distance = k_context_reach + 1;
  for (std::size_t at = lower.find("client"); at != std::string::npos; at = lower.find("client", at + 1)) {
    std::size_t i = at + 6;
    if (i < lower.size() && (lower[i] == '_' || lower[i] == '-' || lower[i] == '.')) ++i;
    if (lower.compare(i, 2, "id") != 0) continue;
    i += 2;
    while (i < lower.size() && (lower[i] == '"' || lower[i] == '\'' || lower[i] == ' ')) ++i;
    if (i >= lower.size() || (lower[i] != '=' && lower[i] != ':')) continue;
    while (++i < lower.size() && (lower[i] == '"' || lower[i] == '\'' || lower[i] == ' ' || lower[i] == '=')) {
    }
    std::size_t end = i;
    while (end < text.size() &&
           (is_word_char(text[end]) || std::string_view("._@-").find(text[end]) != std::string_view::npos))
      ++end;
    const std::size_t distance = at > anchor ? at - anchor : anchor - at;
    if (end - i >= 6 && distance < best_distance) best = std::string(text.substr(i, end - i)), best_distance = distance;
  }
  return best;
}

}  // namespace

bool is_identifier_part(const Rule& rule) {
  for (const auto& pair : k_part_pairs)
    if (rule.id == pair.identifier_rule) return true;
  return std::string_view(rule.id).ends_with("-client-id");
}

std::optional<std::pair<std::string, std::string>> context_identifier(const Finding& finding) {
  if (!finding.rule || finding.context.text.empty()) return std::nullopt;
  const std::string_view text = finding.context.text, id = finding.rule->id;
  const std::size_t anchor = finding.context.match_start;
  std::optional<std::string> value;
  std::string name;
  if (id == "aws-secret-access-key" || id == "aws-session-token") {
    const auto long_term = nearest_token(text, anchor, "AKIA", 16, upper_alnum);
    const auto temporary = nearest_token(text, anchor, "ASIA", 16, upper_alnum);
    const auto distance = [&](const std::string& token) {
      const std::size_t at = text.find(token);
      return at > anchor ? at - anchor : anchor - at;
    };
    value = !temporary || (long_term && distance(*long_term) <= distance(*temporary)) ? long_term : temporary;
    name = "key_id";
  } else if (id == "twilio-auth-token") {
    value = nearest_token(text, anchor, "AC", 32, lower_hex);
    name = "account_sid";
  } else if (id.find("client-secret") != std::string_view::npos) {
    value = client_id_near(text, anchor);
    name = "client_id";
  }
  if (!value) return std::nullopt;
  return std::make_pair(std::move(name), std::move(*value));
}

std::string identity_id(std::vector<std::string> fingerprints) {
  std::sort(fingerprints.begin(), fingerprints.end());
  std::string joined;
  for (const auto& fp : fingerprints) joined += (joined.empty() ? "" : "\n") + fp;
  return sha256_hex(joined).substr(0, 16);
}

int validity_rank(std::string_view status) {
  static constexpr std::array<std::string_view, 6> k_order{"format_valid", "invalid_format", "expired",
                                                           "unknown",      "invalid",        "valid"};
  const auto it = std::find(k_order.begin(), k_order.end(), status);
  return it == k_order.end() ? 0 : static_cast<int>(it - k_order.begin()) + 1;
}

IdentityLocation location_of(const Finding& finding) {
  const Provenance& p = finding.provenance;
  IdentityLocation loc;
  loc.rule_id = finding.rule ? finding.rule->id : "";
  loc.fingerprint = finding.fingerprint;
  loc.path = p.path;
  loc.line = finding.start.line;
  loc.archive_members = p.members;
  if (p.git) {
    loc.repository = p.git->repository;
    if (p.git->location == GitLocation::commit) {
      loc.commit = p.git->commit;
      loc.commit_date = p.git->author_date;
      loc.author = p.git->author_name + (p.git->author_email.empty() ? "" : " <" + p.git->author_email + ">");
    }
    loc.present = p.git->location == GitLocation::staged || p.git->location == GitLocation::worktree ||
                  (p.git->location == GitLocation::commit && p.git->at_head);
  }
  std::string_view env_path = p.members.empty() && !p.relative_path.empty() ? p.relative_path : p.path;
  if (p.image) {
    loc.image = p.image->reference.empty() ? p.image->image : p.image->reference;
    loc.layer_digest = p.image->layer_digest;
    loc.present = !p.image->removed_in_layer.has_value();
    env_path = p.image->path;
  }
  loc.environment = infer_environment({env_path, text_before_secret(finding.context, finding.secret), ""});
  return loc;
}

namespace {

/// Connected findings: one group per identity.
using Group = std::vector<const Finding*>;

/// Joins the fingerprints of a credential's parts: an identifier finding in the same blob, or
/// one whose value the secret part's context names anywhere in the scan.
void join_parts(const std::vector<const Finding*>& active,
                const std::unordered_map<std::string_view, std::size_t>& node_of, DisjointSet& sets) {
  std::unordered_map<std::string, std::vector<const Finding*>> identifiers_at;
  std::unordered_map<std::string_view, const Finding*> identifier_by_value;
  for (const Finding* f : active) {
    if (!f->rule || !is_identifier_part(*f->rule)) continue;
    identifiers_at[place_key(*f)].push_back(f);
    identifier_by_value.emplace(f->secret, f);
  }
  for (const Finding* f : active) {
    if (!f->rule || is_identifier_part(*f->rule)) continue;
    const auto here = identifiers_at.find(place_key(*f));
    const Finding* partner = here == identifiers_at.end() ? nullptr : partner_of(*f, here->second);
    if (!partner) {
      const auto named = context_identifier(*f);
      const auto it = named ? identifier_by_value.find(named->second) : identifier_by_value.end();
      if (it != identifier_by_value.end() && parts_pair(it->second->rule, f->rule)) partner = it->second;
    }
    if (partner) sets.join(node_of.at(f->fingerprint), node_of.at(partner->fingerprint));
  }
}

std::vector<Group> group_findings(const std::vector<Finding>& findings) {
  std::vector<const Finding*> active;
  std::unordered_map<std::string_view, std::size_t> node_of;
  for (const Finding& f : findings) {
    if (!f.suppressed.empty()) continue;
    active.push_back(&f);
    node_of.emplace(f.fingerprint, node_of.size());
  }
  DisjointSet sets(node_of.size());
  join_parts(active, node_of, sets);
  std::unordered_map<std::size_t, std::size_t> group_of_root;
  std::vector<Group> groups;
  for (const Finding* f : active) {
    const std::size_t root = sets.find(node_of.at(f->fingerprint));
    const auto [it, added] = group_of_root.emplace(root, groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(f);
  }
  return groups;
}

/// Earliest introducing commit first (undated last), then path, line and rule.
void sort_by_first_seen(Group& group) {
  const auto key = [](const Finding* f) {
    const auto* g = f->provenance.git ? &*f->provenance.git : nullptr;
    const auto when = g ? parse_iso8601(g->author_date) : std::nullopt;
    return std::make_tuple(when.value_or(INT64_MAX), std::string_view(f->provenance.path), f->start.line,
                           std::string_view(f->rule ? f->rule->id : ""), std::string_view(f->fingerprint));
  };
  std::stable_sort(group.begin(), group.end(), [&](const Finding* a, const Finding* b) { return key(a) < key(b); });
}

void add_attribute(Identity& identity, std::string name, std::string value) {
  if (value.empty()) return;
  auto pair = std::make_pair(std::move(name), std::move(value));
  if (std::find(identity.attributes.begin(), identity.attributes.end(), pair) == identity.attributes.end())
    identity.attributes.push_back(std::move(pair));
}

std::string attribute_of(const Identity& identity, std::string_view name) {
  for (const auto& [key, value] : identity.attributes)
    if (key == name) return value;
  return "";
}

}  // namespace

namespace {

/// The non-secret name: an identifier part, else what a secret part's context names, else the
/// most telling fact validation or the offline checks reported.
std::string choose_identifier(Identity& identity, const Group& group) {
  for (const Finding* f : group)
    if (f->rule && is_identifier_part(*f->rule)) {
      add_attribute(identity, "key_id", f->secret);
      return f->secret;
    }
  for (const Finding* f : group)
    if (auto named = context_identifier(*f)) {
      add_attribute(identity, named->first, named->second);
      return named->second;
    }
  for (const char* name : {"client_email", "login", "username", "email", "owner"})
    if (auto value = attribute_of(identity, name); !value.empty()) return value;
  if (auto user = attribute_of(identity, "user"), host = attribute_of(identity, "host"); !host.empty())
    return user.empty() ? host : user + "@" + host;
  if (auto value = attribute_of(identity, "fingerprint"); !value.empty()) return value;
  if (auto iss = attribute_of(identity, "iss"), sub = attribute_of(identity, "sub"); !iss.empty() || !sub.empty())
    return (iss.empty() ? "" : "iss=" + iss) + (iss.empty() || sub.empty() ? "" : " ") +
           (sub.empty() ? "" : "sub=" + sub);
  for (const char* name : {"name", "account", "arn", "user_id", "account_id"})
    if (auto value = attribute_of(identity, name); !value.empty()) return value;
  return "";
}

/// Fingerprints, provider and type (of the most severe part), facts and identifier. Returns
/// the most severe part's severity.
Severity fill_parts(Identity& identity, const Group& group) {
  const Rule* lead = nullptr;
  for (const Finding* f : group) {
    if (std::find(identity.fingerprints.begin(), identity.fingerprints.end(), f->fingerprint) ==
        identity.fingerprints.end())
      identity.fingerprints.push_back(f->fingerprint);
    if (f->rule && (!lead || f->rule->severity > lead->severity)) lead = f->rule;
    for (const auto& [name, value] : f->validity.identity) add_attribute(identity, name, value);
  }
  std::sort(identity.fingerprints.begin(), identity.fingerprints.end());
  identity.id = identity_id(identity.fingerprints);
  identity.provider = lead ? lead->provider : "generic";
  identity.nhi_type = lead ? lead->nhi_type : "api_key";
  identity.identifier = choose_identifier(identity, group);
  return lead ? lead->severity : Severity::medium;
}

void fill_locations(Identity& identity, const Group& group, const InventoryInputs& inputs) {
  static constexpr std::array<std::string_view, 4> k_env_order{"prod", "staging", "dev", "test"};
  for (const Finding* f : group) identity.locations.push_back(location_of(*f));
  identity.first_seen = inputs.scan_time;
  for (const auto& loc : identity.locations)  // sorted by first seen: the first dated one is the earliest
    if (parse_iso8601(loc.commit_date)) {
      identity.first_seen = loc.commit_date;
      break;
    }
  identity.last_seen = inputs.scan_time;
  identity.present = std::any_of(identity.locations.begin(), identity.locations.end(),
                                 [](const IdentityLocation& l) { return l.present; });
  for (const auto env : k_env_order)
    if (std::any_of(identity.locations.begin(), identity.locations.end(),
                    [&](const IdentityLocation& l) { return l.environment == env; }))
      identity.environments.emplace_back(env);
}

void fill_validity(Identity& identity, const Group& group) {
  for (const Finding* f : group) {
    const int rank = validity_rank(f->validity.status), best = validity_rank(identity.validity);
    if (rank > best || (rank == best && f->validity.checked_at > identity.validity_checked_at)) {
      identity.validity = f->validity.status;
      identity.validity_checked_at = f->validity.checked_at;
    }
  }
}

/// The scan root of a plain file: its path less the relative path.
std::string scan_root(const Provenance& p) {
  if (p.relative_path.empty() || !std::string_view(p.path).ends_with(p.relative_path)) return "";
  std::string root = p.path.substr(0, p.path.size() - p.relative_path.size());
  while (root.size() > 1 && root.ends_with('/')) root.pop_back();
  return root;
}

std::optional<IdentityOwner> codeowners_owner(const Group& group, const InventoryInputs& inputs) {
  for (const Finding* f : group) {
    const Provenance& p = f->provenance;
    if (p.image || p.relative_path.empty()) continue;
    auto it = inputs.codeowners.find(p.git ? p.git->repository : scan_root(p));
    if (it == inputs.codeowners.end()) it = inputs.codeowners.find("");
    if (it == inputs.codeowners.end()) continue;
    const auto owners = owners_for(it->second, p.relative_path);
    std::string names;
    for (const auto& owner : owners) names += (names.empty() ? "" : " ") + owner;
    if (!names.empty()) return IdentityOwner{names, "codeowners"};
  }
  return std::nullopt;
}

/// Declared owner, else CODEOWNERS of the earliest location, else the introducing commit's author.
std::optional<IdentityOwner> resolve_owner(const Identity& identity, const Group& group,
                                           const InventoryInputs& inputs) {
  for (const std::string* key : {&identity.identifier, &identity.id}) {
    if (key->empty()) continue;
    if (const auto it = inputs.declared_owners.find(*key); it != inputs.declared_owners.end())
      return IdentityOwner{it->second, "declared"};
  }
  if (auto owner = codeowners_owner(group, inputs)) return owner;
  for (const auto& loc : identity.locations)
    if (!loc.author.empty()) return IdentityOwner{loc.author, "commit_author"};
  return std::nullopt;
}

Identity build_one(Group group, const InventoryInputs& inputs) {
  sort_by_first_seen(group);
  Identity identity;
  const Severity severity = fill_parts(identity, group);
  fill_locations(identity, group, inputs);
  fill_validity(identity, group);
  identity.owner = resolve_owner(identity, group, inputs);
  const std::string& now = inputs.now.empty() ? inputs.scan_time : inputs.now;
  identity.policies = evaluate_policies(identity, PolicyInputs{now, inputs.max_age_days, inputs.offboarded});
  auto risk = score_risk(identity, severity, RiskInputs{now, inputs.max_age_days});
  identity.risk = risk.score;
  identity.risk_reasons = std::move(risk.reasons);
  return identity;
}

}  // namespace

std::vector<Identity> build_identities(const std::vector<Finding>& findings, const InventoryInputs& inputs) {
  std::vector<Identity> identities;
  for (auto& group : group_findings(findings)) identities.push_back(build_one(std::move(group), inputs));
  std::sort(identities.begin(), identities.end(),
            [](const Identity& a, const Identity& b) { return a.risk != b.risk ? a.risk > b.risk : a.id < b.id; });
  return identities;
}

}  // namespace sprawl
