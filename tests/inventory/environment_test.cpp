// infer_environment: paths, file names, variable names and branches → prod/staging/dev/test/"".
#include <catch2/catch.hpp>

#include "src/inventory/environment.h"

using sprawl::EnvironmentHints;
using sprawl::infer_environment;

TEST_CASE("environment inference table", "[inventory]") {
  struct Row {
    const char* path;
    const char* variable;
    const char* branch;
    const char* expected;
  };
  const Row rows[] = {
      {".env.production", "", "", "prod"},
      {"helm/values-prod.yaml", "", "", "prod"},
      {"config/staging/app.yaml", "", "", "staging"},
      {"deploy/overlays/pre-prod/secret.yaml", "", "", "staging"},
      {"docker-compose.dev.yml", "", "", "dev"},
      {".env", "PROD_DB_PASSWORD=", "", "prod"},
      {".env", "export stagingApiKey = ", "", "staging"},
      {"settings.py", "", "release/prod", "prod"},
      {"settings.py", "", "develop", "dev"},
      {"settings.py", "", "main", ""},
      {"src/product/config.py", "", "", ""},  // "product" is not "prod"
      {"src/devices/keys.go", "", "", ""},
      {"config/app.yaml", "", "", ""},
      {"tests/fixtures/prod.env", "", "", "test"},  // a test path is test whatever it says
      {"spec/support/keys.rb", "", "", "test"},
      {"pkg/client_test.go", "", "", "test"},
      {"src/__tests__/api.js", "", "", "test"},
      {"web/app.spec.ts", "", "", "test"},
      {"docs/openapi-spec.yaml", "", "", ""},
      {"src/latest/config.yml", "", "", ""},            // "latest" holds "test" but is another word
      {"config/prod-vs-dev.yaml", "", "", ""},          // names two: ambiguous
      {"config/prod/.env.staging", "", "", "staging"},  // the file name is more specific
  };
  for (const Row& row : rows) {
    INFO(row.path << " | " << row.variable << " | " << row.branch);
    CHECK(infer_environment(EnvironmentHints{row.path, row.variable, row.branch}) == row.expected);
  }
}

TEST_CASE("the text before a secret on its line is read from the finding's context", "[inventory]") {
  sprawl::MatchContext context;
  context.text = "A=1\nPROD_DB_PASSWORD=hunter2hunter2\nB=2";
  context.match_start = 4;  // the rule's match starts with the variable name
  context.match_end = 34;
  CHECK(sprawl::text_before_secret(context, "hunter2hunter2") == "PROD_DB_PASSWORD=");
  CHECK(sprawl::text_before_secret(sprawl::MatchContext{}, "x").empty());
}
