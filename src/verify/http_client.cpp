// HttpClient over libcurl: one easy handle per request, https only (http to loopback for test
// servers), no redirects, bounded bodies, retries on 429/5xx/transient errors with backoff and
// Retry-After, and a per-provider minimum interval between requests.
#include "src/verify/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <thread>

namespace sprawl::verify {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxBody = 1u << 20;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n'))
    text.remove_suffix(1);
  return text;
}

// The host of `url` (without userinfo, port or brackets), lower case; "" when unparsable.
std::string url_host(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  if (rest.starts_with("[")) {
    const auto close = rest.find(']');
    return close == std::string_view::npos ? std::string{} : lower(rest.substr(1, close - 1));
  }
  return lower(rest.substr(0, rest.find(':')));
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  if (!host.starts_with("127.")) return false;
  return std::all_of(host.begin(), host.end(), [](char c) { return c == '.' || std::isdigit(static_cast<unsigned char>(c)); });
}

struct Transfer {
  HttpResponse* response;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  const size_t bytes = size * count;
  const size_t room = kMaxBody - std::min(kMaxBody, response->body.size());
  response->body.append(data, std::min(bytes, room));
  return bytes;  // the rest is read and dropped, not an error
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {  // a new response (after 100 Continue): start over
    response->headers.clear();
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos && response->headers.size() < 200) {
    response->headers.emplace_back(lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  }
  return size * count;
}

// Whether a failed transfer is worth another try: connection dropped mid-way, not DNS or a
// refused connection (no network stays fast) or a timeout (bounded by the timeout).
bool transient(CURLcode code) {
  return code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR || code == CURLE_GOT_NOTHING ||
         code == CURLE_PARTIAL_FILE || code == CURLE_HTTP2 || code == CURLE_HTTP2_STREAM;
}

// One attempt.
HttpResponse perform(const HttpRequest& request, const HttpOptions& options) {
  HttpResponse response;
  CURL* curl = curl_easy_init();
  if (!curl) {
    response.error = "cannot start an HTTP request";
    return response;
  }
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) headers = curl_slist_append(headers, (name + ": " + value).c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "sprawl/" SPRAWL_VERSION " (secret validation)");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
  if (is_loopback_host(url_host(request.url))) curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  if (!request.basic_user.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, request.basic_user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, request.basic_password.c_str());
  }
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    if (request.method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  const CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
  } else {
    response.error = code == CURLE_OPERATION_TIMEDOUT ? "timed out" : curl_easy_strerror(code);
    response.status = 0;
    response.attempts = transient(code) ? -1 : 0;  // marker for the retry loop, reset below
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return response;
}

bool retryable(const HttpResponse& response) {
  if (response.status == 0) return response.attempts == -1;
  return response.status == 429 || response.status >= 500;
}

// How long to wait before the next try: Retry-After (seconds) when the server says, capped at
// 10 s; otherwise the backoff, doubled per try.
std::chrono::milliseconds retry_delay(const HttpResponse& response, std::chrono::milliseconds backoff, int attempt) {
  const std::string_view after = response.header("retry-after");
  if (!after.empty() && std::all_of(after.begin(), after.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    const long seconds = after.size() > 3 ? 10 : std::stol(std::string(after));
    return std::chrono::milliseconds(std::min(10L, seconds) * 1000);
  }
  return backoff * (1 << std::min(attempt, 6));
}

}  // namespace

std::string_view HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

bool url_allowed(std::string_view url) {
  if (url.starts_with("https://")) return !url_host(url).empty();
  if (url.starts_with("http://")) return is_loopback_host(url_host(url));
  return false;
}

struct HttpClient::State {
  std::mutex mutex;
  std::map<std::string, Clock::time_point, std::less<>> next_slot;  ///< per provider
};

HttpClient::HttpClient(HttpOptions options) : m_options(std::move(options)), m_state(std::make_unique<State>()) {
  global_init();
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::send(std::string_view provider, const HttpRequest& request) {
  if (!url_allowed(request.url)) {
    HttpResponse refused;
    refused.error = "refused: only https (or http to a loopback address) is sent to";
    return refused;
  }
  HttpResponse response;
  for (int attempt = 0; attempt <= m_options.retries; ++attempt) {
    if (m_options.rate_per_second > 0) {  // reserve this provider's next slot, then wait for it
      const auto interval = std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(1.0 / m_options.rate_per_second));
      Clock::time_point slot;
      {
        std::lock_guard lock(m_state->mutex);
        auto [it, added] = m_state->next_slot.try_emplace(std::string(provider), Clock::now());
        slot = std::max(it->second, Clock::now());
        it->second = slot + interval;
      }
      std::this_thread::sleep_until(slot);
    }
    response = perform(request, m_options);
    const bool again = retryable(response) && attempt < m_options.retries;
    response.attempts = attempt + 1;
    if (!again) break;
    std::this_thread::sleep_for(retry_delay(response, m_options.backoff, attempt));
  }
  return response;
}

}  // namespace sprawl::verify
