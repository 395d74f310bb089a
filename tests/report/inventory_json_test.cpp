// The inventory as JSON: the same text whether it is rendered on one thread or in slices.
#include <catch2/catch.hpp>

#include <simdjson.h>

#include <string>
#include <vector>

#include "src/report/inventory_report.h"

namespace {

std::vector<sprawl::Identity> identities(std::size_t count) {
  std::vector<sprawl::Identity> out(count);
  for (std::size_t n = 0; n < count; ++n) {
    out[n].id = "id-" + std::to_string(n);
    out[n].provider = n % 2 ? "aws" : "github";
    out[n].identifier = "name \"" + std::to_string(n) + "\"\n";
    out[n].risk = static_cast<int>(n % 100);
    out[n].locations.resize(n % 3);
  }
  return out;
}

}  // namespace

TEST_CASE("render_inventory_json gives the same text on one thread and in slices", "[report][inventory]") {
  const auto found = identities(101);
  std::vector<sprawl::InventoryEntry> entries;
  for (const auto& identity : found) entries.push_back({&identity, {}, {}, {}});
  const std::string one = sprawl::render_inventory_json(entries, 1);
  for (std::size_t threads : {2u, 3u, 8u, 200u}) {
    INFO(threads);
    CHECK(sprawl::render_inventory_json(entries, threads) == one);
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(one);
  CHECK(simdjson::dom::array(root["identities"]).size() == 101);
  CHECK(std::string_view(root["identities"].at(100)["id"]) == "id-100");
  const std::vector<sprawl::InventoryEntry> none;
  CHECK(sprawl::render_inventory_json(none, 4) == "{\"schema_version\":1,\"identities\":[]}\n");
}
