// Seeded fake token generators.
#include "tests/support/fake_tokens.h"

#include "src/check/offline/token_checks.h"

#include <random>

namespace sprawl::test {

std::string random_chars(const std::string& alphabet, std::size_t length, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string out;
  while (out.size() < length) {
    const char c = alphabet[pick(rng)];
    const std::size_t n = out.size();
    if (n >= 2 && out[n - 1] == c && out[n - 2] == c) continue;
    if (n >= 1 && (c == out[n - 1] + 1 || c == out[n - 1] - 1)) continue;  // no counting runs
    out.push_back(c);
  }
  return out;
}

// 30 random characters and their CRC32 checksum, as real tokens have: a wrong checksum is dropped.
std::string fake_github_pat(std::uint32_t seed) {
  const std::string body = random_chars(kBase62, 30, seed);
  return std::string("gh") + "p_" + body + sprawl::offline::crc32_base62(body);
}

std::string fake_aws_key_id(std::uint32_t seed) {
  return std::string("AK") + "IA" + random_chars(kUpperDigits, 16, seed);
}

std::string fake_slack_bot_token(std::uint32_t seed) {
  return std::string("xo") + "xb-" + random_chars("123456789", 11, seed) + "-" +
         random_chars("123456789", 13, seed + 1) + "-" + random_chars(kBase62, 24, seed + 2);
}

std::string fake_stripe_live_key(std::uint32_t seed) {
  return std::string("sk_") + "live_" + random_chars(kBase62, 99, seed).substr(0, 40);
}

}  // namespace sprawl::test
