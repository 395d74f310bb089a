// End-to-end: offline validity on scan findings — GitHub checksums, private keys parsed,
// JWT expiry, AWS key ids, connection-string passwords — reported as `validity` and `identity`.
#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>

#include "src/check/offline/token_checks.h"
#include "tests/support/cli_runner.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/findings_json.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

namespace {

ReportedScan scan_json(const std::string& dir) {
  const CliResult result = run_sprawl({"scan", ".", "--format", "json", "--show-secrets"}, dir);
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 1);
  return parse_report(result.out);
}

ReportedFinding one_at(const ReportedScan& scan, const std::string& path, const std::string& rule_part = "") {
  std::vector<ReportedFinding> found;
  for (const auto& f : scan.findings)
    if (f.path == path && f.rule_id.find(rule_part) != std::string::npos) found.push_back(f);
  INFO(path);
  REQUIRE(found.size() == 1);
  return found.front();
}

std::string base64url(const std::string& in) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (unsigned char c : in) {
    value = value << 8 | c;
    bits += 8;
    while (bits >= 6) out += alphabet[(value >> (bits -= 6)) & 63];
  }
  if (bits > 0) out += alphabet[(value << (6 - bits)) & 63];
  return out;
}

std::string rsa_pem() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  REQUIRE(key);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

}  // namespace

TEST_CASE("offline checks record validity and identity on findings", "[cli][offline]") {
  TempDir dir;
  const std::string body = random_chars(kBase62, 30, 9001);
  const std::string good_pat = "ghp_" + body + sprawl::offline::crc32_base62(body);
  std::string bad_pat = good_pat;
  bad_pat[10] = bad_pat[10] == 'A' ? 'B' : 'A';
  dir.write("good.env", "GITHUB_TOKEN=" + good_pat + "\n");
  dir.write("bad.env", "GITHUB_TOKEN=" + bad_pat + "\n");
  const std::string jwt = base64url(R"({"alg":"HS256","typ":"JWT"})") + "." +
                          base64url(R"({"iss":"https://issuer.example.com","sub":"svc-deploy","exp":1600000000})") +
                          "." + base64url(random_chars(kBase62, 32, 9002));
  dir.write("token.txt", "Authorization: Bearer " + jwt + "\n");
  const std::string pem = rsa_pem();
  dir.write("keys/deploy.pem", pem);
  std::string cut = pem.substr(0, pem.size() / 2) + "\n-----END PRIVATE KEY-----\n";
  dir.write("keys/cut.pem", cut);
  dir.write("db.env", "DATABASE_URL=postgres://billing:" + random_chars(kBase62, 20, 9003) +
                          "@db.internal.example.com:5432/billing\n");

  const ReportedScan scan = scan_json(dir.path());
  const auto good = one_at(scan, "good.env");
  CHECK(good.validity_status == "format_valid");
  CHECK(good.identity_of("token_type") == "personal access token");
  // A token whose checksum fails cannot be a GitHub token: dropped, and counted.
  for (const auto& f : scan.findings) CHECK(f.path != "bad.env");
  CHECK(scan.dropped_checksum == 1);

  const auto token = one_at(scan, "token.txt", "jwt");
  CHECK(token.validity_status == "expired");
  CHECK(token.identity_of("iss") == "https://issuer.example.com");
  CHECK(token.identity_of("sub") == "svc-deploy");

  const auto key = one_at(scan, "keys/deploy.pem");
  CHECK(key.validity_status == "format_valid");
  CHECK(key.identity_of("key_type") == "rsa");
  CHECK(key.identity_of("bits") == "2048");
  CHECK(key.identity_of("fingerprint").rfind("SHA256:", 0) == 0);
  const auto broken = one_at(scan, "keys/cut.pem");
  CHECK(broken.validity_status == "invalid_format");

  const auto db = one_at(scan, "db.env");
  CHECK(db.validity_status == "format_valid");
  CHECK(db.identity_of("user") == "billing");
  CHECK(db.identity_of("host") == "db.internal.example.com");
}

TEST_CASE("offline checks say when a connection string's password is a placeholder", "[cli][offline]") {
  TempDir dir;
  dir.write("app.env", "DATABASE_URL=postgres://app:changeme@db.example.com:5432/app\n");
  const CliResult result = run_sprawl({"scan", ".", "--format", "json"}, dir.path());
  const ReportedScan scan = parse_report(result.out);
  for (const auto& f : scan.findings) {  // a placeholder may already be dropped by the checks
    INFO(f.rule_id);
    CHECK(f.validity_status == "invalid_format");
  }
}
