// End-to-end: a gitleaks v8 configuration (custom rules, per-rule and global allow-lists in both
// spellings, [extend] useDefault + disabledRules) run through `sprawl scan --config`.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "tests/support/cli_runner.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/findings_json.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

namespace {

// What a team migrating from gitleaks might keep in its .gitleaks.toml.
const char* kGitleaksConfig = R"toml(
title = "acme gitleaks config"

[extend]
useDefault = true
disabledRules = ["slack-bot-token", "generic-token-assignment"]

[[rules]]
id = "acme-deploy-token"
description = "Acme deploy token"
regex = '''\b(adt_[A-Za-z0-9]{32})\b'''
entropy = 3.5
keywords = ["adt_"]
tags = ["acme", "deploy"]

[[rules]]
id = "acme-db-credential"
description = "Acme database password"
regex = '''(?i)acme_db_pass(?:word)?\s*[:=]\s*["']?([A-Za-z0-9!@#%^&*]{12,40})'''
secretGroup = 1
entropy = 3.0
keywords = ["acme_db_pass"]

  [rules.allowlist]
  stopwords = ["localdev"]

[[rules]]
id = "acme-session-key"
description = "Acme session signing key"
regex = '''\b(ask_[a-f0-9]{40})\b'''
keywords = ["acme_session"]

  [[rules.allowlists]]
  description = "rotated keys"
  regexTarget = "line"
  regexes = ['''#\s*rotated''']

[[rules]]
id = "acme-yaml-token"
description = "Acme token as a YAML block value"
regex = '''(?m)^acme_token:\s*$\s*^\s+([a-z0-9]{24})$'''
keywords = ["acme_token:"]

[[rules]]
id = "acme-env-secret"
description = "Acme secret in an env file"
regex = '''ACME_SECRET=([A-Za-z0-9]{20})'''
path = '''\.env$'''
keywords = ["acme_secret"]

[[rules]]
id = "pkcs12-keystore"
description = "PKCS#12 keystore"
path = '''(?i)\.(p12|pfx)$'''

[allowlist]
description = "vendored code"
paths = ['''(^|/)vendor/''']

[[allowlists]]
description = "marked test fixtures"
condition = "AND"
paths = ['''^tests/''']
regexTarget = "line"
regexes = ['''fixture''']

[[allowlists]]
description = "sandbox deploy tokens"
targetRules = ["acme-deploy-token"]
stopwords = ["sandbox"]
)toml";

using Hit = std::pair<std::string, std::string>;  // rule id, path

std::set<Hit> hits(const ReportedScan& scan) {
  std::set<Hit> out;
  for (const auto& f : scan.findings) out.insert({f.rule_id, f.path});
  return out;
}

std::string alnum(std::size_t n, std::uint32_t seed) { return random_chars(kBase62, n, seed); }
std::string lower_alnum(std::size_t n, std::uint32_t seed) {
  return random_chars("abcdefghijklmnopqrstuvwxyz0123456789", n, seed);
}

}  // namespace

TEST_CASE("a gitleaks config's rules, allow-lists and [extend] behave as gitleaks documents", "[cli][gitleaks]") {
  TempDir tree;
  tree.write(".gitleaks.toml", kGitleaksConfig);
  const std::string deploy = "adt_" + alnum(32, 1), sandbox = "adt_Sandbox" + alnum(25, 2);
  const std::string db_password = alnum(18, 3), session = "ask_" + random_chars(kHexLower, 40, 4);
  const std::string yaml_token = lower_alnum(24, 5), env_secret = alnum(20, 6), pat = fake_github_pat(7);
  tree.write("src/deploy.sh", "export ADT=" + deploy + "\n");
  tree.write("src/sandbox.sh", "export ADT=" + sandbox + "\n");              // global list with targetRules
  tree.write("vendor/lib/deploy.sh", "ADT=" + deploy + "\n");                // old-style global [allowlist]
  tree.write("tests/fixture_tokens.sh", "ADT=" + deploy + "  # fixture\n");  // AND: path and line
  tree.write("tests/smoke.sh", "ADT=" + deploy + "\n");                      // AND: path alone is not enough
  tree.write("config/db.properties", "acme_db_password = " + db_password + "\n");
  tree.write("config/dev.properties", "acme_db_password = localdev" + alnum(10, 8) + "\n");  // stopword
  tree.write("config/weak.properties", "acme_db_password = abababababab\n");                 // entropy
  tree.write("app/session.conf", "ACME_SESSION_KEY=" + session + "\n");                      // keyword in another case
  tree.write("app/nokeyword.conf", "signing = " + session + "\n");                           // keyword gate
  tree.write("app/rotated.conf", "ACME_SESSION_KEY=" + session + "  # rotated 2024-05\n");
  tree.write("deploy/values.yaml", "service: api\nacme_token:\n    " + yaml_token + "\nreplicas: 2\n");
  tree.write("deploy/inline.yaml", "acme_token: " + yaml_token + "\n");  // not the block form (and the
                                                                         // generic rule is disabled)
  tree.write("prod.env", "ACME_SECRET=" + env_secret + "\n");
  tree.write("notes.txt", "ACME_SECRET=" + env_secret + "\n");  // rule path does not match
  tree.write("certs/client.P12", std::string("\x30\x82\x0a\x01\x02\x03", 6));
  tree.write("certs/README.md", "client.p12 is the test keystore\n");
  tree.write("src/app.py", "GITHUB_TOKEN = '" + pat + "'\n");                 // a default rule (useDefault)
  tree.write("src/slack.py", "SLACK = '" + fake_slack_bot_token(9) + "'\n");  // disabledRules

  const CliResult result =
      run_sprawl({"scan", ".", "--config", ".gitleaks.toml", "--format", "json", "--show-secrets"}, tree.path());
  INFO(result.err);
  CHECK(result.exit_code == 1);
  const ReportedScan scan = parse_report(result.out);
  const std::set<Hit> expected = {
      {"acme-deploy-token", "src/deploy.sh"},       {"acme-deploy-token", "tests/smoke.sh"},
      {"acme-db-credential", "config/db.properties"}, {"acme-session-key", "app/session.conf"},
      {"acme-yaml-token", "deploy/values.yaml"},    {"acme-env-secret", "prod.env"},
      {"pkcs12-keystore", "certs/client.P12"},      {"github-pat-classic", "src/app.py"},
  };
  CHECK(hits(scan) == expected);
  CHECK(scan.findings.size() == expected.size());
  CHECK(scan.dropped_allowlist == 5);                 // sandbox, vendor, fixture, localdev, rotated
  CHECK(with_secret(scan, db_password).size() == 1);  // secretGroup
  CHECK(with_secret(scan, yaml_token).size() == 1);
  CHECK(with_secret(scan, env_secret).size() == 1);
  const auto keystore = std::find_if(scan.findings.begin(), scan.findings.end(),
                                     [](const ReportedFinding& f) { return f.rule_id == "pkcs12-keystore"; });
  REQUIRE(keystore != scan.findings.end());
  CHECK(keystore->secret.empty());  // gitleaks reports the file itself
  CHECK(keystore->line == 0);
}

TEST_CASE("without useDefault a gitleaks config's rules replace the defaults", "[cli][gitleaks]") {
  TempDir tree;
  std::string config = kGitleaksConfig;
  config.replace(config.find("useDefault = true"), 17, "useDefault = false");
  tree.write("gitleaks.toml", config);
  tree.write("a.sh", "ADT=adt_" + alnum(32, 11) + "\nGH=" + fake_github_pat(12) + "\n");
  const ReportedScan scan =
      parse_report(run_sprawl({"scan", "a.sh", "-c", "gitleaks.toml", "--format", "json"}, tree.path()).out);
  CHECK(hits(scan) == std::set<Hit>{{"acme-deploy-token", "a.sh"}});
}

TEST_CASE("[extend] path builds on a shared gitleaks config next to the extending one", "[cli][gitleaks]") {
  TempDir tree;
  tree.write("policy/base.toml", kGitleaksConfig);
  tree.write("policy/team.toml",
             "[extend]\npath = \"base.toml\"\ndisabledRules = [\"acme-session-key\"]\n\n"
             "[[rules]]\nid = \"acme-deploy-token\"\n  [[rules.allowlists]]\n  paths = ['''^legacy/''']\n");
  const std::string session = "ask_" + random_chars(kHexLower, 40, 21), deploy = "adt_" + alnum(32, 22);
  tree.write("src/a.conf", "ACME_SESSION=" + session + "\nADT=" + deploy + "\n");
  tree.write("legacy/b.conf", "ADT=" + deploy + "\n");
  tree.write("src/c.py", "t = '" + fake_github_pat(23) + "'\n");
  const CliResult result = run_sprawl({"scan", ".", "-c", "policy/team.toml", "--format", "json"}, tree.path());
  INFO(result.err);
  const ReportedScan scan = parse_report(result.out);
  // The base's useDefault carries through; the team disables one rule and amends another.
  CHECK(hits(scan) == std::set<Hit>{{"acme-deploy-token", "src/a.conf"}, {"github-pat-classic", "src/c.py"}});
}

TEST_CASE("a broken [extend] path is an error that names the file", "[cli][gitleaks]") {
  TempDir tree;
  tree.write("a.txt", "nothing\n");
  tree.write("team.toml", "[extend]\npath = \"missing.toml\"\n");
  const CliResult result = run_sprawl({"scan", "a.txt", "-c", "team.toml"}, tree.path());
  CHECK(result.exit_code == 2);
  CHECK(result.err.find("missing.toml") != std::string::npos);
}
