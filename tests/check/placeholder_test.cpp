// The placeholder filter: documented example keys, templates and obviously fake values are
// dropped; random tokens (and long key bodies that happen to hold a run) are kept.
#include <catch2/catch.hpp>

#include <string>

#include "src/check/placeholder.h"
#include "tests/support/fake_tokens.h"

using sprawl::placeholder_reason;
using sprawl::test::kBase62;
using sprawl::test::random_chars;

namespace {

bool is_placeholder(const std::string& value) { return placeholder_reason(value) != nullptr; }

std::string reason(const std::string& value) {
  const char* why = placeholder_reason(value);
  return why ? why : "";
}

}  // namespace

TEST_CASE("placeholder filter drops documented example keys", "[check]") {
  // Split so that the repository itself never holds the literal keys.
  const std::string aws_id = std::string("AKIA") + "IOSFODNN7" + "EXAMPLE";
  const std::string aws_secret = std::string("wJalrXUtnFEMI/") + "K7MDENG/bPxRfiCY" + "EXAMPLEKEY";
  const std::string stripe = std::string("sk_") + "test_" + "4eC39HqLyjWD" + "arjtT1zdp7dc";
  const std::string github = std::string("gh") + "p_" + "16C7e42F292c" + "6912E7710c83" + "8347Ae178B4a";
  const std::string azurite =
      std::string("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2U") + "VErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
  for (const auto& key : {aws_id, aws_secret, stripe, github, azurite}) {
    INFO(key);
    CHECK(reason(key) == "documented example key");
  }
  // Inside a longer value too.
  CHECK(is_placeholder("id=" + aws_id + ";"));
}

TEST_CASE("placeholder filter drops template references", "[check]") {
  for (const std::string value : {"${GITHUB_TOKEN}", "${{ secrets.TOKEN }}", "{{ api_key }}", "{{x}}", "#{secret}",
                                  "%(password)s", "<%= token %>", "$API_KEY", "%APPDATA%", "<YOUR_KEY>", "<token>",
                                  "{apiKey}", "[[ vault_token ]]", "@@TOKEN@@"}) {
    INFO(value);
    CHECK(reason(value) == "template or variable reference");
  }
}

TEST_CASE("placeholder filter keeps a value that merely contains a dollar sign", "[check]") {
  // "$" followed by something that is not an identifier is not a shell variable.
  const std::string value = "Qx7" + std::string("$") + random_chars(kBase62, 20, 3);
  CHECK_FALSE(is_placeholder(value));
}

TEST_CASE("placeholder filter drops values that call themselves fake", "[check]") {
  for (const std::string value :
       {"changeme", "CHANGEME", "my_example_token_Q8z", "dummyKeyQ8zT", "FakeSecretQ8zT", "sampleTokenQ8z",
        "placeholder", "your_api_key_here", "REDACTED", "replace_me", "notarealkey"}) {
    INFO(value);
    CHECK(is_placeholder(value));
  }
  CHECK(reason("x9Q2-example-T7") == "marked as example or fake");
}

TEST_CASE("placeholder filter drops bare words used as values", "[check]") {
  for (const std::string value : {"password", "Secret", "TOKEN", "null", "undefined", "true"}) {
    INFO(value);
    CHECK(reason(value) == "a word, not a secret");
  }
}

TEST_CASE("placeholder filter drops runs of six identical characters", "[check]") {
  CHECK(reason("ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") == "repeated characters");
  CHECK(reason("Q8zT000000Lm") == "repeated characters");
  CHECK(reason("Q8zT******Lm") == "repeated characters");
  CHECK(reason("abAAAAAAcd") == "repeated characters");
}

// Regression: a Square token is "EAAA" + random characters, so one in 62 starts "EAAAA".
TEST_CASE("placeholder filter keeps runs of five identical characters", "[check]") {
  const std::string value = "Q8zT" + std::string("00000") + random_chars(kBase62, 16, 11);
  CHECK_FALSE(is_placeholder(value));
  CHECK_FALSE(
      is_placeholder("EAAA"
                     "A" +
                     random_chars(kBase62, 59, 12)));
}

TEST_CASE("placeholder filter drops counting sequences", "[check]") {
  CHECK(reason("Q8z12345Lm") == "counting sequence");
  CHECK(reason("Q8zabcdeLm") == "counting sequence");
  CHECK(reason("Q8zABCDELm") == "counting sequence");  // case-insensitive
  CHECK(reason("Q8z98765Lm") == "counting sequence");  // counting down
  CHECK(reason("Q8zedcbaLm") == "counting sequence");
  CHECK_FALSE(is_placeholder("Q8z1234Lm7T"));  // four is not enough
  CHECK_FALSE(is_placeholder("Q8z13579Lm"));   // steps of two are not counting
}

TEST_CASE("placeholder filter drops values that are mostly one character", "[check]") {
  CHECK(reason("x0xAx1xBx2") == "mostly one character");
}

TEST_CASE("placeholder filter keeps random tokens", "[check]") {
  for (std::uint32_t seed = 1; seed <= 50; ++seed) {
    const std::string token = random_chars(kBase62, 40, seed);
    INFO(token);
    CHECK(placeholder_reason(token) == nullptr);
  }
  for (std::uint32_t seed = 1; seed <= 10; ++seed) {
    const std::string pat = sprawl::test::fake_github_pat(seed);
    const std::string aws = sprawl::test::fake_aws_key_id(seed);
    INFO(pat << " " << aws);
    CHECK(placeholder_reason(pat) == nullptr);
    CHECK(placeholder_reason(aws) == nullptr);
  }
}

TEST_CASE("placeholder filter keeps long PEM-like bodies with AAAAA runs", "[check]") {
  // DER-encoded keys are full of zero bytes, which base64 writes as runs of 'A'; only short
  // values are judged by runs and sequences.
  const std::string alphabet = std::string(kBase62) + "+/";
  std::string body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ";
  body += random_chars(alphabet, 64, 5) + "AAAAAAAA" + random_chars(alphabet, 64, 6) + "IDAQAB" +
          random_chars(alphabet, 200, 7);
  REQUIRE(body.size() > 128);
  INFO(body);
  CHECK(placeholder_reason(body) == nullptr);

  const std::string label = std::string("PRIVATE") + " KEY-----";
  std::string pem = "-----BEGIN " + label + "\n";
  for (std::size_t i = 0; i < body.size(); i += 64) pem += body.substr(i, 64) + "\n";
  pem += "-----END " + label;
  CHECK(placeholder_reason(pem) == nullptr);
}

TEST_CASE("placeholder filter still judges short values holding AAAAAA", "[check]") {
  const std::string value = random_chars(kBase62, 10, 21) + "AAAAAA" + random_chars(kBase62, 10, 22);
  CHECK(reason(value) == "repeated characters");
}

// Regression: one long random key body in ~30 contains a word such as "fake" by chance.
TEST_CASE("placeholder filter ignores words inside long random bodies", "[check]") {
  const std::string body = random_chars(kBase62, 300, 41) + "Fake" + random_chars(kBase62, 300, 42);
  CHECK(placeholder_reason(body) == nullptr);
  CHECK(placeholder_reason("sk_" + std::string("fake_") + random_chars(kBase62, 24, 43)) != nullptr);
}
