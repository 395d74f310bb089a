// Endpoints (provider base URLs and their overrides) and the usual reading of an HTTP answer.
#include <cctype>
#include <cstdlib>

#include <fmt/format.h>

#include "src/verify/validator.h"

namespace sprawl::verify {

Endpoints::Endpoints(std::map<std::string, std::string> config) : m_config(std::move(config)) {}

std::string Endpoints::override_for(std::string_view provider) const {
  std::string name = "SPRAWL_ENDPOINT_";
  for (const char c : provider)
    name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : '_';
  if (const char* value = std::getenv(name.c_str()); value && *value) return value;
  const auto it = m_config.find(std::string(provider));
  return it == m_config.end() ? std::string{} : it->second;
}

std::string Endpoints::url(std::string_view provider, std::string_view default_base, std::string_view path) const {
  std::string base = override_for(provider);
  if (base.empty()) base = default_base;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (!path.empty() && path.front() != '/') base += '/';
  return base + std::string(path);
}

LiveResult classify_response(const HttpResponse& response) {
  if (response.status == 0) return LiveResult::unknown(fmt::format("no answer: {}", response.error));
  const int s = response.status;
  if (s >= 200 && s < 300) return LiveResult::valid(fmt::format("accepted (HTTP {})", s), {}, s);
  if (s == 401 || s == 403) return LiveResult::invalid(fmt::format("rejected (HTTP {})", s), s);
  if (s == 429) return LiveResult::unknown("rate limited (HTTP 429)", s);
  if (s >= 500) return LiveResult::unknown(fmt::format("provider error (HTTP {})", s), s);
  return LiveResult::unknown(fmt::format("unexpected answer (HTTP {})", s), s);
}

const char* to_string(LiveStatus status) {
  switch (status) {
    case LiveStatus::valid: return "valid";
    case LiveStatus::invalid: return "invalid";
    case LiveStatus::unknown: return "unknown";
  }
  return "unknown";
}

}  // namespace sprawl::verify
