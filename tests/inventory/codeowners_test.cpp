// CODEOWNERS: parsing (comments, sections, exclusions) and gitignore-style pattern semantics.
#include <catch2/catch.hpp>

#include "src/inventory/codeowners.h"

using sprawl::codeowners_pattern_matches;
using sprawl::owners_for;
using sprawl::parse_codeowners;
using Owners = std::vector<std::string>;

TEST_CASE("CODEOWNERS pattern semantics", "[inventory]") {
  struct Row {
    const char* pattern;
    const char* path;
    bool matches;
  };
  const Row rows[] = {
      {"*", "a/b/c.txt", true},
      {"*.js", "src/app.js", true},
      {"*.js", "src/app.jsx", false},
      {"/build/logs/", "build/logs/today/x.log", true},
      {"/build/logs/", "src/build/logs/x.log", false},  // anchored at the root
      {"apps/", "deep/apps/web/main.go", true},         // unanchored directory: any depth
      {"apps/", "apps", false},                         // a file called apps is not the directory
      {"docs/*", "docs/getting-started.md", true},
      {"docs/*", "docs/build-app/troubleshooting.md", false},  // only direct children
      {"/docs", "docs/a/b.md", true},                          // a directory owns what is under it
      {"**/logs", "a/b/logs/x.txt", true},
      {"**/logs", "logs/x.txt", true},
      {"/apps/**/config.yml", "apps/web/prod/config.yml", true},
      {"/apps/**/config.yml", "apps/config.yml", true},
      {"config/*.yml", "config/app.yml", true},
      {"config/*.yml", "x/config/app.yml", false},  // an inner slash anchors too
      {"README.md", "sub/README.md", true},
      {"?.txt", "a.txt", true},
      {"?.txt", "ab.txt", false},
  };
  for (const Row& row : rows) {
    INFO(row.pattern << " vs " << row.path);
    CHECK(codeowners_pattern_matches(row.pattern, row.path) == row.matches);
  }
}

TEST_CASE("the last matching CODEOWNERS line wins, comments and unowned lines included", "[inventory]") {
  const auto owners = parse_codeowners(
      "# Global owners\n"
      "*       @org/everyone   # trailing comment\n"
      "\n"
      "*.env   @org/security alice@example.com\n"
      "/services/api/   @org/api\n"
      "/services/api/generated/\n"  // no owner: unowned
      "\\#notes  @org/hash\r\n");
  REQUIRE(owners.rules.size() == 5);
  CHECK(owners.rules[0].owners == Owners{"@org/everyone"});
  CHECK(owners_for(owners, "README.md") == Owners{"@org/everyone"});
  CHECK(owners_for(owners, "deploy/.env") == Owners{"@org/security", "alice@example.com"});
  CHECK(owners_for(owners, "services/api/.env") == Owners{"@org/api"});
  CHECK(owners_for(owners, "services/api/generated/keys.go").empty());
  CHECK(owners_for(owners, "#notes") == Owners{"@org/hash"});
}

TEST_CASE("GitLab sections: default owners, and each section's last match combined", "[inventory]") {
  const auto owners = parse_codeowners(
      "[Backend] @org/backend\n"
      "*.go\n"
      "/internal/payments/ @org/payments\n"
      "^[Security Review][2] @org/security\n"
      "*.env\n"
      "!/internal/payments/test.env\n");
  CHECK(owners.rules[0].section == "Backend");
  CHECK(owners.rules[0].owners == Owners{"@org/backend"});
  CHECK(owners.rules[2].section == "Security Review");
  CHECK(owners_for(owners, "cmd/main.go") == Owners{"@org/backend"});
  CHECK(owners_for(owners, "internal/payments/prod.env") == Owners{"@org/payments", "@org/security"});
  CHECK(owners_for(owners, "internal/payments/test.env") == Owners{"@org/payments"});
  CHECK(owners_for(owners, "README.md").empty());
}
