// Finding fingerprints: hex SHA-256 of rule id, NUL, secret — stable and secret-free.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "src/check/fingerprint.h"
#include "tests/support/fake_tokens.h"

using sprawl::finding_fingerprint;
using sprawl::sha256_hex;

namespace {

bool is_lower_hex(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

TEST_CASE("sha256_hex matches the standard test vectors", "[check]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("sha256_hex gives the same digests from several threads at once (one context per thread)", "[check]") {
  std::vector<std::string> last(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < last.size(); ++t)
    threads.emplace_back([&last, t] {
      for (int i = 0; i < 2000; ++i) last[t] = sha256_hex(i % 2 ? "abc" : "");
    });
  for (auto& thread : threads) thread.join();
  for (const auto& digest : last) CHECK(digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("to_hex writes lowercase hex of every byte", "[check]") {
  const unsigned char bytes[] = {0x00, 0x0f, 0xa5, 0xff};
  CHECK(sprawl::to_hex(bytes, 4) == "000fa5ff");
  CHECK(sprawl::to_hex(bytes, 0).empty());
}

TEST_CASE("finding fingerprint is 64 lowercase hex characters", "[check]") {
  const std::string fp = finding_fingerprint("github-pat-classic", sprawl::test::fake_github_pat(1));
  CHECK(fp.size() == 64);
  CHECK(is_lower_hex(fp));
}

TEST_CASE("finding fingerprint is the SHA-256 of rule id, NUL and secret", "[check]") {
  const std::string secret = sprawl::test::fake_github_pat(2);
  std::string input = "github-pat-classic";
  input.push_back('\0');
  input += secret;
  CHECK(finding_fingerprint("github-pat-classic", secret) == sha256_hex(input));
}

TEST_CASE("finding fingerprint is stable for the same rule and secret", "[check]") {
  const std::string secret = sprawl::test::fake_github_pat(3);
  CHECK(finding_fingerprint("r", secret) == finding_fingerprint("r", std::string(secret)));
}

TEST_CASE("finding fingerprint differs by rule id and by secret", "[check]") {
  const std::string secret = sprawl::test::fake_github_pat(4);
  CHECK(finding_fingerprint("rule-a", secret) != finding_fingerprint("rule-b", secret));
  CHECK(finding_fingerprint("rule-a", secret) != finding_fingerprint("rule-a", sprawl::test::fake_github_pat(5)));
  // The NUL separator keeps "ab"+"c" apart from "a"+"bc".
  CHECK(finding_fingerprint("ab", "c") != finding_fingerprint("a", "bc"));
}

TEST_CASE("finding fingerprint does not contain the secret", "[check]") {
  // A hex secret is the hardest case: it is in the fingerprint's own alphabet.
  const std::string secret = sprawl::test::random_chars(sprawl::test::kHexLower, 32, 9);
  const std::string fp = finding_fingerprint("generic-hex", secret);
  CHECK(fp.find(secret) == std::string::npos);
  CHECK(fp.find(secret.substr(0, 12)) == std::string::npos);
  const std::string pat = sprawl::test::fake_github_pat(6);
  CHECK(finding_fingerprint("github-pat-classic", pat).find(pat.substr(4, 8)) == std::string::npos);
}
