// Parses sprawl rule files and gitleaks v8 configurations (toml++) into RuleConfig values.
#include "src/rules/config_loader.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace sprawl {
namespace {

std::vector<std::string> string_array(const toml::node_view<const toml::node>& node) {
  std::vector<std::string> out;
  if (const auto* array = node.as_array()) {
    for (const auto& item : *array) {
      if (auto text = item.value<std::string>()) out.push_back(*text);
    }
  }
  return out;
}

Result<Severity> parse_severity(std::string_view text) {
  static const std::pair<std::string_view, Severity> names[] = {{"info", Severity::info},
                                                                {"low", Severity::low},
                                                                {"medium", Severity::medium},
                                                                {"high", Severity::high},
                                                                {"critical", Severity::critical}};
  for (const auto& [name, value] : names) {
    if (name == text) return value;
  }
  return Error{fmt::format("unknown severity '{}'", text)};
}

Result<Confidence> parse_confidence(std::string_view text) {
  if (text == "low") return Confidence::low;
  if (text == "medium") return Confidence::medium;
  if (text == "high") return Confidence::high;
  return Error{fmt::format("unknown confidence '{}'", text)};
}

Result<Allowlist> parse_allowlist(const toml::table& table) {
  Allowlist list;
  const toml::node_view<const toml::node> view{table};
  list.description = view["description"].value_or(std::string{});
  list.paths = string_array(view["paths"]);
  list.regexes = string_array(view["regexes"]);
  list.stopwords = string_array(view["stopwords"]);
  list.commits = string_array(view["commits"]);
  for (auto& commit : list.commits) {
    for (auto& c : commit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (commit.size() < 7 || commit.size() > 40 || commit.find_first_not_of("0123456789abcdef") != std::string::npos)
      return Error{fmt::format("allow-list commit '{}' is not a commit id (7 to 40 hex digits)", commit)};
  }
  list.target_rules = string_array(view["targetRules"]);
  const std::string target = view["regexTarget"].value_or(std::string{"secret"});
  if (target == "match")
    list.regex_target = RegexTarget::match;
  else if (target == "line")
    list.regex_target = RegexTarget::line;
  else if (target != "secret")
    return Error{fmt::format("unknown regexTarget '{}'", target)};
  const std::string condition = view["condition"].value_or(std::string{"OR"});
  list.require_all = condition == "AND" || condition == "and";
  return list;
}

// Reads both gitleaks spellings: `[allowlist]` (one table) and `[[allowlists]]` (an array).
Result<std::vector<Allowlist>> parse_allowlists(const toml::node_view<const toml::node>& single,
                                                const toml::node_view<const toml::node>& many) {
  std::vector<Allowlist> out;
  if (const auto* table = single.as_table()) {
    auto list = parse_allowlist(*table);
    if (!list) return list.error();
    out.push_back(std::move(list.value()));
  }
  if (const auto* array = many.as_array()) {
    for (const auto& item : *array) {
      const auto* table = item.as_table();
      if (!table) return Error{"allowlists entries must be tables"};
      auto list = parse_allowlist(*table);
      if (!list) return list.error();
      out.push_back(std::move(list.value()));
    }
  }
  return out;
}

Result<Rule> parse_rule(const toml::table& table, const std::string& source) {
  const toml::node_view<const toml::node> view{table};
  Rule rule;
  rule.source = source;
  rule.id = view["id"].value_or(std::string{});
  if (rule.id.empty()) return Error{"a rule has no id"};
  auto fail = [&](const std::string& why) { return Error{fmt::format("rule '{}': {}", rule.id, why)}; };
  rule.description = view["description"].value_or(rule.id);
  rule.regex = view["regex"].value_or(std::string{});
  rule.path_regex = view["path"].value_or(std::string{});
  rule.prefilter = view["prefilter"].value_or(std::string{});
  // A rule with neither `regex` nor `path` may only amend a rule it extends (checked when the
  // configs are merged, see validate_rules).
  if (rule.regex.empty() && !rule.prefilter.empty()) return fail("a prefilter needs a regex");
  if (auto group = view["secretGroup"].value<int64_t>()) {
    if (*group < 0 || *group > 64) return fail("secretGroup out of range");
    rule.secret_group = static_cast<int>(*group);
  }
  rule.entropy = view["entropy"].value_or(0.0);
  rule.keywords = string_array(view["keywords"]);
  rule.tags = string_array(view["tags"]);
  rule.provider = view["provider"].value_or(std::string{"generic"});
  rule.nhi_type = view["nhi_type"].value_or(std::string{"api_key"});
  if (auto severity = parse_severity(view["severity"].value_or(std::string{"medium"})))
    rule.severity = *severity;
  else
    return fail(severity.error().message);
  if (auto confidence = parse_confidence(view["confidence"].value_or(std::string{"medium"})))
    rule.confidence = *confidence;
  else
    return fail(confidence.error().message);
  rule.validation = view["validation"].value_or(std::string{});
  if (!rule.validation.empty() && rule.validation != "none" && rule.validation != "offline" && rule.validation != "live")
    return Error{fmt::format("rule '{}': validation must be none, offline or live, not '{}'", rule.id, rule.validation)};
  rule.examples = string_array(view["examples"]);
  rule.negative_examples = string_array(view["negative_examples"]);
  auto lists = parse_allowlists(view["allowlist"], view["allowlists"]);
  if (!lists) return fail(lists.error().message);
  rule.allowlists = std::move(lists.value());
  return rule;
}

}  // namespace

Result<RuleConfig> parse_rule_config(std::string_view toml_text, const std::string& source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Error{fmt::format("{}:{}:{}: invalid TOML: {}", source_name, where.line, where.column, e.description())};
  }
  RuleConfig config;
  const toml::node_view<const toml::node> view{root};
  if (const auto* extend = view["extend"].as_table()) {
    config.has_extend = true;
    const toml::node_view<const toml::node> ext{*extend};
    config.extend_use_default = ext["useDefault"].value_or(false);
    config.extend_path = ext["path"].value_or(std::string{});
    config.disabled_rules = string_array(ext["disabledRules"]);
    if (config.extend_use_default && !config.extend_path.empty())
      return Error{fmt::format("{}: [extend] sets both useDefault and path (gitleaks refuses this too)", source_name)};
  } else if (view["extend"]) {
    return Error{fmt::format("{}: 'extend' must be a table", source_name)};
  }
  if (const auto* rules = view["rules"].as_array()) {
    for (const auto& item : *rules) {
      const auto* table = item.as_table();
      if (!table) return Error{fmt::format("{}: [[rules]] entries must be tables", source_name)};
      auto rule = parse_rule(*table, source_name);
      if (!rule) return Error{fmt::format("{}: {}", source_name, rule.error().message)};
      if (rule->regex.empty() && rule->path_regex.empty() && !config.has_extend)
        return Error{fmt::format("{}: rule '{}': no regex or path", source_name, rule->id)};
      config.rules.push_back(std::move(rule.value()));
    }
  } else if (view["rules"]) {
    return Error{fmt::format("{}: 'rules' must be an array of tables", source_name)};
  }
  auto lists = parse_allowlists(view["allowlist"], view["allowlists"]);
  if (!lists) return Error{fmt::format("{}: {}", source_name, lists.error().message)};
  config.allowlists = std::move(lists.value());
  if (const auto endpoints = view["validation"]["endpoints"]) {
    const auto* table = endpoints.as_table();
    if (!table) return Error{fmt::format("{}: [validation.endpoints] must be a table of provider = \"URL\"", source_name)};
    for (const auto& [provider, url] : *table) {
      const auto* text = url.as_string();
      if (!text) return Error{fmt::format("{}: [validation.endpoints] {}: the URL must be a string", source_name, provider.str())};
      config.validation_endpoints[std::string(provider.str())] = text->get();
    }
  }
  return config;
}

namespace {

// gitleaks' own limit: a config may extend one that extends one more.
constexpr int kMaxExtendDepth = 2;

// gitleaks resolves `[extend] path` against the working directory; sprawl first tries the
// extending config's directory, so that a config works from wherever the scan runs.
std::string resolve_extend_path(const std::string& config_path, const std::string& extend_path) {
  namespace fs = std::filesystem;
  const fs::path target(extend_path);
  if (target.is_absolute()) return extend_path;
  const fs::path beside = fs::path(config_path).parent_path() / target;
  std::error_code ignored;
  if (fs::exists(beside, ignored) || !fs::exists(target, ignored)) return beside.lexically_normal().string();
  return extend_path;
}

Result<RuleConfig> load_config_chain(const std::string& path, int depth) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("{}: cannot open config file", path)};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error{fmt::format("{}: cannot read config file", path)};
  auto config = parse_rule_config(text.str(), path);
  if (!config || config->extend_path.empty()) return config;
  if (depth >= kMaxExtendDepth)
    return Error{fmt::format("{}: [extend] path '{}': configs extend each other more than {} deep (a cycle?)", path,
                             config->extend_path, kMaxExtendDepth)};
  auto base = load_config_chain(resolve_extend_path(path, config->extend_path), depth + 1);
  if (!base) return Error{fmt::format("{}: [extend] path: {}", path, base.error().message)};
  return extend_config(std::move(base.value()), std::move(config.value()));
}

// gitleaks: a rule an extending config redefines is merged into the rule it extends. Fields the
// redefinition sets replace the base's; tags, keywords and allow-lists are appended.
void amend_rule(Rule& base, Rule&& amendment) {
  if (amendment.description != amendment.id) base.description = std::move(amendment.description);
  if (amendment.entropy != 0.0) base.entropy = amendment.entropy;
  if (amendment.secret_group >= 0) base.secret_group = amendment.secret_group;
  if (!amendment.regex.empty()) {  // the base's prefilter and examples belong to its own regex
    base.regex = std::move(amendment.regex);
    base.prefilter = std::move(amendment.prefilter);
    base.examples = std::move(amendment.examples);
    base.negative_examples = std::move(amendment.negative_examples);
  }
  if (!amendment.path_regex.empty()) base.path_regex = std::move(amendment.path_regex);
  if (!amendment.validation.empty()) base.validation = std::move(amendment.validation);
  base.tags.insert(base.tags.end(), amendment.tags.begin(), amendment.tags.end());
  base.keywords.insert(base.keywords.end(), amendment.keywords.begin(), amendment.keywords.end());
  base.keywords_required = base.keywords_required || amendment.keywords_required;
  for (auto& list : amendment.allowlists) base.allowlists.push_back(std::move(list));
  base.source = std::move(amendment.source);
}

}  // namespace

RuleConfig extend_config(RuleConfig base, RuleConfig extending) {
  RuleConfig merged;
  const std::set<std::string> disabled(extending.disabled_rules.begin(), extending.disabled_rules.end());
  std::map<std::string, std::size_t> position;
  for (auto& rule : base.rules) {
    if (disabled.count(rule.id) || position.count(rule.id)) continue;
    position[rule.id] = merged.rules.size();
    merged.rules.push_back(std::move(rule));
  }
  for (auto& rule : extending.rules) {
    if (auto it = position.find(rule.id); it != position.end()) {
      amend_rule(merged.rules[it->second], std::move(rule));
    } else {
      position[rule.id] = merged.rules.size();
      merged.rules.push_back(std::move(rule));
    }
  }
  merged.allowlists = std::move(base.allowlists);
  for (auto& list : extending.allowlists) merged.allowlists.push_back(std::move(list));
  // What the base extends in turn (the defaults) is extended by both configs.
  merged.has_extend = base.has_extend;
  merged.extend_use_default = base.extend_use_default;
  merged.disabled_rules = std::move(base.disabled_rules);
  merged.validation_endpoints = std::move(base.validation_endpoints);
  for (auto& [provider, url] : extending.validation_endpoints) merged.validation_endpoints[provider] = std::move(url);
  for (auto& id : extending.disabled_rules) merged.disabled_rules.push_back(std::move(id));
  return merged;
}

Result<RuleConfig> load_rule_config_file(const std::string& path) { return load_config_chain(path, 0); }

RuleConfig merge_with_builtin(RuleConfig builtin, RuleConfig user) {
  const bool keep_defaults = user.rules.empty() || (user.has_extend && user.extend_use_default);
  // gitleaks applies every user rule only to fragments holding one of its keywords. Built-in
  // rules are tuned without that gate; one the user amends is gated only by keywords it adds.
  for (auto& rule : user.rules) rule.keywords_required = !rule.keywords.empty();
  if (!keep_defaults) return user;
  RuleConfig base;
  base.rules = std::move(builtin.rules);
  base.allowlists = std::move(builtin.allowlists);
  return extend_config(std::move(base), std::move(user));
}

Status validate_rules(const std::vector<Rule>& rules) {
  static const std::set<std::string> nhi_types = {
      "api_key",  "oauth_token",       "service_account", "ssh_key",           "private_key",  "certificate",
      "password", "connection_string", "webhook",         "workload_identity", "ai_agent_key", "session_token"};
  std::set<std::string> ids;
  for (const auto& rule : rules) {
    if (!ids.insert(rule.id).second) return Error{fmt::format("{}: duplicate rule id '{}'", rule.source, rule.id)};
    if (rule.regex.empty() && rule.path_regex.empty())
      return Error{
          fmt::format("{}: rule '{}': no regex or path, and it amends no rule it extends", rule.source, rule.id)};
    if (!nhi_types.count(rule.nhi_type))
      return Error{fmt::format("{}: rule '{}': unknown nhi_type '{}'", rule.source, rule.id, rule.nhi_type)};
  }
  return Ok{};
}

const char* to_string(Severity severity) {
  switch (severity) {
    case Severity::info:
      return "info";
    case Severity::low:
      return "low";
    case Severity::medium:
      return "medium";
    case Severity::high:
      return "high";
    case Severity::critical:
      return "critical";
  }
  return "medium";
}

const char* to_string(Confidence confidence) {
  switch (confidence) {
    case Confidence::low:
      return "low";
    case Confidence::medium:
      return "medium";
    case Confidence::high:
      return "high";
  }
  return "medium";
}

}  // namespace sprawl
