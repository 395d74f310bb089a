// libFuzzer target: arbitrary bytes as a declared-inventory YAML file and as a CODEOWNERS file ->
// parse_declared_inventory (its one-line errors and the invariants of what it accepts), the
// reconciliation of a few fixed identities with what it accepted, and parse_codeowners with
// owners_for on fixed paths and on paths taken from the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sprawl/identity.h"
#include "src/inventory/codeowners.h"
#include "src/inventory/declared_inventory.h"
#include "src/inventory/reconcile.h"

namespace {

constexpr std::size_t kMaxInput = 64 * 1024;

void require(bool condition) {
  if (!condition) std::abort();
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Identities shaped like the builder's: an AWS key with its account, a GitHub token with an
// owner login, a database user@host, and one with no identifier at all.
std::vector<sprawl::Identity> identities() {
  std::vector<sprawl::Identity> out(4);
  out[0].id = "0123456789abcdef";
  out[0].provider = "aws";
  out[0].identifier = "AKIAIOSFODNN7EXAMPLE";
  out[0].attributes = {{"account_id", "012345678901"}, {"key_id", "AKIAIOSFODNN7EXAMPLE"}};
  out[0].validity = "valid";
  out[1].id = "fedcba9876543210";
  out[1].provider = "github";
  out[1].identifier = "octo-release-bot";
  out[1].attributes = {{"login", "octo-release-bot"}};
  out[2].id = "00ff00ff00ff00ff";
  out[2].provider = "postgresql";
  out[2].identifier = "report@db.internal.example.com";
  out[3].id = "1111222233334444";
  out[3].provider = "slack";
  for (auto& identity : out) {
    identity.first_seen = identity.last_seen = "2025-01-01T00:00:00Z";
    identity.locations.push_back({});
    identity.locations.back().path = "config/.env";
  }
  return out;
}

// What an accepted file must satisfy: its documented invariants.
void check_accepted(const sprawl::DeclaredInventory& inventory, std::string_view text) {
  require(inventory.version >= 1 && inventory.version <= sprawl::kDeclaredInventoryVersion);
  const auto lines = static_cast<std::uint32_t>(std::count(text.begin(), text.end(), '\n') + 1);
  std::set<std::string> names, identifiers;
  for (const auto& nhi : inventory.nhis) {
    require(!nhi.name.empty());
    require(names.insert(nhi.name).second);
    require(nhi.line >= 1 && nhi.line <= lines);
    for (const auto& identifier : nhi.identifiers) require(identifiers.insert(lower(identifier)).second);
  }
}

void reconcile_with(const sprawl::DeclaredInventory& inventory) {
  auto found = identities();
  for (const auto& identity : found)
    if (const auto match = sprawl::match_declaration(identity, inventory)) require(*match < inventory.nhis.size());
  const auto summary = sprawl::reconcile(found, inventory, "2025-06-01T00:00:00Z");
  require(summary.entries.size() == inventory.nhis.size());
  require(summary.known + summary.shadow <= found.size());
  (void)sprawl::render_reconcile_summary(summary, 5);
}

void fuzz_codeowners(std::string_view text) {
  const sprawl::Codeowners owners = sprawl::parse_codeowners(text);
  for (const auto& rule : owners.rules) require(rule.line >= 1);
  for (std::string_view path : {"config/.env", "a/b/c/deploy.yml", "docs/x.md", "", "/", "src//x"})
    (void)sprawl::owners_for(owners, path);
  // Each line of the input as a path, and each rule's own pattern as a path.
  std::size_t start = 0;
  for (int n = 0; n < 16 && start < text.size(); ++n) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    (void)sprawl::owners_for(owners, text.substr(start, std::min<std::size_t>(end - start, 256)));
    start = end + 1;
  }
  for (std::size_t n = 0; n < owners.rules.size() && n < 16; ++n)
    (void)sprawl::codeowners_pattern_matches(owners.rules[n].pattern, owners.rules[n].pattern);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = sprawl::parse_declared_inventory(text, "fuzz.yaml");
  if (parsed) {
    check_accepted(parsed.value(), text);
    reconcile_with(parsed.value());
  } else {
    // One line, naming the file first.
    require(parsed.error().message.rfind("fuzz.yaml", 0) == 0);
    require(parsed.error().message.find('\n') == std::string::npos);
  }
  fuzz_codeowners(text);
  return 0;
}
