// Tests of check_private_key: keys are generated at test time (OpenSSL, ssh-keygen when
// installed), written in each format and quoting a source file may hold, then parsed back.
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "src/check/offline/key_checks.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace {

using sprawl::offline::check_private_key;
using sprawl::offline::CheckResult;
using sprawl::offline::Verdict;

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string identity_of(const CheckResult& result, const std::string& name) {
  for (const auto& [key, value] : result.identity) {
    if (key == name) return value;
  }
  return {};
}

/// Writes `key` to a memory BIO with `write` and returns the PEM text.
template <typename Write>
std::string pem_text(Write write) {
  BIO* bio = BIO_new(BIO_s_mem());
  REQUIRE(write(bio) == 1);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<std::size_t>(length));
  BIO_free(bio);
  return text;
}

std::string traditional_pem(EVP_PKEY* key) {
  return pem_text(
      [&](BIO* bio) { return PEM_write_bio_PrivateKey_traditional(bio, key, nullptr, nullptr, 0, nullptr, nullptr); });
}

std::string pkcs8_pem(EVP_PKEY* key) {
  return pem_text([&](BIO* bio) { return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr); });
}

PkeyPtr rsa_key() { return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048})); }

bool have_ssh_keygen() {
  if (sprawl::test::run_process({"sh", "-c", "command -v ssh-keygen"}).exit_code == 0) return true;
  WARN("ssh-keygen is not installed: OpenSSH cross-checks skipped");
  return false;
}

/// The SHA256:… fingerprint `ssh-keygen -lf path` prints.
std::string ssh_keygen_fingerprint(const std::string& path) {
  const auto run = sprawl::test::run_process({"ssh-keygen", "-lf", path});
  const std::size_t at = run.out.find("SHA256:");
  if (at == std::string::npos) return "ssh-keygen failed: " + run.err;
  return run.out.substr(at, run.out.find(' ', at) - at);
}

/// Writes a private key file ssh-keygen will read (mode 0600) and returns its path.
std::string write_private(const sprawl::test::TempDir& dir, const std::string& name, const std::string& pem) {
  const std::string path = dir.write(name, pem);
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  return path;
}

std::string base64(const std::vector<unsigned char>& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  out.resize(static_cast<std::size_t>(
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(), static_cast<int>(data.size()))));
  return out;
}

std::string expected_fingerprint(const std::vector<unsigned char>& blob) {
  unsigned char digest[32];
  EVP_Digest(blob.data(), blob.size(), digest, nullptr, EVP_sha256(), nullptr);
  std::string text = base64(std::vector<unsigned char>(digest, digest + 32));
  while (text.back() == '=') text.pop_back();
  return "SHA256:" + text;
}

void put_string(std::vector<unsigned char>& out, const std::vector<unsigned char>& data) {
  for (const int shift : {24, 16, 8, 0}) out.push_back(static_cast<unsigned char>(data.size() >> shift));
  out.insert(out.end(), data.begin(), data.end());
}

/// The OpenSSH wire blob of an Ed25519 public key, built independently of the code under test.
std::vector<unsigned char> ed25519_blob(EVP_PKEY* key) {
  std::vector<unsigned char> raw(32);
  std::size_t length = raw.size();
  REQUIRE(EVP_PKEY_get_raw_public_key(key, raw.data(), &length) == 1);
  std::vector<unsigned char> blob;
  const std::string type = "ssh-ed25519";
  put_string(blob, std::vector<unsigned char>(type.begin(), type.end()));
  put_string(blob, raw);
  return blob;
}

std::string ppk_v3(const std::vector<unsigned char>& blob, bool truncate_public) {
  std::string text = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy@build\n";
  text += "Public-Lines: " + std::string(truncate_public ? "3" : "1") + "\n" + base64(blob) + "\n";
  if (truncate_public) return text;
  return text + "Private-Lines: 1\nAAAAIGZha2VmYWtlZmFrZWZha2VmYWtlZmFrZWZha2VmYWtlZg==\nPrivate-MAC: 00ff\n";
}

std::string json_escaped(const std::string& pem) {
  std::string out = "{\"private_key\": \"";
  for (const char c : pem) out += c == '\n' ? std::string("\\n") : std::string(1, c);
  return out + "\"}";
}

std::string yaml_indented(const std::string& pem) {
  std::string out = "tls:\n  key: |\n";
  std::size_t start = 0;
  while (start < pem.size()) {
    const std::size_t end = pem.find('\n', start);
    out += "    " + pem.substr(start, end - start) + "\r\n";
    start = end + 1;
  }
  return out + "  other: 1\n";
}

std::string java_concatenated(const std::string& pem) {
  std::string out = "String key =\n";
  std::size_t start = 0;
  while (start < pem.size()) {
    const std::size_t end = pem.find('\n', start);
    out += "    \"" + pem.substr(start, end - start) + "\\n\" +\n";
    start = end + 1;
  }
  return out + "    \"\";\n";
}

}  // namespace

TEST_CASE("PKCS#1 and PKCS#8 RSA keys give type, bits and the ssh-keygen fingerprint", "[offline-keys]") {
  const PkeyPtr key = rsa_key();
  REQUIRE(key);
  const std::string pkcs1 = traditional_pem(key.get());
  REQUIRE(pkcs1.find("BEGIN RSA PRIVATE KEY") != std::string::npos);
  const auto result = check_private_key(pkcs1);
  REQUIRE(result);
  CHECK(result->verdict == Verdict::format_valid);
  CHECK(identity_of(*result, "format") == "pkcs1");
  CHECK(identity_of(*result, "key_type") == "rsa");
  CHECK(identity_of(*result, "bits") == "2048");
  CHECK(identity_of(*result, "encrypted") == "no");
  const auto pkcs8 = check_private_key(pkcs8_pem(key.get()));
  REQUIRE(pkcs8);
  CHECK(identity_of(*pkcs8, "format") == "pkcs8");
  CHECK(identity_of(*pkcs8, "fingerprint") == identity_of(*result, "fingerprint"));
  if (have_ssh_keygen()) {
    const sprawl::test::TempDir dir;
    CHECK(identity_of(*result, "fingerprint") == ssh_keygen_fingerprint(write_private(dir, "rsa.pem", pkcs1)));
  }
}

TEST_CASE("SEC1 EC P-256 key gives curve and the ssh-keygen fingerprint", "[offline-keys]") {
  const PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  REQUIRE(key);
  const std::string sec1 = traditional_pem(key.get());
  REQUIRE(sec1.find("BEGIN EC PRIVATE KEY") != std::string::npos);
  const auto result = check_private_key(sec1);
  REQUIRE(result);
  CHECK(result->verdict == Verdict::format_valid);
  CHECK(identity_of(*result, "key_type") == "ec");
  CHECK(identity_of(*result, "bits") == "256");
  CHECK(identity_of(*result, "curve") == "P-256");
  if (have_ssh_keygen()) {
    const sprawl::test::TempDir dir;
    CHECK(identity_of(*result, "fingerprint") == ssh_keygen_fingerprint(write_private(dir, "ec.pem", sec1)));
  }
}

TEST_CASE("Ed25519 PKCS#8 key fingerprint is the SHA-256 of its OpenSSH blob", "[offline-keys]") {
  const PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  REQUIRE(key);
  const auto result = check_private_key(pkcs8_pem(key.get()));
  REQUIRE(result);
  CHECK(result->verdict == Verdict::format_valid);
  CHECK(identity_of(*result, "key_type") == "ed25519");
  CHECK(identity_of(*result, "fingerprint") == expected_fingerprint(ed25519_blob(key.get())));
}

TEST_CASE("X25519 key falls back to an SPKI fingerprint", "[offline-keys]") {
  const PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  REQUIRE(key);
  const auto result = check_private_key(pkcs8_pem(key.get()));
  REQUIRE(result);
  CHECK(identity_of(*result, "key_type") == "x25519");
  CHECK(identity_of(*result, "fingerprint").empty());
  CHECK(identity_of(*result, "fingerprint_spki").starts_with("SHA256(DER SubjectPublicKeyInfo):"));
}

TEST_CASE("encrypted PKCS#8 and legacy Proc-Type keys are valid, encrypted, without fingerprint", "[offline-keys]") {
  const PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  REQUIRE(key);
  char password[] = "correct horse";
  const std::string pkcs8 = pem_text([&](BIO* bio) {
    return PEM_write_bio_PKCS8PrivateKey(bio, key.get(), EVP_aes_256_cbc(), nullptr, 0, nullptr, password);
  });
  const auto result = check_private_key(pkcs8);
  REQUIRE(result);
  CHECK(result->verdict == Verdict::format_valid);
  CHECK(result->reason == "encrypted: public key not derivable");
  CHECK(identity_of(*result, "encrypted") == "yes");
  CHECK(identity_of(*result, "key_type") == "unknown (encrypted)");
  CHECK(identity_of(*result, "fingerprint").empty());

  const std::string legacy = pem_text([&](BIO* bio) {
    return PEM_write_bio_PrivateKey_traditional(bio, key.get(), EVP_aes_128_cbc(),
                                                reinterpret_cast<unsigned char*>(password), 13, nullptr, nullptr);
  });
  REQUIRE(legacy.find("Proc-Type: 4,ENCRYPTED") != std::string::npos);
  const auto old = check_private_key(legacy);
  REQUIRE(old);
  CHECK(old->verdict == Verdict::format_valid);
  CHECK(identity_of(*old, "encrypted") == "yes");
  CHECK(identity_of(*old, "key_type") == "ec");
  CHECK(identity_of(*old, "cipher") == "AES-128-CBC");
}

TEST_CASE("OpenSSH keys from ssh-keygen match its fingerprint, bits and encryption", "[offline-keys]") {
  if (!have_ssh_keygen()) return;
  const sprawl::test::TempDir dir;
  struct Case {
    std::vector<std::string> args;
    const char* type;
    const char* bits;
    const char* encrypted;
  };
  const std::vector<Case> cases = {{{"-t", "ed25519", "-N", ""}, "ed25519", "256", "no"},
                                   {{"-t", "rsa", "-b", "2048", "-N", ""}, "rsa", "2048", "no"},
                                   {{"-t", "ecdsa", "-b", "384", "-N", ""}, "ec", "384", "no"},
                                   {{"-t", "ed25519", "-N", "pass phrase"}, "ed25519", "256", "yes"}};
  int n = 0;
  for (const Case& c : cases) {
    const std::string path = dir / ("key" + std::to_string(n++));
    std::vector<std::string> argv = {"ssh-keygen", "-q", "-C", "test@sprawl", "-f", path};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    REQUIRE(sprawl::test::run_process(argv).exit_code == 0);
    const auto result = check_private_key(sprawl::test::read_text(path));
    REQUIRE(result);
    CHECK(result->verdict == Verdict::format_valid);
    CHECK(identity_of(*result, "format") == "openssh");
    CHECK(identity_of(*result, "key_type") == c.type);
    CHECK(identity_of(*result, "bits") == c.bits);
    CHECK(identity_of(*result, "encrypted") == c.encrypted);
    CHECK(identity_of(*result, "fingerprint") == ssh_keygen_fingerprint(path + ".pub"));
  }
}

TEST_CASE("PuTTY PPK v3 gives type, comment and blob fingerprint; short public lines are truncated", "[offline-keys]") {
  const PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  REQUIRE(key);
  const auto blob = ed25519_blob(key.get());
  const auto result = check_private_key(ppk_v3(blob, false));
  REQUIRE(result);
  CHECK(result->verdict == Verdict::format_valid);
  CHECK(identity_of(*result, "format") == "ppk3");
  CHECK(identity_of(*result, "key_type") == "ed25519");
  CHECK(identity_of(*result, "encrypted") == "no");
  CHECK(identity_of(*result, "comment") == "deploy@build");
  CHECK(identity_of(*result, "fingerprint") == expected_fingerprint(blob));
  const auto truncated = check_private_key(ppk_v3(blob, true));
  REQUIRE(truncated);
  CHECK(truncated->verdict == Verdict::invalid_format);
  CHECK(truncated->reason.starts_with("truncated"));
}

TEST_CASE("PEM cut in half is invalid_format", "[offline-keys]") {
  const PkeyPtr key = rsa_key();
  const std::string pem = traditional_pem(key.get());
  const auto cut = check_private_key(pem.substr(0, pem.size() / 2));
  REQUIRE(cut);
  CHECK(cut->verdict == Verdict::invalid_format);
  CHECK(cut->reason == "truncated: no END line");
  const std::size_t body = pem.find('\n') + 1;
  const std::size_t end = pem.find("-----END");
  const std::string half_body = pem.substr(0, body) + pem.substr(body, (end - body) / 2 / 65 * 65) + pem.substr(end);
  const auto corrupt = check_private_key(half_body);
  REQUIRE(corrupt);
  CHECK(corrupt->verdict == Verdict::invalid_format);
  CHECK(corrupt->reason.starts_with("corrupt: "));
}

TEST_CASE("one changed base64 character never crashes and mostly reads as corrupt", "[offline-keys]") {
  const PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  const std::string pem = traditional_pem(key.get());
  const std::size_t body = pem.find('\n') + 1;
  const std::size_t end = pem.find("-----END");
  int corrupt = 0;
  for (std::size_t at = body; at < end; ++at) {
    if (pem[at] == '\n') continue;
    std::string changed = pem;
    changed[at] = pem[at] == 'A' ? 'B' : 'A';
    const auto result = check_private_key(changed);
    REQUIRE(result);
    corrupt += result->verdict == Verdict::invalid_format ? 1 : 0;
  }
  CHECK(corrupt > 0);
}

TEST_CASE("JSON-escaped, YAML-indented and concatenated-literal keys give the same fingerprint", "[offline-keys]") {
  const PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  const std::string pem = pkcs8_pem(key.get());
  const auto plain = check_private_key(pem);
  REQUIRE(plain);
  const std::string fingerprint = identity_of(*plain, "fingerprint");
  REQUIRE(fingerprint.starts_with("SHA256:"));
  for (const std::string& text : {json_escaped(pem), yaml_indented(pem), java_concatenated(pem)}) {
    const auto result = check_private_key(text);
    REQUIRE(result);
    CHECK(result->verdict == Verdict::format_valid);
    CHECK(identity_of(*result, "fingerprint") == fingerprint);
  }
}

TEST_CASE("text without a private-key block gives no result", "[offline-keys]") {
  CHECK_FALSE(check_private_key("just some text, no key here"));
  CHECK_FALSE(check_private_key("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"));
  CHECK_FALSE(check_private_key(""));
}

TEST_CASE("random bytes, random text and mutated OpenSSH blobs never crash", "[offline-keys]") {
  std::mt19937 random(12345);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n :-\"\\";
  std::vector<std::string> prefixes = {"", "-----BEGIN PRIVATE KEY-----\n", "-----BEGIN OPENSSH PRIVATE KEY-----\n",
                                       "PuTTY-User-Key-File-3: ssh-rsa\nPublic-Lines: 2\n"};
  for (int round = 0; round < 400; ++round) {
    std::string text = prefixes[static_cast<std::size_t>(round) % prefixes.size()];
    const std::size_t length = random() % 600;
    for (std::size_t i = 0; i < length; ++i) {
      text += round % 2 == 0 ? static_cast<char>(random() % 256) : alphabet[random() % alphabet.size()];
    }
    if (round % 3 == 0) text += "\n-----END PRIVATE KEY-----\n-----END OPENSSH PRIVATE KEY-----\n";
    (void)check_private_key(text);
  }
  // Hostile lengths inside a well-formed openssh-key-v1 container.
  std::vector<unsigned char> data = {'o', 'p', 'e', 'n', 's', 's', 'h', '-', 'k', 'e', 'y', '-', 'v', '1', 0};
  for (int i = 0; i < 64; ++i) data.push_back(static_cast<unsigned char>(i % 3 == 0 ? 0xff : i));
  for (int round = 0; round < 300; ++round) {
    data[15 + random() % 64] = static_cast<unsigned char>(random());
    const std::string text =
        "-----BEGIN OPENSSH PRIVATE KEY-----\n" + base64(data) + "\n-----END OPENSSH PRIVATE KEY-----\n";
    CHECK(check_private_key(text).has_value());
  }
}
