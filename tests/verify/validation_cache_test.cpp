// ValidationCache: round trip, time-to-live, unknown answers never kept, corrupt lines skipped;
// and the scrubbing of a secret from what a provider echoed.
#include <catch2/catch.hpp>

#include <fstream>

#include "src/verify/live_validation.h"
#include "src/verify/validation_cache.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::verify;
using sprawl::test::TempDir;

TEST_CASE("ValidationCache keeps definite answers for their time to live", "[verify][cache]") {
  TempDir dir;
  const std::string path = dir.path() + "/validation-v1.jsonl";
  const std::int64_t now = 1'800'000'000;
  {
    ValidationCache cache = ValidationCache::load(path, 3600, now);
    CHECK(cache.size() == 0);
    cache.put("fp-valid", LiveResult::valid("accepted (HTTP 200)", {{"login", "bot \"q\""}, {"scopes", "repo"}}, 200), now - 10);
    cache.put("fp-invalid", LiveResult::invalid("rejected (HTTP 401)", 401), now - 7200);
    cache.put("fp-unknown", LiveResult::unknown("rate limited (HTTP 429)", 429), now);
    std::string error;
    REQUIRE(cache.save(error));
  }
  const ValidationCache fresh = ValidationCache::load(path, 3600, now);
  CHECK(fresh.size() == 1);  // the invalid answer is two hours old, the unknown one was never kept
  const auto hit = fresh.find("fp-valid");
  REQUIRE(hit);
  CHECK(hit->result.status == LiveStatus::valid);
  CHECK(hit->result.http_status == 200);
  CHECK(hit->checked_at == now - 10);
  REQUIRE(hit->result.identity.size() == 2);
  CHECK(hit->result.identity[0].second == "bot \"q\"");
  CHECK_FALSE(fresh.find("fp-invalid"));
  CHECK(ValidationCache::load(path, 86400, now).find("fp-invalid"));
}

TEST_CASE("ValidationCache skips lines it cannot read and survives a missing file", "[verify][cache]") {
  TempDir dir;
  const std::string path = dir.write("cache.jsonl",
                                     "not json\n"
                                     "{\"fingerprint\":\"a\",\"status\":\"valid\"}\n"
                                     "{\"fingerprint\":\"b\",\"status\":\"maybe\",\"reason\":\"\",\"checked_at\":1}\n"
                                     "{\"fingerprint\":\"c\",\"status\":\"invalid\",\"reason\":\"r\",\"checked_at\":100,"
                                     "\"identity\":[[\"k\"]]}\n"
                                     "{\"fingerprint\":\"d\",\"status\":\"invalid\",\"reason\":\"r\",\"checked_at\":100}\n");
  const ValidationCache cache = ValidationCache::load(path, 1000, 200);
  CHECK(cache.size() == 1);
  CHECK(cache.find("d"));
  CHECK(ValidationCache::load(dir.path() + "/none.jsonl", 1000, 200).size() == 0);
}

TEST_CASE("without_secret scrubs every copy of the secret", "[verify][cache]") {
  CHECK(without_secret("token abcd1234 is abcd1234", "abcd1234") == "token [redacted] is [redacted]");
  CHECK(without_secret("nothing here", "abcd1234") == "nothing here");
}
