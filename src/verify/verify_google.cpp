// GCP service-account keys checked live: an RS256 JWT bearer assertion signed with the key is
// exchanged at Google's OAuth token endpoint for a read-only access token, which is dropped.
// Google API keys are not checked: no read-only endpoint answers for every key without
// spending the key owner's quota on a billed API.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "src/verify/families.h"
#include "src/verify/response_json.h"

namespace sprawl::verify {
namespace {

constexpr std::string_view k_provider = "gcp";
/// The documented token endpoint: the JWT's audience even when requests go to an override.
constexpr std::string_view k_token_url = "https://oauth2.googleapis.com/token";
constexpr std::string_view k_scope = "https://www.googleapis.com/auth/cloud-platform.read-only";

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

/// The value of the JSON string field `key` nearest to `anchor` in `text` (simple escapes
/// decoded), or nullopt.
std::optional<std::string> json_string_near(std::string_view text, std::string_view key, std::size_t anchor) {
  const std::string quoted = fmt::format("\"{}\"", key);
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (std::size_t pos = text.find(quoted); pos != std::string_view::npos; pos = text.find(quoted, pos + 1)) {
    std::size_t i = pos + quoted.size();
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i >= text.size() || text[i] != ':') continue;
    ++i;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i >= text.size() || text[i] != '"') continue;
    std::string value;
    for (++i; i < text.size() && text[i] != '"'; ++i) {
      if (text[i] == '\\' && i + 1 < text.size()) ++i;
      value.push_back(text[i]);
    }
    const std::size_t d = pos > anchor ? pos - anchor : anchor - pos;
    if (i < text.size() && (!best || d < best_distance)) {
      best = std::move(value);
      best_distance = d;
    }
  }
  return best;
}

/// The PEM of the finding's key: the BEGIN/END label of the match around the secret, whose
/// literal "\n" (and "\r", "\/") escapes become what they stand for.
std::string pem_of(const Credential& credential) {
  const bool rsa = credential.match_text.find("BEGIN RSA PRIVATE KEY") != std::string::npos;
  const std::string_view label = rsa ? "RSA PRIVATE KEY" : "PRIVATE KEY";
  std::string body;
  const std::string_view secret = credential.secret;
  for (std::size_t i = 0; i < secret.size(); ++i) {
    if (secret[i] == '\\' && i + 1 < secret.size()) {
      const char next = secret[++i];
      if (next == 'n')
        body.push_back('\n');
      else if (next == '/')
        body.push_back('/');
      continue;  // "\r" and unknown escapes are dropped
    }
    body.push_back(secret[i]);
  }
  if (!body.empty() && body.back() != '\n') body.push_back('\n');
  return fmt::format("-----BEGIN {}-----\n{}-----END {}-----\n", label, body, label);
}

PkeyPtr load_private_key(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) return {nullptr, &EVP_PKEY_free};
  // A refusing passphrase callback: an encrypted key must not make OpenSSL prompt on the terminal.
  auto no_passphrase = [](char*, int, int, void*) { return 0; };
  return {PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr), &EVP_PKEY_free};
}

std::string base64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(bytes.data()),
                  static_cast<int>(bytes.size()));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::string json_escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) >= 0x20) out.push_back(c);
  }
  return out;
}

std::optional<std::string> rs256(EVP_PKEY* key, std::string_view data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::size_t size = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    return std::nullopt;
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    return std::nullopt;
  signature.resize(size);
  return signature;
}

/// The signed JWT bearer assertion for `client_email` (RFC 7523, as Google's "Using OAuth 2.0
/// for server to server applications" lays it out), valid for an hour from `now`.
std::optional<std::string> bearer_assertion(EVP_PKEY* key, std::string_view client_email, std::string_view key_id,
                                            std::int64_t now) {
  const std::string header = key_id.empty()
                                 ? std::string(R"({"alg":"RS256","typ":"JWT"})")
                                 : fmt::format(R"({{"alg":"RS256","typ":"JWT","kid":"{}"}})", json_escaped(key_id));
  const std::string claims = fmt::format(R"({{"iss":"{}","scope":"{}","aud":"{}","iat":{},"exp":{}}})",
                                         json_escaped(client_email), k_scope, k_token_url, now, now + 3600);
  const std::string signing_input = base64url(header) + '.' + base64url(claims);
  const auto signature = rs256(key, signing_input);
  if (!signature) return std::nullopt;
  return signing_input + '.' + base64url(*signature);
}

LiveResult read_invalid_grant(std::string_view description, int status) {
  // Google answers a clock far off with invalid_grant as well: that says nothing of the key.
  if (description.find("short-lived") != std::string_view::npos || description.find("iat") != std::string_view::npos ||
      description.find("too early") != std::string_view::npos)
    return LiveResult::unknown("Google rejected the assertion's time (clock skew)", status);
  if (description.find("Invalid JWT Signature") != std::string_view::npos)
    return LiveResult::invalid("Google does not know this key for the account (Invalid JWT Signature)", status);
  if (description.find("account not found") != std::string_view::npos)
    return LiveResult::invalid("the service account does not exist (account not found)", status);
  return LiveResult::invalid("Google refused the token exchange (invalid_grant)", status);
}

LiveResult read_token_answer(const HttpResponse& response, Identity identity) {
  const int status = response.status;
  if (status == 0)
    return LiveResult::unknown(fmt::format("no answer from Google's token endpoint: {}", response.error));
  if (status == 200) {
    if (!json_field(response.body, {"access_token"}))
      return LiveResult::unknown("HTTP 200 without an access token", 200);
    return LiveResult::valid("Google issued a token for the service account", std::move(identity), 200);
  }
  const auto error = json_field(response.body, {"error"});
  if (error == "invalid_grant")
    return read_invalid_grant(json_field(response.body, {"error_description"}).value_or(""), status);
  if (error == "invalid_client") return LiveResult::invalid("Google rejected the client (invalid_client)", status);
  if (status == 429 || status >= 500)
    return LiveResult::unknown(fmt::format("Google's token endpoint busy or failing (HTTP {})", status), status);
  return LiveResult::unknown(fmt::format("unexpected token endpoint answer (HTTP {})", status), status);
}

/// The account's identity for the report: client_email, and project_id when known.
Identity account_identity(const Credential& credential, const std::string& client_email, std::size_t anchor) {
  Identity identity{{"client_email", client_email}};
  std::string project(credential.offline_value("project_id"));
  if (project.empty()) project = json_string_near(credential.context, "project_id", anchor).value_or("");
  if (!project.empty()) identity.emplace_back("project_id", project);
  return identity;
}

LiveResult validate_service_account_key(const Credential& credential, const ValidatorContext& context) {
  const std::size_t at = credential.context.find(credential.secret);
  const std::size_t anchor = at == std::string::npos ? credential.context.size() / 2 : at;
  std::string client_email(credential.offline_value("client_email"));
  if (client_email.empty()) client_email = json_string_near(credential.context, "client_email", anchor).value_or("");
  if (client_email.find('@') == std::string::npos) return LiveResult::unknown("no client_email near the key");
  const PkeyPtr key = load_private_key(pem_of(credential));
  if (!key) return LiveResult::unknown("the private key does not parse");
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) return LiveResult::unknown("not an RSA key");
  std::string key_id(credential.offline_value("private_key_id"));
  if (key_id.empty()) key_id = json_string_near(credential.context, "private_key_id", anchor).value_or("");
  const auto assertion = bearer_assertion(key.get(), client_email, key_id, context.now);
  if (!assertion) return LiveResult::unknown("signing the assertion failed");

  // The key file's token_uri is not followed: requests go only to Google's documented endpoint.
  HttpRequest request;
  request.method = "POST";
  request.url = context.url(k_provider, "https://oauth2.googleapis.com", "/token");
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  request.body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + *assertion;
  return read_token_answer(context.send(k_provider, request), account_identity(credential, client_email, anchor));
}

}  // namespace

void add_google_validators(std::vector<Validator>& out) {
  out.push_back({std::string(k_provider), {"gcp-service-account-private-key"}, &validate_service_account_key});
}

}  // namespace sprawl::verify
