// ValidationCache: one JSON object per line — fingerprint, status, reason, HTTP status, when
// checked, identity pairs — read with simdjson, written whole and renamed into place.
#include "src/verify/validation_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <simdjson.h>

#include "src/match/rule_database.h"
#include "src/report/json_writer.h"

namespace sprawl::verify {
namespace {

std::optional<std::pair<std::string, CachedResult>> parse_line(simdjson::dom::parser& parser, std::string_view line) {
  simdjson::dom::object object;
  if (parser.parse(line.data(), line.size()).get_object().get(object) != simdjson::SUCCESS) return std::nullopt;
  std::string_view fingerprint, status, reason;
  int64_t checked_at = 0, http_status = 0;
  if (object["fingerprint"].get(fingerprint) || object["status"].get(status) || object["reason"].get(reason) ||
      object["checked_at"].get(checked_at))
    return std::nullopt;
  if (object["http_status"].get(http_status) != simdjson::SUCCESS) http_status = 0;
  CachedResult cached;
  if (status == "valid")
    cached.result.status = LiveStatus::valid;
  else if (status == "invalid")
    cached.result.status = LiveStatus::invalid;
  else
    return std::nullopt;
  cached.result.reason = std::string(reason);
  cached.result.http_status = static_cast<int>(http_status);
  cached.checked_at = checked_at;
  simdjson::dom::array identity;
  if (object["identity"].get(identity) == simdjson::SUCCESS) {
    for (const auto pair : identity) {
      simdjson::dom::array kv;
      std::string_view key, value;
      if (pair.get(kv) || kv.at(0).get(key) || kv.at(1).get(value)) return std::nullopt;
      cached.result.identity.emplace_back(std::string(key), std::string(value));
    }
  }
  return std::make_pair(std::string(fingerprint), std::move(cached));
}

}  // namespace

ValidationCache ValidationCache::load(std::string path, std::int64_t ttl_seconds, std::int64_t now) {
  ValidationCache cache;
  cache.m_path = std::move(path);
  std::ifstream in(cache.m_path);
  if (!in) return cache;
  simdjson::dom::parser parser;
  std::string line;
  while (std::getline(in, line)) {
    auto entry = parse_line(parser, line);
    if (!entry || entry->second.checked_at + ttl_seconds <= now || entry->second.checked_at > now + 300) continue;
    cache.m_entries[entry->first] = std::move(entry->second);
  }
  return cache;
}

std::optional<CachedResult> ValidationCache::find(const std::string& fingerprint) const {
  const auto it = m_entries.find(fingerprint);
  if (it == m_entries.end()) return std::nullopt;
  return it->second;
}

void ValidationCache::put(const std::string& fingerprint, const LiveResult& result, std::int64_t checked_at) {
  if (result.status == LiveStatus::unknown) return;
  m_entries[fingerprint] = {result, checked_at};
}

bool ValidationCache::save(std::string& error) const {
  if (m_path.empty()) return true;  // nowhere to keep it
  std::string text;
  for (const auto& [fingerprint, cached] : m_entries) {
    JsonWriter json(text);
    json.begin_object()
        .field("fingerprint", fingerprint)
        .field("status", to_string(cached.result.status))
        .field("reason", cached.result.reason)
        .field("http_status", cached.result.http_status)
        .field("checked_at", static_cast<std::int64_t>(cached.checked_at));
    json.key("identity").begin_array();
    for (const auto& [key, value] : cached.result.identity) json.begin_array().value(key).value(value).end_array();
    json.end_array().end_object();
    text += '\n';
  }
  const std::size_t slash = m_path.rfind('/');
  if (slash != std::string::npos) ::mkdir(m_path.substr(0, slash).c_str(), 0700);  // one level, like the rule cache
  const std::string temporary = m_path + ".tmp." + std::to_string(::getpid());
  std::FILE* out = std::fopen(temporary.c_str(), "wb");
  if (!out) {
    error = std::string("cannot write ") + temporary + ": " + std::strerror(errno);
    return false;
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), out) == text.size();
  const bool closed = std::fclose(out) == 0;
  if (!written || !closed || std::rename(temporary.c_str(), m_path.c_str()) != 0) {
    error = std::string("cannot write ") + m_path + ": " + std::strerror(errno);
    std::remove(temporary.c_str());
    return false;
  }
  return true;
}

std::string default_validation_cache_path() {
  const std::string dir = default_cache_dir();
  return dir.empty() ? std::string{} : dir + "/validation-v1.jsonl";
}

}  // namespace sprawl::verify
