// Request builders and the "who am I" answer reading shared by the HTTP validator families.
#include "src/verify/http_validation.h"

#include <cctype>

#include "src/verify/response_json.h"

namespace sprawl::verify {

HttpRequest get_request(std::string url, Headers headers) {
  HttpRequest request;
  request.url = std::move(url);
  request.headers = std::move(headers);
  return request;
}

HttpRequest post_request(std::string url, Headers headers, std::string body) {
  HttpRequest request = get_request(std::move(url), std::move(headers));
  request.method = "POST";
  request.body = std::move(body);
  return request;
}

Headers bearer(const std::string& secret) { return {{"Authorization", "Bearer " + secret}}; }

HttpResponse bearer_get(const ValidatorContext& context, std::string_view provider, std::string_view base,
                        std::string_view path, const std::string& secret) {
  return context.send(provider, get_request(context.url(provider, base, path), bearer(secret)));
}

Identity read_fields(std::string_view body, const std::vector<Field>& fields) {
  Identity out;
  for (const auto& field : fields)
    if (auto value = json_field(body, field.path); value && !value->empty()) out.emplace_back(field.name, *value);
  return out;
}

std::string status_text(int status) { return "HTTP " + std::to_string(status); }

LiveResult unexpected_body(const HttpResponse& response) {
  return LiveResult::unknown(status_text(response.status) + " with an unexpected body", response.status);
}

LiveResult read_answer(const HttpResponse& response, std::string_view accepted,
                       const std::vector<std::string_view>& required, const std::vector<Field>& fields) {
  if (response.status < 200 || response.status > 299) return classify_response(response);
  if (!json_field(response.body, required)) return unexpected_body(response);
  return LiveResult::valid(std::string(accepted), read_fields(response.body, fields), response.status);
}

LiveResult who_am_i(const ValidatorContext& context, std::string_view provider, std::string url, Headers headers,
                    std::string_view accepted, const std::vector<std::string_view>& required,
                    const std::vector<Field>& fields) {
  return read_answer(context.send(provider, get_request(std::move(url), std::move(headers))), accepted, required,
                     fields);
}

bool mentions(std::string_view text, std::string_view word) {
  if (word.empty()) return false;
  for (std::size_t i = 0; i + word.size() <= text.size(); ++i) {
    std::size_t k = 0;
    while (k < word.size() && std::tolower(static_cast<unsigned char>(text[i + k])) == word[k]) ++k;
    if (k == word.size()) return true;
  }
  return false;
}

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'; }

std::string value_named(std::string_view text, const std::vector<std::string_view>& names) {
  std::string lower(text);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto name : names) {
    for (auto at = lower.find(name); at != std::string::npos; at = lower.find(name, at + 1)) {
      std::size_t i = at + name.size();
      while (i < text.size() && (text[i] == '"' || text[i] == '\'' || text[i] == ' ' || text[i] == '\t')) ++i;
      if (i >= text.size() || (text[i] != '=' && text[i] != ':')) continue;
      ++i;
      while (i < text.size() && (text[i] == '"' || text[i] == '\'' || text[i] == ' ' || text[i] == '\t')) ++i;
      std::size_t end = i;
      while (end < text.size() && is_name_char(text[end])) ++end;
      if (end > i) return std::string(text.substr(i, end - i));
    }
  }
  return {};
}

}  // namespace sprawl::verify
