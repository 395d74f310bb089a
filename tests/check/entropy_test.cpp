// Shannon entropy of candidate secrets, in bits per character.
#include <catch2/catch.hpp>

#include <string>

#include "src/check/entropy.h"
#include "tests/support/fake_tokens.h"

using sprawl::shannon_entropy;

TEST_CASE("entropy of empty text is zero", "[check]") { CHECK(shannon_entropy("") == 0.0); }

TEST_CASE("entropy of one repeated character is zero", "[check]") {
  CHECK(shannon_entropy("aaaa") == 0.0);
  CHECK(shannon_entropy("x") == 0.0);
}

TEST_CASE("entropy of the 16 hex digits once each is 4 bits", "[check]") {
  CHECK(shannon_entropy("0123456789abcdef") == Approx(4.0).margin(1e-12));
}

TEST_CASE("entropy of two equally frequent characters is 1 bit", "[check]") {
  CHECK(shannon_entropy("abab") == Approx(1.0).margin(1e-12));
  CHECK(shannon_entropy("aabb") == Approx(1.0).margin(1e-12));
}

TEST_CASE("entropy of a skewed distribution matches the formula", "[check]") {
  // p = 3/4, 1/4: -(0.75 log2 0.75 + 0.25 log2 0.25) = 0.811278...
  CHECK(shannon_entropy("aaab") == Approx(0.8112781244591328).margin(1e-12));
}

TEST_CASE("entropy is computed over bytes, not code points", "[check]") {
  // U+00E9 is two distinct bytes in UTF-8: 2 symbols of equal frequency.
  CHECK(shannon_entropy("\xC3\xA9") == Approx(1.0).margin(1e-12));
  // All 256 byte values once each: 8 bits.
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  CHECK(shannon_entropy(all) == Approx(8.0).margin(1e-12));
}

TEST_CASE("entropy of a random base62 token is high", "[check]") {
  const std::string token = sprawl::test::random_chars(sprawl::test::kBase62, 40, 7);
  CHECK(shannon_entropy(token) > 4.0);
  CHECK(shannon_entropy(token) <= Approx(5.9542).margin(1e-3));  // log2(62) is the ceiling
}
