// Identity building: group findings by fingerprint, join the parts of multi-part credentials,
// then fill in each identity's facts, owner, policies and risk.
#include "src/inventory/identity_builder.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <numeric>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "src/check/fingerprint.h"
#include "src/inventory/environment.h"
#include "src/inventory/location_order.h"
#include "src/inventory/policies.h"
#include "src/inventory/risk.h"
#include "src/pipeline/scan_pipeline.h"
#include "src/util/flat_string_index.h"

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

/// Whether a rule finds the secret part of a multi-part credential.
bool can_pair_as_secret(const Rule& rule) {
  for (const auto& pair : k_part_pairs)
    if (rule.id == pair.secret_rule) return true;
  return std::string_view(rule.id).ends_with("-client-secret");
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

/// One place a blob was seen: its id, path, commit, image layer and archive members. A blob seen
/// at several places (a file copied, a commit touching it again) pairs its parts at each of them,
/// and each place votes once; pooling them would pair every copy with every other.
std::string place_key(const Finding& f) {
  std::string key = f.blob_id;
  key.append(1, '\n').append(f.provenance.path);
  if (f.provenance.git) key.append(1, '\n').append(f.provenance.git->commit);
  if (f.provenance.image) key.append(1, '\n').append(f.provenance.image->layer_digest);
  for (const auto& member : f.provenance.members) key.append(1, '\n').append(member);
  return key;
}

/// Whether two findings were seen at the same place (place_key), without building the keys.
bool same_place(const Finding& a, const Finding& b) {
  const auto commit = [](const Finding& f) {
    return f.provenance.git ? std::string_view(f.provenance.git->commit) : std::string_view();
  };
  const auto layer = [](const Finding& f) {
    return f.provenance.image ? std::string_view(f.provenance.image->layer_digest) : std::string_view();
  };
  return a.blob_id == b.blob_id && a.provenance.path == b.provenance.path && commit(a) == commit(b) &&
         layer(a) == layer(b) && a.provenance.members == b.provenance.members;
}

std::uint32_t line_distance(const Finding& a, const Finding& b) {
  return a.start.line > b.start.line ? a.start.line - b.start.line : b.start.line - a.start.line;
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

namespace {

/// Environments already inferred in one build, by path and the text before the secret: the
/// findings of one file share them.
/// Each path's environment as far as the path tells it, worked out once per path: a scan sees
/// the same path at many lines and commits, each with its own variable name. Paths are borrowed
/// from the findings (which outlive the build); an open-addressed index, as a node-based map's
/// lookups were a third of filling the locations.
class EnvironmentCache {
 public:
  std::string_view of(std::string_view path, std::string_view variable_line, std::string_view branch) {
    if (!m_last || path != m_last_path) {
      const PathEnvironment* known = m_paths.find(path);
      if (!known) known = &m_paths.emplace(path, path_environment(path)).first;
      m_last = known;
      m_last_path = path;
    }
    return infer_environment(*m_last, variable_line, branch);
  }

 private:
  FlatStringIndex<PathEnvironment> m_paths;
  const PathEnvironment* m_last = nullptr;  ///< valid until the next emplace
  std::string_view m_last_path;
};

/// Fills `loc` (a new, empty location) with where `finding` is.
void locate(const Finding& finding, const InventoryInputs& inputs, EnvironmentCache& environments,
            IdentityLocation& loc) {
  const Provenance& p = finding.provenance;
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
      loc.author = p.git->author_name;
      if (!p.git->author_email.empty()) loc.author.append(" <").append(p.git->author_email).append(">");
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
  std::string_view branch;  // the branch a location at HEAD is on
  if (p.git && loc.present && !inputs.head_branches.empty())
    if (const auto it = inputs.head_branches.find(p.git->repository); it != inputs.head_branches.end())
      branch = it->second;
  loc.environment = environments.of(env_path, text_before_secret(finding.context, finding.secret), branch);
}

/// Connected findings: one group per identity.
using Group = IdentityFindings;

/// A candidate pairing inside one blob: secret part `secret` with identifier part `identifier`
/// (indexes into the blob's lists), `lines` apart, the identifier after the secret or not.
struct PairEdge {
  std::size_t secret, identifier;
  std::uint32_t lines;
  bool identifier_after;
};

/// The lines a finding's kept context spans before and after its match.
std::pair<std::uint32_t, std::uint32_t> context_lines(const Finding& f) {
  const std::string_view text = f.context.text;
  const std::size_t start = std::min<std::size_t>(f.context.match_start, text.size());
  const std::size_t end = std::min<std::size_t>(std::max<std::size_t>(f.context.match_end, start), text.size());
  return {static_cast<std::uint32_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(start), '\n')),
          static_cast<std::uint32_t>(std::count(text.begin() + static_cast<std::ptrdiff_t>(end), text.end(), '\n'))};
}

/// Every identifier of `identifiers` (sorted by line) a secret part may pair with: within the
/// line window, or farther but named by the secret's context.
std::vector<PairEdge> candidate_edges(std::size_t secret_index, const Finding& secret,
                                      const std::vector<const Finding*>& identifiers) {
  std::vector<PairEdge> edges;
  const auto [before, after] = context_lines(secret);
  const std::uint32_t line = secret.start.line;
  const std::uint32_t low = line - std::min(line, std::max(before, k_pair_window_lines));
  const std::uint32_t high = line + std::max(after, k_pair_window_lines);
  auto it = std::lower_bound(identifiers.begin(), identifiers.end(), low,
                             [](const Finding* f, std::uint32_t l) { return f->start.line < l; });
  for (; it != identifiers.end() && (*it)->start.line <= high; ++it) {
    const Finding& c = **it;
    if (!parts_pair(c.rule, secret.rule)) continue;
    const std::uint32_t lines = line_distance(c, secret);
    if (lines > k_pair_window_lines && (c.secret.empty() || secret.context.text.find(c.secret) == std::string::npos))
      continue;
    edges.push_back({secret_index, static_cast<std::size_t>(it - identifiers.begin()), lines, c.start.line > line});
  }
  return edges;
}

/// One-to-one pairs: each secret part with at most one identifier, each identifier with at most
/// one secret part of each rule, nearest first; ties go to an identifier before (`prefer_after`
/// false) or after the secret.
std::vector<PairEdge> assign_pairs(std::vector<PairEdge> edges, const std::vector<const Finding*>& secrets,
                                   bool prefer_after) {
  std::stable_sort(edges.begin(), edges.end(), [&](const PairEdge& a, const PairEdge& b) {
    return std::make_pair(a.lines, a.identifier_after != prefer_after) <
           std::make_pair(b.lines, b.identifier_after != prefer_after);
  });
  std::vector<PairEdge> chosen;
  std::vector<bool> secret_taken(secrets.size());
  std::set<std::pair<std::size_t, std::string_view>> identifier_taken;  // identifier, secret rule id
  for (const PairEdge& e : edges) {
    if (secret_taken[e.secret]) continue;
    if (!identifier_taken.emplace(e.identifier, secrets[e.secret]->rule->id).second) continue;
    secret_taken[e.secret] = true;
    chosen.push_back(e);
  }
  return chosen;
}

/// The pairs of one blob: of the two orientations (identifiers before their secrets, as in
/// ~/.aws/credentials, or after), the one that pairs more parts, then the one with the parts
/// closer together.
std::vector<PairEdge> pair_in_blob(const std::vector<const Finding*>& secrets,
                                   std::vector<const Finding*>& identifiers) {
  std::stable_sort(identifiers.begin(), identifiers.end(),
                   [](const Finding* a, const Finding* b) { return a->start.line < b->start.line; });
  std::vector<PairEdge> edges;
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    auto more = candidate_edges(i, *secrets[i], identifiers);
    edges.insert(edges.end(), more.begin(), more.end());
  }
  if (edges.empty()) return {};
  auto before = assign_pairs(edges, secrets, false), after = assign_pairs(edges, secrets, true);
  const auto total = [](const std::vector<PairEdge>& pairs) {
    std::uint64_t sum = 0;
    for (const auto& e : pairs) sum += e.lines;
    return sum;
  };
  if (after.size() > before.size() || (after.size() == before.size() && total(after) < total(before))) return after;
  return before;
}

/// Which part of a multi-part credential each rule finds, worked out once per rule: a scan's
/// findings share a few hundred rules, and comparing rule ids was most of a pass over them.
class PartKinds {
 public:
  enum Kind : std::uint8_t { none, identifier, secret };
  Kind of(const Rule* rule) {
    if (rule == m_last_rule && m_last_rule) return m_last_kind;
    if (!rule) return none;
    auto [it, added] = m_kinds.try_emplace(rule, none);
    if (added) it->second = is_identifier_part(*rule) ? identifier : can_pair_as_secret(*rule) ? secret : none;
    m_last_rule = rule;
    m_last_kind = it->second;
    return m_last_kind;
  }

 private:
  std::unordered_map<const Rule*, Kind> m_kinds;
  const Rule* m_last_rule = nullptr;
  Kind m_last_kind = none;
};

/// Joins the fingerprints of a credential's parts. Each place (blob) pairs its secret parts
/// with its identifier parts one to one; a secret part paired nowhere joins the identifier its
/// context names anywhere in the scan. Across places, each secret part takes the identifier it
/// was paired with most often, and each identifier the secret part of each rule that chose it
/// most often, so that a mispairing never chains two credentials into one identity.
void join_parts(const std::vector<const Finding*>& active, const std::vector<std::size_t>& node_of_active,
                DisjointSet& sets) {
  struct Place {
    std::vector<const Finding*> secrets, identifiers;
    std::vector<std::size_t> secret_nodes, identifier_nodes;  // their nodes, in the same order
  };
  PartKinds kinds;
  if (std::none_of(active.begin(), active.end(),
                   [&](const Finding* f) { return kinds.of(f->rule) == PartKinds::identifier; }))
    return;
  std::vector<const Rule*> rule_of_node(
      active.empty() ? 0 : *std::max_element(node_of_active.begin(), node_of_active.end()) + 1);
  std::unordered_map<std::string, Place> places;
  const Finding* last = nullptr;  // consecutive findings mostly share their place
  Place* last_place = nullptr;
  for (std::size_t i = 0; i < active.size(); ++i) {
    const Finding* f = active[i];
    const PartKinds::Kind kind = kinds.of(f->rule);
    if (kind == PartKinds::none) continue;
    rule_of_node[node_of_active[i]] = f->rule;
    if (!last || !same_place(*last, *f)) last_place = &places[place_key(*f)];
    last = f;
    if (kind == PartKinds::identifier) {
      last_place->identifiers.push_back(f);
      last_place->identifier_nodes.push_back(node_of_active[i]);
    } else {
      last_place->secrets.push_back(f);
      last_place->secret_nodes.push_back(node_of_active[i]);
    }
  }
  // The first identifier part of each value (an index into `active`), for secrets paired in no
  // place: made on first need, as most secrets pair where they are.
  std::unordered_map<std::string_view, std::size_t> identifier_by_value;
  bool identifiers_indexed = false;
  const auto identifier_named = [&](std::string_view value) -> std::optional<std::size_t> {
    if (!identifiers_indexed) {
      for (std::size_t i = 0; i < active.size(); ++i)
        if (kinds.of(active[i]->rule) == PartKinds::identifier) identifier_by_value.emplace(active[i]->secret, i);
      identifiers_indexed = true;
    }
    const auto it = identifier_by_value.find(value);
    return it == identifier_by_value.end() ? std::nullopt : std::optional<std::size_t>(it->second);
  };
  // votes[secret node][identifier node] = how many places paired them
  std::unordered_map<std::size_t, std::map<std::size_t, std::uint32_t>> votes;
  for (auto& [key, place] : places) {
    if (place.secrets.empty()) continue;
    std::vector<bool> paired(place.secrets.size());
    for (const PairEdge& e : pair_in_blob(place.secrets, place.identifiers)) {
      paired[e.secret] = true;
      ++votes[place.secret_nodes[e.secret]][place.identifier_nodes[e.identifier]];
    }
    for (std::size_t i = 0; i < place.secrets.size(); ++i) {
      if (paired[i]) continue;
      const auto named = context_identifier(*place.secrets[i]);
      const auto identifier = named ? identifier_named(named->second) : std::nullopt;
      if (identifier && parts_pair(active[*identifier]->rule, place.secrets[i]->rule))
        ++votes[place.secret_nodes[i]][node_of_active[*identifier]];
    }
  }
  // each secret's best identifier; then each (identifier, secret rule)'s best secret
  std::map<std::pair<std::size_t, std::string_view>, std::pair<std::uint32_t, std::size_t>> best_secret;
  for (const auto& [secret, counts] : votes) {
    const auto top = std::max_element(counts.begin(), counts.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second < b.second : a.first > b.first;
    });
    const auto slot = std::make_pair(top->first, std::string_view(rule_of_node[secret]->id));
    const auto candidate = std::make_pair(top->second, secret);
    auto [it, added] = best_secret.emplace(slot, candidate);
    if (!added && (candidate.first > it->second.first ||
                   (candidate.first == it->second.first && candidate.second < it->second.second)))
      it->second = candidate;
  }
  for (const auto& [slot, choice] : best_secret) sets.join(slot.first, choice.second);
}

std::vector<Group> group_findings(const std::vector<Finding>& findings, bool in_report_order) {
  std::vector<const Finding*> active;
  std::vector<std::size_t> node_of_active;  // one node per distinct fingerprint
  active.reserve(findings.size());
  node_of_active.reserve(findings.size());
  FlatStringIndex<std::size_t> node_of(findings.size());
  for (const Finding& f : findings)
    if (f.suppressed.empty()) active.push_back(&f);
  // Taken in report order whatever order they come in, so that the same findings always give the
  // same identities: nodes are numbered, places listed and ties between pairings broken in it.
  if (!in_report_order && !std::is_sorted(active.begin(), active.end(),
                                          [](const Finding* a, const Finding* b) { return finding_order(*a, *b); })) {
    std::vector<const Finding*> sorted;
    sorted.reserve(active.size());
    for (std::size_t i : finding_permutation(active)) sorted.push_back(active[i]);
    active = std::move(sorted);
  }
  for (const Finding* f : active) node_of_active.push_back(node_of.emplace(f->fingerprint, node_of.size()).first);
  DisjointSet sets(node_of.size());
  join_parts(active, node_of_active, sets);
  // Groups numbered by their first finding, each sized before it is filled.
  std::vector<std::size_t> group_of_root(node_of.size(), SIZE_MAX), group_of_active(active.size());
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < active.size(); ++i) {
    std::size_t& group = group_of_root[sets.find(node_of_active[i])];
    if (group == SIZE_MAX) group = sizes.size(), sizes.push_back(0);
    ++sizes[group];
    group_of_active[i] = group;
  }
  std::vector<Group> groups(sizes.size());
  for (std::size_t g = 0; g < groups.size(); ++g) groups[g].reserve(sizes[g]);
  for (std::size_t i = 0; i < active.size(); ++i) groups[group_of_active[i]].push_back(active[i]);
  return groups;
}

/// Earliest introducing commit first (undated last), then path, line and rule.
void sort_by_first_seen(Group& group) {
  if (group.size() < 2) return;
  std::vector<std::pair<FirstSeenKey, const Finding*>> keyed;
  keyed.reserve(group.size());
  for (const Finding* f : group) {
    const std::string_view date = f->provenance.git ? std::string_view(f->provenance.git->author_date) : "";
    keyed.emplace_back(first_seen_key(date, f->provenance.path, f->start.line,
                                      f->rule ? std::string_view(f->rule->id) : std::string_view(), f->fingerprint),
                       f);
  }
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < keyed.size(); ++i) group[i] = keyed[i].second;
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

void fill_locations(Identity& identity, const Group& group, const InventoryInputs& inputs,
                    EnvironmentCache& environments) {
  static constexpr std::array<std::string_view, 4> k_env_order{"prod", "staging", "dev", "test"};
  identity.locations.reserve(group.size());
  for (const Finding* f : group) locate(*f, inputs, environments, identity.locations.emplace_back());
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

/// Builds the identity of `group`, which it sorts by first seen.
Identity build_one(Group& group, const InventoryInputs& inputs, EnvironmentCache& environments) {
  sort_by_first_seen(group);
  Identity identity;
  const Severity severity = fill_parts(identity, group);
  fill_locations(identity, group, inputs, environments);
  fill_validity(identity, group);
  identity.owner = resolve_owner(identity, group, inputs);
  const std::string& now = inputs.now.empty() ? inputs.scan_time : inputs.now;
  identity.policies = evaluate_policies(identity, PolicyInputs{now, inputs.max_age_days, inputs.offboarded});
  auto risk = score_risk(identity, severity, RiskInputs{now, inputs.max_age_days});
  identity.risk = risk.score;
  identity.risk_reasons = std::move(risk.reasons);
  return identity;
}

/// Builds groups in batches on several threads. The thread that calls run() hands finished
/// batches to the sink in order and builds a batch itself whenever the next one is not ready.
class BatchBuilder {
 public:
  BatchBuilder(std::vector<Group>& groups, const InventoryInputs& inputs, std::vector<Identity>& out)
      : m_groups(groups),
        m_inputs(inputs),
        m_out(out),
        m_batches((groups.size() + k_batch - 1) / k_batch),
        m_done(m_batches) {}

  void run(std::size_t helper_threads, const IdentityBatchSink& sink, const BuiltBatchHook& on_built) {
    m_on_built = &on_built;
    std::vector<std::thread> helpers;
    for (std::size_t t = 0; t < helper_threads; ++t)
      helpers.emplace_back([this] {
        EnvironmentCache environments;
        while (build_next(environments)) {
        }
      });
    EnvironmentCache environments;
    for (std::size_t next = 0; next < m_batches; ++next) {
      while (!ready(next))
        if (!build_next(environments)) wait_for(next);
      if (sink) sink(next, batch_span(next));
    }
    for (auto& helper : helpers) helper.join();
  }

 private:
  static constexpr std::size_t k_batch = 512;

  std::size_t batch_size(std::size_t batch) const { return std::min(k_batch, m_groups.size() - batch * k_batch); }
  std::span<const Identity> batch_span(std::size_t batch) const {
    return std::span<const Identity>(m_out).subspan(batch * k_batch, batch_size(batch));
  }

  /// Builds the next unclaimed batch; false when none is left.
  bool build_next(EnvironmentCache& environments) {
    const std::size_t batch = m_next.fetch_add(1);
    if (batch >= m_batches) return false;
    for (std::size_t i = batch * k_batch, end = i + batch_size(batch); i < end; ++i)
      m_out[i] = build_one(m_groups[i], m_inputs, environments);
    if (*m_on_built)
      (*m_on_built)(batch, batch_span(batch),
                    std::span<const Group>(m_groups).subspan(batch * k_batch, batch_size(batch)));
    {
      std::lock_guard lock(m_mutex);
      m_done[batch] = true;
    }
    m_built.notify_all();
    return true;
  }

  bool ready(std::size_t batch) {
    std::lock_guard lock(m_mutex);
    return m_done[batch];
  }

  void wait_for(std::size_t batch) {
    std::unique_lock lock(m_mutex);
    m_built.wait(lock, [&] { return m_done[batch]; });
  }

  std::vector<Group>& m_groups;
  const InventoryInputs& m_inputs;
  std::vector<Identity>& m_out;
  const std::size_t m_batches;
  std::atomic<std::size_t> m_next{0};
  std::mutex m_mutex;
  std::condition_variable m_built;
  std::vector<bool> m_done;
  const BuiltBatchHook* m_on_built = nullptr;
};

}  // namespace

std::vector<Identity> build_identities(const std::vector<Finding>& findings, const InventoryInputs& inputs,
                                       const IdentityBatchSink& on_batch, const BuiltBatchHook& on_built) {
  std::vector<Group> groups = group_findings(findings, inputs.findings_in_report_order);
  std::vector<Identity> identities(groups.size());
  // One helper per core besides the calling thread, at most 7, and none for a small inventory.
  constexpr std::size_t k_groups_per_thread = 2048;
  const std::size_t helpers = std::min<std::size_t>(
      {std::max(1u, std::thread::hardware_concurrency()) - 1, groups.size() / k_groups_per_thread, 7});
  BatchBuilder(groups, inputs, identities).run(helpers, on_batch, on_built);
  if (!inputs.sort_by_risk) return identities;
  // Sorted as indexes, then each identity moved once: sorting the identities themselves swapped
  // every string and vector of each ~log n times (a third of a 50k-identity inventory's build).
  std::vector<std::size_t> order(identities.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const Identity& x = identities[a];
    const Identity& y = identities[b];
    return x.risk != y.risk ? x.risk > y.risk : x.id < y.id;
  });
  std::vector<Identity> sorted;
  sorted.reserve(identities.size());
  for (std::size_t i : order) sorted.push_back(std::move(identities[i]));
  return sorted;
}

}  // namespace sprawl
