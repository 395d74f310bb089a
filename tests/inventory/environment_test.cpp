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
      // Variable names and branches are read word by word without building the words.
      {".env", "PRE_PROD_DB=", "", "staging"},
      {".env", "prePRODUCTION_KEY=", "", "staging"},
      {".env", "PRE_PRE_PROD_KEY=", "", "staging"},
      {".env", "PRE_PROD_PROD_KEY=", "", ""},  // preprod and prod: ambiguous
      {".env", "prodDbPassword=", "", "prod"},
      {".env", "PROD_STAGING_KEY=", "", ""},
      {".env", "PROD_PROD_KEY=", "", "prod"},
      {".env", "PRODUCTION1=", "", ""},  // one word, "production1"
      {".env", "xx_developmentdevelopment_key=", "", ""},
      {".env", "a_longer_word_than_sixteen_letters_prod=", "", "prod"},
      {".env", "", "feature/preProd-fix", "staging"},
      {"svc/prod/app.env", "DEV_KEY=", "", "dev"},  // the variable name before the directories
      {"svc/prod/app.env", "KEY=", "", "prod"},
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

TEST_CASE("a path's environment worked out once gives what the whole inference gives", "[inventory]") {
  const char* paths[] = {".env.production",  "config/staging/app.yaml", "tests/fixtures/prod.env",
                         "svc/prod/app.env", "config/app.yaml",         ""};
  const char* variables[] = {"", "DEV_KEY=", "PRE_PROD_X=", "qa_token = "};
  for (const char* path : paths)
    for (const char* variable : variables) {
      INFO(path << " | " << variable);
      const sprawl::PathEnvironment known = sprawl::path_environment(path);
      CHECK(std::string(infer_environment(known, variable, "release/uat")) ==
            infer_environment(EnvironmentHints{path, variable, "release/uat"}));
    }
  CHECK(sprawl::path_environment("deploy/prod/keys/app.env").last == "prod");  // the deepest directory naming one
  CHECK(sprawl::path_environment("tests/app.env").first == "test");
}
