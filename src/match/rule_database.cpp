// Compiles rules into one Hyperscan database and per-rule RE2 programs; caches the database.
#include "src/match/rule_database.h"

#include <unistd.h>
#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "src/check/fingerprint.h"

namespace sprawl {
namespace {

constexpr std::string_view kCacheMagic = "sprawl-hsdb-3\n";

// The confirm window of a rule: the longest match of its RE2 regex, as Hyperscan's analysis
// sees it (exactly, or else in prefilter mode), capped; 16 KiB when unbounded or unknown.
std::size_t confirm_window(const char* pattern) {
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_expression_info(pattern, 0, &info, &error) != HS_SUCCESS) {
    hs_free_compile_error(error);
    error = nullptr;
    if (hs_expression_info(pattern, HS_FLAG_PREFILTER, &info, &error) != HS_SUCCESS) {
      hs_free_compile_error(error);
      return kUnboundedConfirmWindow;
    }
  }
  const unsigned width = info->max_width;
  std::free(info);
  if (width == UINT_MAX) return kUnboundedConfirmWindow;
  return width > kMaxConfirmWindow ? kMaxConfirmWindow : width;
}

// What Hyperscan compiles for a rule: its cheaper prefilter when it has one.
const char* hyperscan_pattern(const Rule& rule) {
  return rule.prefilter.empty() ? rule.regex.c_str() : rule.prefilter.c_str();
}

}  // namespace

RE2::Options confirm_regex_options() {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingLatin1);
  options.set_log_errors(false);
  options.set_max_mem(64 << 20);
  return options;
}

std::string default_cache_dir() {
  if (const char* dir = std::getenv("SPRAWL_CACHE_DIR"); dir && *dir) return dir;
  if (const char* dir = std::getenv("XDG_CACHE_HOME"); dir && *dir) return std::string(dir) + "/sprawl";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/sprawl";
  return {};
}

Result<std::unique_ptr<RuleDatabase>> RuleDatabase::build(std::vector<Rule> rules, const DatabaseOptions& options) {
  std::unique_ptr<RuleDatabase> db(new RuleDatabase());
  db->m_rules = std::move(rules);
  if (db->m_rules.empty()) return Error{"no rules"};

  std::string key = hs_version();
  hs_platform_info_t platform{};
  hs_populate_platform(&platform);
  key.append(reinterpret_cast<const char*>(&platform), sizeof platform);
  for (const auto& rule : db->m_rules)
    key +=
        rule.regex + '\0' + rule.prefilter + '\0' + std::to_string(rule.secret_group) + '\0' + rule.path_regex + '\0';
  db->m_digest = sha256_hex(key).substr(0, 24);

  // A cache entry is only ever written for a rule set that compiled without rejections, so a
  // hit means every regex is known good and RE2 can compile lazily.
  const std::string cache_path =
      options.cache_dir.empty() ? std::string{} : options.cache_dir + "/db-" + db->m_digest + ".bin";
  std::error_code ignored;
  const bool cached = !cache_path.empty() && std::filesystem::exists(cache_path, ignored);
  db->prepare_rules(!cached);
  if (cached && db->load_cache(cache_path)) {
    db->index_rules();
    return db;
  }
  if (cached) db->prepare_rules(true);  // the entry was unusable: validate before compiling
  if (db->m_compiled.empty()) return Error{"no usable rules"};
  if (auto status = db->compile_hyperscan(); !status) return status.error();
  if (!cache_path.empty() && db->m_rejected.empty() && db->m_database) db->store_cache(cache_path);
  db->index_rules();
  return db;
}

RuleDatabase::~RuleDatabase() { hs_free_database(m_database); }

// Once the set of compiled rules is final: which are path-only, and the keyword gate.
void RuleDatabase::index_rules() {
  m_path_only.clear();
  m_re2_only.clear();
  std::vector<const Rule*> rules;
  for (std::uint32_t i = 0; i < m_compiled.size(); ++i) {
    if (m_compiled[i].path_only()) m_path_only.push_back(i);
    if (m_compiled[i].re2_only) {
      m_re2_only.push_back(i);
      m_compiled[i].keywords.clear();
      for (const auto& keyword : m_compiled[i].rule->keywords) m_compiled[i].keywords.emplace_back(keyword);
    }
    rules.push_back(m_compiled[i].rule);
  }
  m_keyword_gate = KeywordGate(rules);
}

// Builds the per-rule confirm state. With `validate_regexes`, each RE2 program is compiled now
// and rules it rejects are left out; otherwise compilation waits for the rule's first hit.
void RuleDatabase::prepare_rules(bool validate_regexes) {
  m_compiled.clear();
  m_rejected.clear();
  for (const auto& rule : m_rules) {
    CompiledRule compiled;
    compiled.rule = &rule;
    compiled.regex = std::make_unique<LazyRegex>(rule.regex);
    compiled.secret_group = rule.secret_group;
    if (validate_regexes && !compiled.path_only()) {
      const RE2& regex = compiled.regex->get();
      if (!regex.ok()) {
        m_rejected.push_back({rule.id, "RE2 cannot compile the regex: " + regex.error()});
        continue;
      }
      if (rule.secret_group > regex.NumberOfCapturingGroups()) {
        m_rejected.push_back({rule.id, fmt::format("secretGroup {} but the regex has {} groups", rule.secret_group,
                                                   regex.NumberOfCapturingGroups())});
        continue;
      }
    }
    if (!rule.path_regex.empty()) {
      compiled.path_regex = std::make_unique<RE2>(rule.path_regex, confirm_regex_options());
      if (!compiled.path_regex->ok()) {
        m_rejected.push_back({rule.id, "RE2 cannot compile the path regex: " + compiled.path_regex->error()});
        continue;
      }
    }
    m_compiled.push_back(std::move(compiled));
  }
}

// Compiles every rule with a regex into one database (pattern ids are rule indices). A pattern
// Hyperscan rejects is retried with HS_FLAG_PREFILTER (RE2 then decides); one rejected even so
// is left out and reported.
Status RuleDatabase::compile_hyperscan() {
  for (;;) {
    std::vector<const char*> patterns;
    std::vector<unsigned> flags, ids;
    for (unsigned i = 0; i < m_compiled.size(); ++i) {
      if (m_compiled[i].path_only() || m_compiled[i].re2_only) continue;
      patterns.push_back(hyperscan_pattern(*m_compiled[i].rule));
      flags.push_back(m_compiled[i].hs_prefilter_mode ? HS_FLAG_PREFILTER : 0);
      ids.push_back(i);
    }
    if (patterns.empty()) return Ok{};  // only path-only rules: no content to match
    hs_compile_error_t* error = nullptr;
    hs_database_t* database = nullptr;
    const hs_error_t rc =
        hs_compile_multi(patterns.data(), flags.data(), ids.data(), static_cast<unsigned>(patterns.size()),
                         HS_MODE_BLOCK, nullptr, &database, &error);
    if (rc == HS_SUCCESS) {
      m_database = database;
      break;
    }
    const int position = error ? error->expression : -1;
    const std::string message = error && error->message ? error->message : "unknown error";
    hs_free_compile_error(error);
    if (position < 0 || static_cast<std::size_t>(position) >= ids.size())
      return Error{"Hyperscan cannot compile the rule database: " + message};
    const unsigned bad = ids[static_cast<std::size_t>(position)];
    auto& compiled = m_compiled[static_cast<std::size_t>(bad)];
    if (!compiled.hs_prefilter_mode) {
      compiled.hs_prefilter_mode = true;
      continue;
    }
    const auto& keywords = compiled.rule->keywords;
    if (!keywords.empty() && std::none_of(keywords.begin(), keywords.end(), [](const auto& k) { return k.empty(); })) {
      compiled.re2_only = true;  // RE2 alone, on blobs holding a keyword
      continue;
    }
    m_rejected.push_back({compiled.rule->id, "Hyperscan cannot compile the regex: " + message});
    m_compiled.erase(m_compiled.begin() + bad);
    if (m_compiled.empty()) return Error{"no usable rules"};
  }
  for (auto& compiled : m_compiled)
    if (!compiled.path_only() && !compiled.re2_only) compiled.max_width = confirm_window(compiled.rule->regex.c_str());
  return Ok{};
}

// Cache layout: magic, rule count, then per rule "<max_width> <prefilter>\n", then the
// serialized Hyperscan database. The file name carries the digest of patterns and platform.
bool RuleDatabase::load_cache(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string data = buffer.str();
  if (data.compare(0, kCacheMagic.size(), kCacheMagic) != 0) return false;
  std::istringstream header(data.substr(kCacheMagic.size(), 64 + m_compiled.size() * 24));
  std::size_t count = 0;
  if (!(header >> count) || count != m_compiled.size()) return false;
  for (auto& compiled : m_compiled) {
    int mode = 0;  // 0: exact, 1: Hyperscan prefilter, 2: RE2 only
    if (!(header >> compiled.max_width >> mode)) return false;
    compiled.hs_prefilter_mode = mode != 0;
    compiled.re2_only = mode == 2;
  }
  header.get();  // the newline after the last entry
  const std::size_t offset = kCacheMagic.size() + static_cast<std::size_t>(header.tellg());
  if (offset >= data.size()) return false;
  hs_database_t* database = nullptr;
  if (hs_deserialize_database(data.data() + offset, data.size() - offset, &database) != HS_SUCCESS) return false;
  m_database = database;
  m_from_cache = true;
  return true;
}

void RuleDatabase::store_cache(const std::string& path) const {
  char* bytes = nullptr;
  size_t length = 0;
  if (hs_serialize_database(m_database, &bytes, &length) != HS_SUCCESS) return;
  std::string header(kCacheMagic);
  header += std::to_string(m_compiled.size()) + '\n';
  for (const auto& compiled : m_compiled)
    header += fmt::format("{} {}\n", compiled.max_width, compiled.re2_only ? 2 : compiled.hs_prefilter_mode ? 1 : 0);
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  // Written under a unique name and renamed, so that concurrent scans never see half a file.
  const std::string temp = fmt::format("{}.{}.tmp", path, ::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(bytes, static_cast<std::streamsize>(length));
    if (!out) {
      std::free(bytes);
      std::filesystem::remove(temp, ignored);
      return;
    }
  }
  std::free(bytes);
  std::filesystem::rename(temp, path, ignored);
  if (ignored) std::filesystem::remove(temp, ignored);
}

}  // namespace sprawl
