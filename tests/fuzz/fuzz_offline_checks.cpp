// libFuzzer target: arbitrary bytes as a secret / key block / JWT / URI / JSON -> every offline
// check (token checksums, AWS key ids, JWT claims, connection URIs, service-account JSON,
// private keys), and the invariants of what they return (one-line reasons, named identities).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "src/check/offline/key_checks.h"
#include "src/check/offline/token_checks.h"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

void check(const std::optional<sprawl::offline::CheckResult>& result) {
  if (!result) return;
  require(result->reason.find('\n') == std::string::npos);
  for (const auto& [key, value] : result->identity) require(!key.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using namespace sprawl::offline;
  check(check_github_token(text));
  check(check_npm_token(text));
  check(check_aws_key_id(text));
  check(check_jwt(text, 1'700'000'000));
  check(check_connection_uri(text));
  check(check_gcp_service_account(text));
  check(check_private_key(text));
  return 0;
}
