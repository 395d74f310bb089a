// redact_secret: a short recognisable prefix, an ellipsis and the length in characters.
#include <catch2/catch.hpp>

#include <string>

#include "src/report/redact.h"
#include "tests/support/fake_tokens.h"

using sprawl::redact_secret;

TEST_CASE("redaction keeps four characters and the length of a long secret", "[report]") {
  const std::string pat = sprawl::test::fake_github_pat(1);
  REQUIRE(pat.size() == 40);
  CHECK(redact_secret(pat) == "ghp_\xE2\x80\xA6(40)");
}

TEST_CASE("redaction never shows more than four characters", "[report]") {
  const std::string secret = sprawl::test::random_chars(sprawl::test::kBase62, 200, 2);
  const std::string redacted = redact_secret(secret);
  CHECK(redacted == secret.substr(0, 4) + "\xE2\x80\xA6(200)");
}

TEST_CASE("redaction of a short secret keeps fewer characters", "[report]") {
  CHECK(redact_secret("abcdefghijklmnop") == "abcd\xE2\x80\xA6(16)");  // 16: still four
  CHECK(redact_secret("abcdefghijklmno") == "abc\xE2\x80\xA6(15)");    // 15 / 4 = 3
  CHECK(redact_secret("abcdefgh") == "ab\xE2\x80\xA6(8)");
  CHECK(redact_secret("abc") == "\xE2\x80\xA6(3)");
  CHECK(redact_secret("") == "\xE2\x80\xA6(0)");
}

TEST_CASE("redaction of a short secret reveals at most a quarter of it", "[report]") {
  for (std::size_t n = 1; n < 16; ++n) {
    const std::string secret = sprawl::test::random_chars(sprawl::test::kBase62, n, 3);
    const std::string redacted = redact_secret(secret);
    const std::size_t shown = redacted.find("\xE2\x80\xA6");
    REQUIRE(shown != std::string::npos);
    INFO("length " << n);
    CHECK(shown * 4 <= n);
    CHECK(redacted.substr(shown) == "\xE2\x80\xA6(" + std::to_string(n) + ")");
  }
}

TEST_CASE("redaction counts and cuts UTF-8 by code points", "[report]") {
  // 20 two-byte characters: length 20, four whole characters kept.
  std::string secret;
  for (int i = 0; i < 20; ++i) secret += "\xC3\xA9";
  CHECK(redact_secret(secret) == "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xE2\x80\xA6(20)");
  // A 4-byte character among ASCII is never split.
  const std::string mixed =
      "a\xF0\x9F\x98\x80"
      "bcdefghijklmnopqrstu";
  CHECK(redact_secret(mixed) ==
        "a\xF0\x9F\x98\x80"
        "bc\xE2\x80\xA6(22)");
}
