// The inventory as CSV: RFC 4180 quoting, the formula-injection guard and one row per identity.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "src/report/inventory_report.h"

using sprawl::csv_cell;

namespace {

/// Splits RFC 4180 text into records of fields (quoted fields may hold commas, quotes, newlines).
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> records(1, std::vector<std::string>(1));
  bool quoted = false;
  for (std::size_t k = 0; k < text.size(); ++k) {
    const char c = text[k];
    if (quoted) {
      if (c == '"' && k + 1 < text.size() && text[k + 1] == '"')
        records.back().back() += text[++k];
      else if (c == '"')
        quoted = false;
      else
        records.back().back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      records.back().emplace_back();
    } else if (c == '\r' && k + 1 < text.size() && text[k + 1] == '\n') {
      ++k;
      records.emplace_back(1);
    } else {
      records.back().back() += c;
    }
  }
  if (records.back() == std::vector<std::string>(1)) records.pop_back();
  return records;
}

sprawl::Identity identity(const std::string& id, const std::string& identifier) {
  sprawl::Identity i;
  i.id = id;
  i.provider = "github";
  i.nhi_type = "api_key";
  i.identifier = identifier;
  i.risk = 55;
  i.present = true;
  i.first_seen = "2024-01-02T03:04:05Z";
  i.last_seen = "2025-06-01T00:00:00Z";
  i.owner = sprawl::IdentityOwner{"Dana \"DD\" Dev <dana@example.com>", "commit_author"};
  i.environments = {"prod", "dev"};
  i.policies = {{"NHI2", "leaked", "1 location"}, {"NHI8", "cross-environment", "prod and dev"}};
  sprawl::IdentityLocation l;
  l.path = "config/a,b.env";
  i.locations = {l, l};
  return i;
}

}  // namespace

TEST_CASE("csv_cell quotes commas, quotes and newlines and doubles quotes", "[report][inventory][csv]") {
  CHECK(csv_cell("plain") == "plain");
  CHECK(csv_cell("") == "");
  CHECK(csv_cell("a,b") == "\"a,b\"");
  CHECK(csv_cell("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_cell("two\nlines") == "\"two\nlines\"");
  CHECK(csv_cell("cr\rhere") == "\"cr\rhere\"");
}

TEST_CASE("csv_cell guards cells a spreadsheet would read as a formula", "[report][inventory][csv]") {
  CHECK(csv_cell("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"");
  CHECK(csv_cell("+1") == "'+1");
  CHECK(csv_cell("-2+3") == "'-2+3");
  CHECK(csv_cell("@SUM(A1)") == "'@SUM(A1)");
  CHECK(csv_cell("\tx") == "'\tx");
  CHECK(csv_cell("a=b") == "a=b");  // only a leading sign makes a formula
  CHECK(csv_cell("2024-01-02") == "2024-01-02");
}

TEST_CASE("render_inventory_csv writes a header and one record per identity that parses back",
          "[report][inventory][csv]") {
  const sprawl::Identity a = identity("aaaa000011112222", "=cmd|' /C calc'!A0");
  sprawl::Identity b = identity("bbbb000011112222", "multi\nline, \"quoted\"");
  b.owner.reset();
  b.locations.clear();
  b.environments.clear();
  const std::string csv = sprawl::render_inventory_csv({{&a, "", "", {}}, {&b, "revoked", "", {}}});
  const auto records = parse_csv(csv);
  REQUIRE(records.size() == 3);
  CHECK(records[0] == std::vector<std::string>{"id", "risk", "provider", "nhi_type", "identifier", "validity",
                                               "present", "first_seen", "last_seen", "owner", "owner_source",
                                               "environments", "policies", "locations", "first_location"});
  CHECK(records[1] == std::vector<std::string>{"aaaa000011112222", "55", "github", "api_key", "'=cmd|' /C calc'!A0", "",
                                               "true", "2024-01-02T03:04:05Z", "2025-06-01T00:00:00Z",
                                               "Dana \"DD\" Dev <dana@example.com>", "commit_author", "prod;dev",
                                               "NHI2;NHI8", "2", "config/a,b.env"});
  CHECK(records[2][4] == "multi\nline, \"quoted\"");
  CHECK(records[2][9].empty());
  CHECK(records[2][13] == "0");
  CHECK(records[2][14].empty());
  CHECK(sprawl::render_inventory_csv({}) == csv.substr(0, csv.find("\r\n") + 2));
}
