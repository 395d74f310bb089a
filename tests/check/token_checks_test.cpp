// Offline token-format checks: GitHub/npm checksums, AWS key ids, JWTs, connection URIs, GCP JSON.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "src/check/offline/token_checks.h"

using namespace sprawl::offline;

namespace {

constexpr std::string_view k_alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

std::string random_base62(std::mt19937& rng, std::size_t n) {
  std::uniform_int_distribution<std::size_t> pick(0, 61);
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(k_alphabet[pick(rng)]);
  return s;
}

std::string make_token(std::string_view prefix, std::mt19937& rng) {
  const std::string body = random_base62(rng, 30);
  return std::string(prefix) + body + crc32_base62(body);
}

std::string base64url(std::string_view in) {
  static constexpr std::string_view t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(t[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(t[(acc << (6 - bits)) & 63]);
  return out;
}

std::string make_jwt(std::string_view header, std::string_view payload) {
  return base64url(header) + "." + base64url(payload) + "." + base64url("sig");
}

std::string identity_value(const CheckResult& r, std::string_view key) {
  for (const auto& [k, v] : r.identity) {
    if (k == key) return v;
  }
  return "<absent>";
}

bool has_key(const CheckResult& r, std::string_view key) { return identity_value(r, key) != "<absent>"; }

char flip(char c) { return c == 'a' ? 'b' : 'a'; }

}  // namespace

TEST_CASE("published GitHub example token has a matching checksum", "[offline]") {
  // From a public gist describing the format (coolaj86, "github base62 token format").
  CHECK(crc32_base62("zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ") == "0mLq17");
  const auto r = check_github_token(std::string("ghp_") + "zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ" + "0mLq17");
  REQUIRE(r);
  CHECK(r->verdict == Verdict::format_valid);
  CHECK(identity_value(*r, "token_type") == "personal access token");
}

TEST_CASE("crc32_base62 pads to the requested width", "[offline]") {
  CHECK(crc32_base62("").size() == 6);  // crc32("") == 0
  CHECK(crc32_base62("") == "000000");
  CHECK(crc32_base62("abc", 8).size() == 8);
}

TEST_CASE("generated GitHub tokens of every classic prefix pass their checksum", "[offline]") {
  std::mt19937 rng(42);
  const std::pair<const char*, const char*> kinds[] = {{"ghp_", "personal access token"},
                                                       {"gho_", "OAuth access token"},
                                                       {"ghu_", "user-to-server"},
                                                       {"ghs_", "server-to-server"},
                                                       {"ghr_", "refresh token"}};
  for (const auto& [prefix, type] : kinds) {
    for (int i = 0; i < 50; ++i) {
      const std::string token = make_token(prefix, rng);
      const auto r = check_github_token(token);
      REQUIRE(r);
      CHECK(r->verdict == Verdict::format_valid);
      CHECK(identity_value(*r, "token_type") == type);
    }
  }
}

TEST_CASE("GitHub token with one character changed fails its checksum", "[offline]") {
  std::mt19937 rng(7);
  for (int i = 0; i < 100; ++i) {
    std::string token = make_token("ghp_", rng);
    const std::size_t pos = 4 + (i % 36);
    token[pos] = flip(token[pos]);
    const auto r = check_github_token(token);
    REQUIRE(r);
    CHECK(r->verdict == Verdict::invalid_format);
  }
}

TEST_CASE("GitHub token of the wrong length or prefix is not recognised", "[offline]") {
  std::mt19937 rng(9);
  const std::string token = make_token("ghp_", rng);
  CHECK_FALSE(check_github_token(token.substr(0, 39)));
  CHECK_FALSE(check_github_token(token + "a"));
  CHECK_FALSE(check_github_token("ghx_" + token.substr(4)));
  CHECK_FALSE(check_github_token("ghp_" + std::string(35, 'a') + "-"));
}

TEST_CASE("fine-grained GitHub PAT is checked for shape only", "[offline]") {
  std::mt19937 rng(11);
  const std::string pat = "github_pat_" + random_base62(rng, 22) + "_" + random_base62(rng, 59);
  const auto r = check_github_token(pat);
  REQUIRE(r);
  CHECK(r->verdict == Verdict::format_valid);
  CHECK(r->reason == "shape only: no public checksum");
  CHECK_FALSE(check_github_token(pat.substr(0, pat.size() - 1)));
  CHECK_FALSE(check_github_token("github_pat_" + random_base62(rng, 82)));
}

TEST_CASE("npm tokens use the same CRC32 scheme", "[offline]") {
  std::mt19937 rng(13);
  for (int i = 0; i < 50; ++i) {
    std::string token = make_token("npm_", rng);
    auto r = check_npm_token(token);
    REQUIRE(r);
    CHECK(r->verdict == Verdict::format_valid);
    token[10] = flip(token[10]);
    r = check_npm_token(token);
    REQUIRE(r);
    CHECK(r->verdict == Verdict::invalid_format);
  }
  CHECK_FALSE(check_npm_token("npm_" + random_base62(rng, 35)));
  CHECK_FALSE(check_npm_token(make_token("ghp_", rng)));
}

TEST_CASE("AWS key id decodes the published account id", "[offline]") {
  // Aidan Steele (2020) / Tal Be'ery (2021): ASIA + Y34FZKBOKMUTVV7A belongs to 609629065308.
  const auto r = check_aws_key_id(std::string("ASIA") + "Y34FZKBOKMUTVV7A");
  REQUIRE(r);
  CHECK(r->verdict == Verdict::format_valid);
  CHECK(identity_value(*r, "account_id") == "609629065308");
  CHECK(identity_value(*r, "key_type") == "access key");
  CHECK(identity_value(*r, "lifetime") == "temporary");
}

TEST_CASE("AWS key id account does not depend on the last characters", "[offline]") {
  const auto r = check_aws_key_id(std::string("AKIA") + "Y34FZKBOKAAAAAAA");
  REQUIRE(r);
  CHECK(identity_value(*r, "account_id") == "609629065308");
  CHECK(identity_value(*r, "lifetime") == "long-term");
}

TEST_CASE("old-generation AWS key id has no account id", "[offline]") {
  const auto r = check_aws_key_id("AKIAIOSFODNN7EXAMPLE");
  REQUIRE(r);
  CHECK(r->verdict == Verdict::format_valid);
  CHECK_FALSE(has_key(*r, "account_id"));
  CHECK(r->reason.find("old-generation") != std::string::npos);
}

TEST_CASE("AWS identifier prefixes name what they denote", "[offline]") {
  CHECK(identity_value(*check_aws_key_id("AROAY34FZKBOKMUTVV7A"), "key_type") == "role");
  CHECK(identity_value(*check_aws_key_id("AIDAY34FZKBOKMUTVV7A"), "key_type") == "user");
  CHECK(identity_value(*check_aws_key_id("ANPAY34FZKBOKMUTVV7A"), "key_type") == "managed policy");
}

TEST_CASE("AWS key id with a non-base32 body is invalid and unknown prefixes are ignored", "[offline]") {
  const auto r = check_aws_key_id(std::string("AKIA") + "Y34FZKBOKMUTVV70");  // '0' is not base32
  REQUIRE(r);
  CHECK(r->verdict == Verdict::invalid_format);
  CHECK_FALSE(check_aws_key_id("AXYZY34FZKBOKMUTVV7A"));
  CHECK_FALSE(check_aws_key_id("AKIAY34FZKBOKMUTVV7"));
}

TEST_CASE("JWT with future exp is format_valid with its claims", "[offline]") {
  const std::string jwt =
      make_jwt(R"({"alg":"RS256","typ":"JWT","kid":"k1"})",
               R"({"iss":"https://issuer.example","sub":"user-1","aud":["a","b"],"exp":2000000000})");
  const auto r = check_jwt(jwt, 1700000000);
  REQUIRE(r);
  CHECK(r->verdict == Verdict::format_valid);
  CHECK(identity_value(*r, "alg") == "RS256");
  CHECK(identity_value(*r, "typ") == "JWT");
  CHECK(identity_value(*r, "kid") == "k1");
  CHECK(identity_value(*r, "iss") == "https://issuer.example");
  CHECK(identity_value(*r, "sub") == "user-1");
  CHECK(identity_value(*r, "aud") == "a,b");
  CHECK(identity_value(*r, "exp") == "2033-05-18T03:33:20Z");
}

TEST_CASE("JWT with past exp is expired", "[offline]") {
  const auto r = check_jwt(make_jwt(R"({"alg":"HS256"})", R"({"aud":"x","exp":1614834367})"), 1700000000);
  REQUIRE(r);
  CHECK(r->verdict == Verdict::expired);
  CHECK(r->reason == "exp 2021-03-04T05:06:07Z is past");
  CHECK(identity_value(*r, "aud") == "x");
}

TEST_CASE("JWT with alg none is flagged as unsigned", "[offline]") {
  const std::string header = base64url(R"({"alg":"NoNe"})");
  const std::string jwt = header + "." + base64url(R"({"sub":"s"})") + ".";
  const auto r = check_jwt(jwt, 0);
  REQUIRE(r);
  CHECK(r->verdict == Verdict::format_valid);
  CHECK(r->reason.find("alg none: unsigned token") != std::string::npos);
}

TEST_CASE("JWT whose parts are not JSON objects is invalid", "[offline]") {
  auto r = check_jwt(make_jwt("not json", R"({"a":1})"), 0);
  REQUIRE(r);
  CHECK(r->verdict == Verdict::invalid_format);
  r = check_jwt(make_jwt(R"({"alg":"HS256"})", "[1,2]"), 0);
  REQUIRE(r);
  CHECK(r->verdict == Verdict::invalid_format);
  r = check_jwt("eyJhbGciOiJIUzI1NiJ9.A.sig", 0);  // one base64 char cannot decode
  REQUIRE(r);
  CHECK(r->verdict == Verdict::invalid_format);
}

TEST_CASE("strings that are not JWT-shaped are not recognised", "[offline]") {
  CHECK_FALSE(check_jwt("a.b", 0));
  CHECK_FALSE(check_jwt("a.b.c.d", 0));
  CHECK_FALSE(check_jwt("a b.c.d", 0));
  CHECK_FALSE(check_jwt(".b.c", 0));
}

TEST_CASE("connection URI with a real-looking password is format_valid", "[offline]") {
  const auto r = check_connection_uri(std::string("postgres://app_user:") + "Xk93jd!qLp" + "@db.internal:5432/orders?sslmode=require");
  REQUIRE(r);
  CHECK(r->verdict == Verdict::format_valid);
  CHECK(r->identity == Identity{{"scheme", "postgres"},
                                {"user", "app_user"},
                                {"host", "db.internal"},
                                {"port", "5432"},
                                {"database", "orders"}});
}

TEST_CASE("connection URI credentials are percent-decoded and never reported", "[offline]") {
  const auto r = check_connection_uri(std::string("mongodb+srv://ad%40min:") + "p%40ss%3Aw0rd" + "@cluster0.abc.mongodb.net/");
  REQUIRE(r);
  CHECK(r->verdict == Verdict::format_valid);
  CHECK(identity_value(*r, "user") == "ad@min");
  CHECK(identity_value(*r, "host") == "cluster0.abc.mongodb.net");
  CHECK_FALSE(has_key(*r, "port"));
  CHECK_FALSE(has_key(*r, "database"));
  for (const auto& [k, v] : r->identity) CHECK(v.find("w0rd") == std::string::npos);
}

TEST_CASE("connection URI with a placeholder password is invalid_format", "[offline]") {
  const char* placeholders[] = {"password",
                                "PASSWORD",
                                "passwd",
                                "pass",
                                "changeme",
                                "secret",
                                "example",
                                "xxx",
                                "XXXXXXXX",
                                "***",
                                "*",
                                "${DB_PASS}",
                                "$DB_PASS",
                                "<password>",
                                "{{ db_pass }}",
                                "%(password)s",
                                "your_password",
                                "YourPassword",
                                "todo",
                                ""};
  for (const char* p : placeholders) {
    const auto r = check_connection_uri(std::string("mysql://root:") + p + "@localhost:3306/app");
    REQUIRE(r);
    INFO(p);
    CHECK(r->verdict == Verdict::invalid_format);
    CHECK_FALSE(r->reason.empty());
  }
}

TEST_CASE("connection URI with a raw '@' in the password uses the last '@'", "[offline]") {
  const auto r = check_connection_uri("redis://default:s3cr@t!@cache:6379/0");
  REQUIRE(r);
  CHECK(r->verdict == Verdict::format_valid);
  CHECK(identity_value(*r, "host") == "cache");
  CHECK(identity_value(*r, "database") == "0");
}

TEST_CASE("URIs without user:password@ are not recognised", "[offline]") {
  CHECK_FALSE(check_connection_uri("postgres://db.internal:5432/orders"));
  CHECK_FALSE(check_connection_uri("postgres://user@db.internal/orders"));
  CHECK_FALSE(check_connection_uri("not a uri user:pw@host"));
  CHECK(check_connection_uri(std::string("amqps://u:") + "Zq81xk2" + "@[::1]:5671/vh")->identity[2].second == "[::1]");
}

TEST_CASE("GCP service-account JSON yields its identity fields in order", "[offline]") {
  const auto r = check_gcp_service_account(R"({"type":"service_account","project_id":"proj-1",
    "private_key_id":"abc123","client_email":"svc@proj-1.iam.gserviceaccount.com"})");
  REQUIRE(r);
  CHECK(r->verdict == Verdict::format_valid);
  CHECK(r->identity == Identity{{"client_email", "svc@proj-1.iam.gserviceaccount.com"},
                                {"project_id", "proj-1"},
                                {"private_key_id", "abc123"}});
  CHECK(r->reason == "service-account fields found");
}

TEST_CASE("GCP fragment is scanned when it is not a whole JSON object", "[offline]") {
  const auto r = check_gcp_service_account(R"(  "client_email" : "x@other.com",
    "project_id": "p\"q", trailing junk {)");
  REQUIRE(r);
  CHECK(identity_value(*r, "client_email") == "x@other.com");
  CHECK(identity_value(*r, "project_id") == "p\"q");
  CHECK(r->reason.find("not a *.iam.gserviceaccount.com") != std::string::npos);
  CHECK(check_gcp_service_account(R"("client_email": "123-compute@developer.gserviceaccount.com")")->reason ==
        "service-account fields found");
  CHECK_FALSE(check_gcp_service_account(R"({"type":"service_account"})"));
  CHECK_FALSE(check_gcp_service_account("client_email: nope"));
}

TEST_CASE("every check survives arbitrary bytes", "[offline]") {
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int> byte(0, 255), len(0, 120);
  const std::string seeds[] = {"ghp_", "npm_", "github_pat_", "AKIA", "eyJ", "a://u:p@", "{\""};
  for (int i = 0; i < 3000; ++i) {
    std::string s = seeds[i % 7];
    const int n = len(rng);
    for (int j = 0; j < n; ++j) s.push_back(static_cast<char>(i % 2 ? byte(rng) : k_alphabet[byte(rng) % 62]));
    if (i % 3 == 0) s.resize(std::min<std::size_t>(s.size(), 40));
    (void)check_github_token(s);
    (void)check_npm_token(s);
    (void)check_aws_key_id(s);
    (void)check_jwt(s, 0);
    (void)check_jwt(base64url(s) + "." + base64url(s) + ".x", 0);
    (void)check_connection_uri(s);
    (void)check_gcp_service_account(s);
  }
  SUCCEED();
}
