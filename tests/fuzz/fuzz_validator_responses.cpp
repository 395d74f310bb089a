// libFuzzer target: arbitrary bytes as a provider's answer to a live validator. A local server
// on 127.0.0.1 (started once, here) answers every connection with bytes made from the input: an
// HTTP status line, headers and a body for the HTTP validators (or raw bytes, no HTTP at all),
// the raw bytes as the server's handshake replies for the database validators. The first input
// byte picks the validator (over validators()), which runs on a plausible credential with every
// provider's endpoint pointed at the server; invariants of its result are checked.
//
// Input layout: [validator] [rule + variant] then, for HTTP validators, [status] [header flags]
// and the body; for database validators the bytes. "\n@@\n" separates the answers to successive
// connections (the last one repeats).
//
// SPRAWL_FUZZ_VALIDATOR_VERBOSE=1: print each input's rule and result (to replay seeds).
// SPRAWL_FUZZ_VALIDATOR_SURVEY=1: before fuzzing, print for every rule whether its validator
// reached the server (a rule whose credential is not checkable never does, and is not fuzzed).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "src/verify/validator.h"

namespace {

using sprawl::verify::Credential;
using sprawl::verify::LiveResult;
using sprawl::verify::LiveStatus;
using sprawl::verify::Validator;

void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

// --- the fake server -----------------------------------------------------------------------------

/// What the server sent during one input.
struct Sent {
  int connections = 0;
  std::size_t max_bytes = 0;  ///< the most bytes written on one connection
  bool http = false;          ///< some answer started with "HTTP/"
};

class RawServer {
 public:
  RawServer() {
    m_fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (m_fd < 0 || bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(m_fd, 64) != 0 ||
        getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      std::perror("fuzz_validator_responses: server");
      std::abort();
    }
    m_port = ntohs(addr.sin_port);
    std::thread([this] { serve(); }).detach();
  }

  int port() const { return m_port; }

  /// The answers to the next connections (the last one repeats); resets what was sent.
  void set_answers(std::vector<std::string> answers) {
    std::lock_guard lock(m_mutex);
    m_answers = std::move(answers);
    m_next = 0;
    m_sent = {};
  }
  Sent sent() const {
    std::lock_guard lock(m_mutex);
    return m_sent;
  }

 private:
  void serve() {
    for (;;) {
      const int client = accept(m_fd, nullptr, nullptr);
      if (client < 0) continue;
      std::string answer;
      {
        std::lock_guard lock(m_mutex);
        if (!m_answers.empty()) answer = m_answers[std::min(m_next, m_answers.size() - 1)];
        ++m_next;
        ++m_sent.connections;
        m_sent.max_bytes = std::max(m_sent.max_bytes, answer.size());
        m_sent.http = m_sent.http || answer.starts_with("HTTP/");
      }
      // Everything at once, then end-of-stream: a client-first protocol finds the bytes waiting.
      for (std::size_t at = 0; at < answer.size();) {
        const ssize_t n = send(client, answer.data() + at, answer.size() - at, MSG_NOSIGNAL);
        if (n <= 0) break;
        at += static_cast<std::size_t>(n);
      }
      shutdown(client, SHUT_WR);
      // Read what the client sends until it closes, so that closing never resets the connection
      // under bytes it has not read yet.
      const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
      char buffer[4096];
      while (std::chrono::steady_clock::now() < end) {
        pollfd p{client, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        if (recv(client, buffer, sizeof buffer, 0) <= 0) break;
      }
      close(client);
    }
  }

  int m_fd = -1;
  int m_port = 0;
  mutable std::mutex m_mutex;
  std::vector<std::string> m_answers;
  std::size_t m_next = 0;
  Sent m_sent;
};

// --- credentials -------------------------------------------------------------------------------

/// Deterministic characters from `alphabet` (no secret-shaped literal in this file).
std::string chars(std::size_t n, std::string_view alphabet, std::uint32_t seed) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    out.push_back(alphabet[(seed >> 16) % alphabet.size()]);
  }
  return out;
}
constexpr std::string_view kAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view kUpperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kLowerHex = "0123456789abcdef";
constexpr std::string_view kDigits = "0123456789";

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

/// A fresh RSA key's PKCS#8 PEM body, lines joined with a literal "\n" as in a key file's JSON.
std::string rsa_key_body() {
  EVP_PKEY* key = EVP_RSA_gen(1024);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  const std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  EVP_PKEY_free(key);
  std::string body;
  std::size_t line_start = pem.find('\n') + 1;
  for (std::size_t nl = pem.find('\n', line_start); nl != std::string::npos; nl = pem.find('\n', line_start)) {
    const std::string_view line(pem.data() + line_start, nl - line_start);
    if (line.starts_with("-----END")) break;
    body.append(line).append("\\n");
    line_start = nl + 1;
  }
  return body;
}

/// Companion parts several validators look for near the secret.
std::string companions() {
  return "shop_domain = fuzz-shop.myshopify.com\n"
         "razorpay_key_id = rzp_test_" +
         chars(14, kAlnum, 11) +
         "\n"
         "twilio_account_sid = AC" +
         chars(32, kLowerHex, 12) +
         "\n"
         "cloudflare_account_id = " +
         chars(32, kLowerHex, 13) +
         "\n"
         "dockerhub_username = fuzzuser\n"
         "bitbucket_username = fuzzuser\n";
}

/// The database URI of `rule_id` (its password is `password`); `variant` picks TLS options.
std::string database_uri(std::string_view rule_id, const std::string& password, unsigned variant) {
  static const char* const kPgModes[] = {"disable", "prefer", "require", "allow"};
  if (rule_id == "postgres-connection-uri")
    return "postgresql://fuzzuser:" + password + "@db.example.com:5432/appdb?sslmode=" + kPgModes[variant % 4];
  if (rule_id == "mysql-connection-uri")
    return "mysql://fuzzuser:" + password + "@db.example.com:3306/appdb" + (variant % 2 ? "?ssl-mode=DISABLED" : "");
  if (rule_id == "mongodb-connection-uri")
    return "mongodb://fuzzuser:" + password + "@db.example.com:27017/appdb" +
           (variant % 2 ? "?authSource=admin&authMechanism=SCRAM-SHA-1" : "?authSource=admin");
  if (rule_id == "redis-connection-uri")
    return std::string(variant % 2 ? "redis://default:" : "redis://:") + password + "@cache.example.com:6379/0";
  return {};
}

/// A credential for `rule_id` that its validator can check (companions in the context).
Credential credential_for(const Validator& validator, const std::string& rule_id, unsigned variant) {
  static const std::string key_body = rsa_key_body();
  Credential c;
  c.rule_id = rule_id;
  c.provider = validator.provider;
  std::string line;
  const std::string secret40 = chars(40, kAlnum, 21);
  if (rule_id == "aws-access-key-id" || rule_id == "aws-secret-access-key") {
    const std::string key_id = "AKIA" + chars(16, kUpperDigits, 22);
    c.secret = rule_id == "aws-access-key-id" ? key_id : secret40;
    line = "aws_access_key_id = " + key_id + "\naws_secret_access_key = " + secret40 + "\n";
  } else if (rule_id == "aws-session-token") {
    c.secret = chars(160, kAlnum, 23);
    line = "aws_access_key_id = ASIA" + chars(16, kUpperDigits, 24) + "\naws_secret_access_key = " + secret40 +
           "\naws_session_token = " + c.secret + "\n";
  } else if (rule_id == "azure-storage-account-key") {
    c.secret = base64(chars(64, kAlnum, 25));
    line = "DefaultEndpointsProtocol=https;AccountName=fuzzaccount;AccountKey=" + c.secret +
           ";EndpointSuffix=core.windows.net\n";
  } else if (rule_id == "gcp-service-account-private-key") {
    c.secret = key_body;
    c.match_text = "-----BEGIN PRIVATE KEY-----\\n" + key_body + "-----END PRIVATE KEY-----\\n";
    line = "{\"type\": \"service_account\", \"project_id\": \"fuzz-project\", \"private_key_id\": \"" +
           chars(40, kLowerHex, 26) + "\", \"private_key\": \"" + c.match_text +
           "\", \"client_email\": \"fuzz@fuzz-project.iam.gserviceaccount.com\"}\n";
  } else if (rule_id == "slack-webhook-url") {
    c.secret = "https://hooks.slack.com/services/T" + chars(10, kUpperDigits, 27) + "/B" +
               chars(10, kUpperDigits, 28) + "/" + chars(24, kAlnum, 29);
    line = "webhook = " + c.secret + "\n";
  } else if (rule_id == "discord-webhook-url") {
    c.secret = "https://discord.com/api/webhooks/" + chars(18, kDigits, 30) + "/" + chars(68, kAlnum, 31);
    line = "webhook = " + c.secret + "\n";
  } else if (validator.provider == "telegram") {
    c.secret = chars(10, kDigits, 35) + ":" + chars(35, kAlnum, 36);
    line = "TELEGRAM_BOT_TOKEN=" + c.secret + "\n";
  } else if (rule_id == "mailchimp-api-key") {
    c.secret = chars(32, kLowerHex, 37) + "-us6";
    line = "MAILCHIMP_API_KEY=" + c.secret + "\n";
  } else if (rule_id == "pgpass-entry") {
    c.secret = chars(20, kAlnum, 32);
    c.match_text = "db.example.com:5432:appdb:fuzzuser:" + c.secret;
    line = c.match_text + "\n";
  } else if (const std::string uri = database_uri(rule_id, chars(20, kAlnum, 33), variant); !uri.empty()) {
    c.secret = uri.substr(uri.find("//") + 2);
    c.secret = c.secret.substr(c.secret.find(':') + 1);
    c.secret = c.secret.substr(0, c.secret.find('@'));
    c.match_text = uri.substr(0, uri.find('@') + 2);
    line = "DATABASE_URL=" + uri + "\n";
  } else {
    // Token rules: a prefix some validators read (kind of key, mode), then random characters.
    static const std::map<std::string_view, std::string_view> kPrefixes = {
        {"github", "ghp_"},      {"slack", "xoxb-"},   {"stripe", "sk_live_"}, {"npm", "npm_"},
        {"pypi", "pypi-"},       {"openai", "sk-"},    {"anthropic", "sk-ant-"}, {"brevo", "xkeysib-"},
        {"flutterwave", "FLWSECK_TEST-"}, {"circleci", "CCIPAT_"}};
    const auto prefix = kPrefixes.find(validator.provider);
    const std::size_t length = validator.provider == "pagerduty" ? 20 : 40;
    c.secret = std::string(prefix == kPrefixes.end() ? "" : prefix->second) + chars(length, kAlnum, 34);
    line = "token = " + c.secret + "\n";
  }
  if (c.match_text.empty()) c.match_text = c.secret;
  c.context = companions() + line + "# end\n";
  return c;
}

// --- answers -----------------------------------------------------------------------------------

std::vector<std::string> split_answers(std::string_view bytes) {
  constexpr std::string_view kSeparator = "\n@@\n";
  std::vector<std::string> out;
  for (std::size_t at = bytes.find(kSeparator); at != std::string_view::npos; at = bytes.find(kSeparator)) {
    out.emplace_back(bytes.substr(0, at));
    bytes.remove_prefix(at + kSeparator.size());
  }
  out.emplace_back(bytes);
  return out;
}

/// An HTTP answer: status from `status_byte`, headers as `flags` say, then `body`.
std::string http_answer(std::uint8_t status_byte, std::uint8_t flags, const std::string& body) {
  static constexpr int kStatuses[] = {200, 200, 200, 201, 204, 400, 401, 403, 404, 409, 422, 429, 500, 503, 302, 100};
  const int status = status_byte < 0xf0 ? kStatuses[status_byte % std::size(kStatuses)] : 100 + status_byte * 3;
  std::string out = "HTTP/1.1 " + std::to_string(status) + " Fuzz\r\n";
  if (flags & 0x01) out += "Content-Type: application/json\r\n";
  if (flags & 0x02) out += "Retry-After: 1\r\n";
  if (flags & 0x04) out += "Connection: close\r\n";
  if (flags & 0x08) {  // chunked, in chunks of up to 7 bytes; 0x10: no final chunk
    out += "Transfer-Encoding: chunked\r\n\r\n";
    for (std::size_t at = 0; at < body.size(); at += 7) {
      const std::string chunk = body.substr(at, 7);
      char size[8];
      std::snprintf(size, sizeof size, "%zx", chunk.size());
      out += std::string(size) + "\r\n" + chunk + "\r\n";
    }
    if (!(flags & 0x10)) out += "0\r\n\r\n";
    return out;
  }
  if (flags & 0x20) out += "Content-Length: " + std::to_string(body.size() + ((flags & 0x40) ? 5 : 0)) + "\r\n";
  if (flags & 0x80) out += "X-Request-Id: " + body.substr(0, std::min<std::size_t>(body.find('\r'), 40)) + "\r\n";
  return out + "\r\n" + body;
}

bool is_database(const Validator& v) {
  return v.provider == "postgresql" || v.provider == "mysql" || v.provider == "mongodb" || v.provider == "redis";
}

struct Fixture {
  RawServer server;
  sprawl::verify::HttpClient http{[] {
    sprawl::verify::HttpOptions options;
    options.timeout = std::chrono::milliseconds(200);
    options.retries = 0;
    options.rate_per_second = 0;
    return options;
  }()};
  sprawl::verify::Endpoints endpoints;

  Fixture() : endpoints(overrides(server.port())) {}

  static std::map<std::string, std::string> overrides(int port) {
    std::map<std::string, std::string> out;
    for (const Validator& v : sprawl::verify::validators()) {
      out[v.provider] = (is_database(v) ? "tcp://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port);
    }
    return out;
  }

  LiveResult run(const Validator& validator, const Credential& credential) {
    const sprawl::verify::ValidatorContext context{http, endpoints, std::chrono::milliseconds(200), 1'700'000'000};
    return validator.validate(credential, context);
  }
};

Fixture& fixture() {
  static Fixture* const f = new Fixture;  // never destroyed: its server thread runs until exit
  return *f;
}

/// Checks `result` of `validator` on `credential` against what the server sent.
void check(const Validator& validator, const Credential& credential, const LiveResult& result, const Sent& sent) {
  require(result.reason.find('\n') == std::string::npos && result.reason.find('\r') == std::string::npos,
          "reason is one line");
  require(!result.reason.empty(), "reason is not empty");
  require(credential.secret.size() < 4 || result.reason.find(credential.secret) == std::string::npos,
          "reason never holds the secret");
  for (const auto& [key, value] : result.identity) require(!key.empty(), "identity keys are named");
  if (result.status == LiveStatus::valid) {
    require(sent.connections > 0, "valid only after asking the server");
    require(sent.max_bytes >= 8, "never valid on fewer than 8 bytes");
    if (!is_database(validator)) require(sent.http, "an HTTP validator is valid only on an HTTP answer");
  }
}

void survey() {
  Fixture& f = fixture();
  const auto& all = sprawl::verify::validators();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Validator& v = all[i];
    for (const std::string& rule : v.rule_ids) {
      f.server.set_answers({"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}"});
      const Credential c = credential_for(v, rule, 0);
      const LiveResult r = f.run(v, c);
      std::fprintf(stderr, "survey %2zu %-14s %-38s connections=%d %s: %s\n", i, v.provider.c_str(), rule.c_str(),
                   f.server.sent().connections, sprawl::verify::to_string(r.status), r.reason.c_str());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fixture();
  if (const char* s = std::getenv("SPRAWL_FUZZ_VALIDATOR_SURVEY"); s && *s == '1') survey();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const auto& all = sprawl::verify::validators();
  const Validator& validator = all[data[0] % all.size()];
  const unsigned rule_byte = data[1];
  const std::string& rule = validator.rule_ids[(rule_byte & 0x0f) % validator.rule_ids.size()];
  const Credential credential = credential_for(validator, rule, rule_byte >> 4);

  std::vector<std::string> answers;
  if (is_database(validator)) {
    answers = split_answers(std::string_view(reinterpret_cast<const char*>(data) + 2, size - 2));
  } else if (rule_byte & 0x80) {  // raw bytes, HTTP or not
    answers = split_answers(std::string_view(reinterpret_cast<const char*>(data) + 2, size - 2));
  } else {
    if (size < 4) return 0;
    for (const std::string& body : split_answers(std::string_view(reinterpret_cast<const char*>(data) + 4, size - 4)))
      answers.push_back(http_answer(data[2], data[3], body));
  }
  Fixture& f = fixture();
  f.server.set_answers(std::move(answers));
  const LiveResult result = f.run(validator, credential);
  static const bool verbose = [] {
    const char* v = std::getenv("SPRAWL_FUZZ_VALIDATOR_VERBOSE");
    return v && *v == '1';
  }();
  if (verbose)
    std::fprintf(stderr, "%s: %s: %s\n", rule.c_str(), sprawl::verify::to_string(result.status), result.reason.c_str());
  check(validator, credential, result, f.server.sent());
  return 0;
}
