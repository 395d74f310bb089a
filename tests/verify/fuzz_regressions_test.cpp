// Regressions for what fuzz_validator_responses found (tests/fuzz/crashes/README.md): a BSON
// value cut off by its document's end, and an STS error code that echoes the key id.
#include <catch2/catch.hpp>

#include <string>

#include "src/verify/database/bson.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/validator_harness.h"

using namespace sprawl::verify;
using namespace sprawl::test;

TEST_CASE("bson::for_each refuses a fixed-size value cut off by the end of its document", "[verify][mongodb][fuzz]") {
  // {"ok": <double>} whose declared size ends right after the key: the double's 8 bytes are missing.
  std::string doc;
  bson::detail::put_le(doc, 4 + 1 + 3 + 1, 4);
  doc += '\x01';
  doc += std::string("ok\0", 3);
  doc += '\0';
  int seen = 0;
  CHECK_FALSE(bson::for_each(doc, [&](const bson::Element&) { return ++seen > 0; }));
  CHECK(seen == 0);
  // The same element with its 8 bytes is read.
  std::string whole;
  bson::detail::put_le(whole, 4 + 1 + 3 + 8 + 1, 4);
  whole += '\x01';
  whole += std::string("ok\0", 3);
  whole += std::string("\0\0\0\0\0\0\xf0\x3f", 8);  // 1.0
  whole += '\0';
  std::optional<double> ok;
  CHECK(bson::for_each(whole, [&](const bson::Element& e) {
    ok = e.number();
    return true;
  }));
  CHECK(ok == 1.0);
}

TEST_CASE("An STS error code that echoes the key id stays out of the reason", "[verify][aws][fuzz]") {
  const std::string key_id = fake_aws_key_id(31);
  Credential credential = credential_for("aws-access-key-id", "aws", key_id,
                                         "aws_access_key_id = " + key_id + "\naws_secret_access_key = " +
                                             random_chars(kBase62, 40, 77) + "\n");
  const Outcome outcome = run_check(
      credential, text_response(403, "<ErrorResponse><Error><Code>" + key_id + "</Code></Error></ErrorResponse>"));
  CHECK(outcome.result.status == LiveStatus::unknown);
  CHECK(outcome.result.reason.find(key_id) == std::string::npos);
  CHECK_FALSE(outcome.result.reason.empty());
}
