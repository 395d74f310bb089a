// Azure Storage account keys checked live: list at most one blob container of the account with
// a Shared Key signed request (read-only). The account name comes from the text around the key.
#include <cctype>
#include <ctime>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "src/verify/families.h"
#include "src/verify/response_json.h"
#include "src/verify/sigv4.h"

namespace sprawl::verify {
namespace {

constexpr std::string_view k_provider = "azure";
constexpr std::string_view k_api_version = "2021-08-06";

std::string lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::size_t distance(std::size_t a, std::size_t b) { return a > b ? a - b : b - a; }

/// The storage account name nearest to `anchor` in `context`: AccountName=…, --account-name …,
/// account_name / storage_account(_name) assignments, or a *.core.windows.net host.
std::optional<std::string> account_near(std::string_view context, std::size_t anchor) {
  static const std::regex assigned(
      R"((?:account[_-]?name|storage[_-]?account(?:[_-]?name)?)["'\]]?\s{0,3}(?:[:=]|=>)?\s{0,3}["'`]?([a-z0-9]{3,24})(?![a-z0-9]))");
  static const std::regex host(R"(([a-z0-9]{3,24})\.(?:blob|table|queue|file|dfs)\.core\.windows\.net)");
  const std::string text = lowered(context);
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const std::regex* re : {&assigned, &host}) {
    for (auto it = std::sregex_iterator(text.begin(), text.end(), *re); it != std::sregex_iterator(); ++it) {
      const auto pos = static_cast<std::size_t>(it->position(1));
      if (!best || distance(pos, anchor) < best_distance) {
        best = it->str(1);
        best_distance = distance(pos, anchor);
      }
    }
  }
  return best;
}

/// The line of `context` around `pos`.
std::string_view line_at(std::string_view context, std::size_t pos) {
  const std::size_t start = context.rfind('\n', pos);
  const std::size_t end = context.find('\n', pos);
  const std::size_t from = start == std::string_view::npos ? 0 : start + 1;
  return context.substr(from, end == std::string_view::npos ? std::string_view::npos : end - from);
}

/// Why the key on this line is not a public-cloud storage key (Cosmos DB, sovereign clouds), or "".
std::string not_checkable(std::string_view line) {
  const std::string text = lowered(line);
  if (text.find("accountendpoint=") != std::string::npos || text.find("documents.azure.com") != std::string::npos)
    return "a Cosmos DB key, not a storage account key";
  const std::size_t suffix = text.find("endpointsuffix=");
  if (suffix != std::string::npos && text.compare(suffix + 15, 16, "core.windows.net") != 0)
    return "storage account outside Azure's public cloud (EndpointSuffix)";
  return {};
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  const std::size_t padding = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(bytes.data()),
                  static_cast<int>(bytes.size()));
  return out;
}

/// "Sun, 11 Oct 2009 21:49:13 GMT" (RFC 1123, independent of the locale).
std::string rfc1123_date(std::int64_t epoch_seconds) {
  static constexpr const char* k_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto seconds = static_cast<std::time_t>(epoch_seconds);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} GMT", k_days[utc.tm_wday], utc.tm_mday, k_months[utc.tm_mon],
                     utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
}

/// The Shared Key string to sign of GET /?comp=list&maxresults=1 (Microsoft's "Authorize with
/// Shared Key": the verb, eleven empty standard headers, the x-ms-* headers sorted, then the
/// resource as /account/path with its query parameters sorted, one "name:value" per line).
std::string list_containers_string_to_sign(std::string_view account, std::string_view date) {
  return fmt::format("GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{}\nx-ms-version:{}\n/{}/\ncomp:list\nmaxresults:1", date,
                     k_api_version, account);
}

/// An error code fit for a reason: letters and digits, at most 60.
std::string safe_code(std::string_view code) {
  std::string out;
  for (const char c : code)
    if (std::isalnum(static_cast<unsigned char>(c)) && out.size() < 60) out.push_back(c);
  return out;
}

LiveResult read_storage_answer(const HttpResponse& response, const std::string& account) {
  const int status = response.status;
  if (status == 0) return LiveResult::unknown(fmt::format("no answer from Azure Storage: {}", response.error));
  if (status == 200) {
    if (response.body.find("<EnumerationResults") == std::string::npos)
      return LiveResult::unknown("HTTP 200 without a container listing", status);
    return LiveResult::valid("Azure Storage accepted the account key", {{"account", account}}, status);
  }
  const std::string code = safe_code(xml_field(response.body, "Code").value_or(""));
  if (status == 403 && code == "AuthenticationFailed") {
    const std::string detail = xml_field(response.body, "AuthenticationErrorDetail").value_or("");
    if (detail.find("Request date header") != std::string::npos)
      return LiveResult::unknown("Azure Storage rejected the request time (clock skew)", status);
    return LiveResult::invalid("the account rejected the key (AuthenticationFailed)", status);
  }
  if (status == 429 || status >= 500)
    return LiveResult::unknown(fmt::format("Azure Storage busy or failing (HTTP {})", status), status);
  if (code.empty())
    return LiveResult::unknown(fmt::format("unexpected Azure Storage answer (HTTP {})", status), status);
  return LiveResult::unknown(fmt::format("unexpected Azure Storage answer (HTTP {} {})", status, code), status);
}

LiveResult validate_storage_key(const Credential& credential, const ValidatorContext& context) {
  const std::size_t at = credential.context.find(credential.secret);
  const std::size_t anchor = at == std::string::npos ? credential.context.size() / 2 : at;
  const std::string why_not = not_checkable(line_at(credential.context, anchor));
  if (!why_not.empty()) return LiveResult::unknown(why_not);
  const auto account = account_near(credential.context, anchor);
  if (!account) return LiveResult::unknown("no storage account name near the key");
  if (*account == "devstoreaccount1") return LiveResult::unknown("the local storage emulator's account");
  const auto key = base64_decode(credential.secret);
  if (!key) return LiveResult::unknown("the key is not base64");

  HttpRequest request;
  request.url =
      context.url(k_provider, fmt::format("https://{}.blob.core.windows.net", *account), "/?comp=list&maxresults=1");
  const std::string date = rfc1123_date(context.now);
  const std::string signature = base64_encode(sigv4::hmac_sha256(*key, list_containers_string_to_sign(*account, date)));
  request.headers = {{"x-ms-date", date},
                     {"x-ms-version", std::string(k_api_version)},
                     {"Authorization", fmt::format("SharedKey {}:{}", *account, signature)}};
  return read_storage_answer(context.send(k_provider, request), *account);
}

}  // namespace

void add_azure_validators(std::vector<Validator>& out) {
  out.push_back({std::string(k_provider), {"azure-storage-account-key"}, &validate_storage_key});
}

}  // namespace sprawl::verify
