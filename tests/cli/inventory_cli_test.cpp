// End-to-end: `scan --datastore` twice over an evolving repository, then `sprawl inventory`
// (list, filters, show, diff) and `sprawl triage` — first/last seen, presence, a rotated
// secret, owners from CODEOWNERS and commit authors, triage surviving a rescan, `--inventory`,
// and a corrupt or newer datastore refused without being touched.
#include <catch2/catch.hpp>

#include <simdjson.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <string>

#include "src/report/redact.h"
#include "tests/store/store_fixtures.h"
#include "tests/support/cli_runner.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/git_repo.h"
#include "tests/support/temp_dir.h"

using namespace sprawl::test;

namespace {

CliResult sprawl_in(const std::string& cwd, const std::vector<std::string>& args) {
  return run_sprawl_env(args, {{"GIT_CONFIG_GLOBAL", "/dev/null"}, {"GIT_CONFIG_NOSYSTEM", "1"}}, cwd);
}

struct Listed {
  std::string id, provider, validity, owner, owner_source, first_seen, triage;
  bool present = false;
  std::size_t locations = 0;
  std::vector<std::string> policies, environments;
};

std::vector<Listed> list_inventory(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json);
  std::vector<Listed> out;
  for (simdjson::dom::element i : root["identities"].get_array()) {
    Listed l;
    l.id = std::string(std::string_view(i["id"]));
    l.provider = std::string(std::string_view(i["provider"]));
    l.validity = std::string(std::string_view(i["validity"]));
    l.first_seen = std::string(std::string_view(i["first_seen"]));
    l.present = bool(i["present"]);
    simdjson::dom::element owner;
    if (i["owner"].get(owner) == simdjson::SUCCESS) {
      l.owner = std::string(std::string_view(owner["name"]));
      l.owner_source = std::string(std::string_view(owner["source"]));
    }
    simdjson::dom::element triage;
    if (i["triage"].get(triage) == simdjson::SUCCESS) l.triage = std::string(std::string_view(triage["status"]));
    l.locations = simdjson::dom::array(i["locations"]).size();
    for (simdjson::dom::element p : i["policies"].get_array()) l.policies.emplace_back(std::string_view(p["id"]));
    for (simdjson::dom::element e : i["environments"].get_array()) l.environments.emplace_back(std::string_view(e));
    out.push_back(l);
  }
  return out;
}

const Listed* by_provider(const std::vector<Listed>& rows, const std::string& provider) {
  for (const auto& r : rows)
    if (r.provider == provider) return &r;
  return nullptr;
}

}  // namespace

TEST_CASE("Two scans of an evolving repository: first/last seen, presence, diff and triage across rescans",
          "[cli][inventory]") {
  TempDir dir;
  GitRepo repo(dir.path() + "/repo");
  const std::string github = fake_github_pat(801), stripe = fake_stripe_live_key(802);
  const std::string slack_old = fake_slack_bot_token(803), slack_new = fake_slack_bot_token(804);
  repo.write("CODEOWNERS", "/services/billing/ @acme/billing\n");
  repo.write("services/billing/config/prod.env", "STRIPE_SECRET_KEY=" + stripe + "\n");
  repo.write("deploy/ci.env", "GITHUB_TOKEN=" + github + "\n");
  repo.write("chat/bot.yaml", "bot_token: " + slack_old + "\n");
  repo.commit("first services", "Dana Dev", "dana@example.com");
  const std::string store = dir.path() + "/inventory.db";

  auto first = sprawl_in(dir.path(), {"scan", "repo", "--datastore", store, "--format", "json"});
  INFO(first.err);
  REQUIRE(first.exit_code == 1);
  CHECK(first.err.find("datastore") != std::string::npos);
  auto rows = list_inventory(sprawl_in(dir.path(), {"inventory", "--datastore", store, "-f", "json"}).out);
  REQUIRE(rows.size() == 3);
  const Listed* billing = by_provider(rows, "stripe");
  REQUIRE(billing);
  CHECK(billing->owner == "@acme/billing");
  CHECK(billing->owner_source == "codeowners");
  CHECK(billing->environments == std::vector<std::string>{"prod"});
  const Listed* ci = by_provider(rows, "github");
  REQUIRE(ci);
  CHECK(ci->owner == "Dana Dev <dana@example.com>");
  CHECK(ci->owner_source == "commit_author");
  CHECK(ci->present);
  CHECK(std::find(ci->policies.begin(), ci->policies.end(), "NHI2") != ci->policies.end());
  const std::string github_id = ci->id;

  // The GitHub token is triaged; then it is deleted, and the Slack token rotated.
  CHECK(sprawl_in(dir.path(), {"triage", github_id.substr(0, 8), "--status", "revoked", "--note", "revoked on 11/29",
                               "--datastore", store})
            .exit_code == 0);
  repo.remove("deploy/ci.env");
  repo.write("chat/bot.yaml", "bot_token: " + slack_new + "\n");
  repo.commit("remove CI token, rotate the bot token", "Sam Ops", "sam@example.com");
  auto second = sprawl_in(dir.path(), {"scan", "repo", "--datastore", store, "--format", "json"});
  REQUIRE(second.exit_code == 1);

  rows = list_inventory(sprawl_in(dir.path(), {"inventory", "--datastore", store, "-f", "json"}).out);
  REQUIRE(rows.size() == 4);  // no duplicates: the new Slack token is the only new identity
  ci = nullptr;
  for (const auto& r : rows)
    if (r.id == github_id) ci = &r;
  REQUIRE(ci);
  CHECK_FALSE(ci->present);        // only in history now
  CHECK(ci->triage == "revoked");  // triage survives the rescan
  CHECK(ci->locations == 1);
  std::size_t slack_present = 0, slack_gone = 0;
  for (const auto& r : rows)
    if (r.provider == "slack") (r.present ? slack_present : slack_gone)++;
  CHECK(slack_present == 1);
  CHECK(slack_gone == 1);

  // The diff since the first scan names the new token.
  const auto diff = sprawl_in(dir.path(), {"inventory", "diff", "--since", "1", "--datastore", store});
  INFO(diff.out);
  CHECK(diff.exit_code == 0);
  CHECK(diff.out.find("New since scan 1 (1)") != std::string::npos);

  // Filters and the detail view.
  const auto only_stripe = list_inventory(
      sprawl_in(dir.path(), {"inventory", "--datastore", store, "-f", "json", "--provider", "stripe"}).out);
  REQUIRE(only_stripe.size() == 1);
  CHECK(
      list_inventory(sprawl_in(dir.path(), {"inventory", "--datastore", store, "-f", "json", "--owner", "billing"}).out)
          .size() == 1);
  CHECK(
      list_inventory(sprawl_in(dir.path(), {"inventory", "--datastore", store, "-f", "json", "--min-risk", "100"}).out)
          .empty());
  const auto show = sprawl_in(dir.path(), {"inventory", "show", github_id, "--datastore", store});
  CHECK(show.exit_code == 0);
  CHECK(show.out.find("deploy/ci.env") != std::string::npos);
  CHECK(show.out.find("Triage:      revoked") != std::string::npos);
  CHECK(show.out.find("Remediation:") != std::string::npos);

  // No raw secret anywhere in the datastore or the listings.
  const std::string bytes = read_text(store);
  for (const auto& secret : {github, stripe, slack_old, slack_new}) {
    CHECK(bytes.find(secret) == std::string::npos);
    CHECK(read_text(store + "-wal").find(secret) == std::string::npos);
  }
}

TEST_CASE("scan --inventory prints one row per credential: a key id and its secret are one identity",
          "[cli][inventory]") {
  TempDir dir;
  const std::string key_id = fake_aws_key_id(811);
  const std::string secret = random_chars(kBase62, 40, 812);
  dir.write("app/.aws/config.ini",
            "[default]\naws_access_key_id = " + key_id + "\naws_secret_access_key = " + secret + "\n");
  const auto result = run_sprawl({"scan", dir.path(), "--inventory"});
  INFO(result.out);
  CHECK(result.exit_code == 1);
  CHECK(result.out.find("1 identity") != std::string::npos);
  CHECK(result.out.find(key_id) != std::string::npos);  // the key id is the identifier (not a secret)
  CHECK(result.out.find(secret) == std::string::npos);
}

TEST_CASE("two AWS profiles, and the same keys with each secret before its key id, are two identities",
          "[cli][inventory]") {
  TempDir dir;
  const std::string id1 = fake_aws_key_id(831), id2 = fake_aws_key_id(832);
  const std::string secret1 = random_chars(kBase62, 40, 833), secret2 = random_chars(kBase62, 40, 834);
  dir.write("home/.aws/credentials", "[default]\naws_access_key_id = " + id1 + "\naws_secret_access_key = " + secret1 +
                                         "\n[deploy]\naws_access_key_id = " + id2 +
                                         "\naws_secret_access_key = " + secret2 + "\n");
  dir.write("ci/vars.sh", "export AWS_SECRET_ACCESS_KEY=" + secret1 + "\nexport AWS_ACCESS_KEY_ID=" + id1 +
                              "\nexport AWS_SECRET_ACCESS_KEY=" + secret2 + "\nexport AWS_ACCESS_KEY_ID=" + id2 + "\n");
  const std::string store = dir.path() + "/inventory.db";
  const auto scanned = run_sprawl({"scan", dir.path() + "/home", dir.path() + "/ci", "--datastore", store});
  INFO(scanned.out << scanned.err);
  CHECK(scanned.exit_code == 1);
  const auto listed = run_sprawl({"inventory", "--datastore", store, "-f", "json"});
  REQUIRE(listed.exit_code == 0);
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(listed.out);
  std::vector<std::string> identifiers;
  for (simdjson::dom::element i : root["identities"].get_array()) {
    identifiers.emplace_back(std::string_view(i["identifier"]));
    CHECK(simdjson::dom::array(i["fingerprints"]).size() == 2);  // key id + secret, nothing chained
    CHECK(simdjson::dom::array(i["locations"]).size() == 4);     // two files, two lines each
  }
  std::sort(identifiers.begin(), identifiers.end());
  std::vector<std::string> expected{id1, id2};
  std::sort(expected.begin(), expected.end());
  CHECK(identifiers == expected);
}

TEST_CASE("A corrupt or newer datastore is refused and left as it was", "[cli][inventory]") {
  TempDir dir;
  dir.write("a.env", "GITHUB_TOKEN=" + fake_github_pat(821) + "\n");
  const std::string junk = dir.write("junk.db", std::string(4096, 'x'));
  const auto corrupt = run_sprawl({"scan", dir.path() + "/a.env", "--datastore", junk, "--format", "json"});
  CHECK(corrupt.exit_code == 1);  // the finding still fails the gate; the report is still written
  CHECK(corrupt.err.find("junk.db") != std::string::npos);
  CHECK(read_text(junk) == std::string(4096, 'x'));
  const auto listed = run_sprawl({"inventory", "--datastore", junk});
  CHECK(listed.exit_code == 2);
  CHECK(listed.err.find("junk.db") != std::string::npos);
  const auto missing = run_sprawl({"inventory", "--datastore", dir.path() + "/none.db"});
  CHECK(missing.exit_code == 2);
}

namespace {

// The policy ids of the identity whose location path ends with `path`, from `scan --inventory
// --datastore` then `inventory -f json`.
std::vector<std::string> policies_at(const std::vector<Listed>& rows, const std::string& json,
                                     const std::string& path) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json);
  for (simdjson::dom::element i : root["identities"].get_array())
    for (simdjson::dom::element l : i["locations"].get_array()) {
      const std::string_view p = l["path"];
      if (p.size() >= path.size() && p.substr(p.size() - path.size()) == path) {
        std::vector<std::string> out;
        for (simdjson::dom::element f : i["policies"].get_array()) out.emplace_back(std::string_view(f["id"]));
        return out;
      }
    }
  (void)rows;
  return {"(not found)"};
}

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

TEST_CASE("Each NHI policy fires through the CLI on the case built for it and not on its near miss",
          "[cli][inventory][policies]") {
  TempDir dir;
  GitRepo old_repo(dir.path() + "/legacy");
  const std::string old_token = fake_github_pat(831), fresh_token = fake_github_pat(832);
  old_repo.write("deploy/old.env", "GITHUB_TOKEN=" + old_token + "\n");
  old_repo.commit("old token", "Olga Old", "olga@example.com", "2020-01-02T03:04:05+00:00");
  old_repo.write("deploy/fresh.env", "GITHUB_TOKEN=" + fresh_token + "\n");
  const std::time_t now = std::time(nullptr);
  char today[32];
  std::strftime(today, sizeof today, "%Y-%m-%dT%H:%M:%S+00:00", std::gmtime(&now));
  old_repo.commit("fresh token", "Fred Fresh", "fred@example.com", today);

  // Reuse and environments: one Stripe key in prod and dev of two services, another in dev twice.
  const std::string shared = fake_stripe_live_key(833), dev_only = fake_stripe_live_key(834);
  dir.write("tree/services/billing/config/prod/app.env", "STRIPE_SECRET_KEY=" + shared + "\n");
  dir.write("tree/services/checkout/config/dev/app.env", "STRIPE_SECRET_KEY=" + shared + "\n");
  dir.write("tree/services/billing/config/dev/a.env", "STRIPE_SECRET_KEY=" + dev_only + "\n");
  dir.write("tree/services/billing/config/dev/b.env", "STRIPE_SECRET_KEY=" + dev_only + "\n");
  // Human use: a machine token in a shell history, and the near miss in a deploy script.
  const std::string history = fake_slack_bot_token(835), script = fake_slack_bot_token(836);
  dir.write("tree/home/ops/.bash_history", "curl -H 'Authorization: Bearer " + history + "' https://slack.com/api\n");
  dir.write("tree/scripts/deploy.sh", "SLACK_BOT_TOKEN=" + script + "\n");

  const std::string store = dir.path() + "/nhi.db";
  const auto scan = sprawl_in(dir.path(), {"scan", "legacy", "tree", "--datastore", store, "--format", "json"});
  INFO(scan.err);
  REQUIRE(scan.exit_code == 1);
  const std::string json = sprawl_in(dir.path(), {"inventory", "--datastore", store, "-f", "json"}).out;
  const auto rows = list_inventory(json);

  CHECK(has(policies_at(rows, json, "deploy/old.env"), "NHI7"));          // first seen in 2020
  CHECK_FALSE(has(policies_at(rows, json, "deploy/fresh.env"), "NHI7"));  // committed today
  const auto shared_flags = policies_at(rows, json, "billing/config/prod/app.env");
  CHECK(has(shared_flags, "NHI9"));  // two services
  CHECK(has(shared_flags, "NHI8"));  // prod and dev
  const auto dev_flags = policies_at(rows, json, "billing/config/dev/a.env");
  CHECK_FALSE(has(dev_flags, "NHI8"));  // dev and dev
  CHECK_FALSE(has(dev_flags, "NHI9"));  // one service
  CHECK(has(policies_at(rows, json, ".bash_history"), "NHI10"));
  CHECK_FALSE(has(policies_at(rows, json, "scripts/deploy.sh"), "NHI10"));
  for (const auto& r : rows) CHECK(has(r.policies, "NHI2"));  // every identity found is leaked

  // --policy filters on it, by id or by name.
  CHECK(
      list_inventory(sprawl_in(dir.path(), {"inventory", "--datastore", store, "-f", "json", "--policy", "NHI10"}).out)
          .size() == 1);
  CHECK(list_inventory(
            sprawl_in(dir.path(), {"inventory", "--datastore", store, "-f", "json", "--policy", "long-lived"}).out)
            .size() >= 1);
  // diff --since a date before the first scan: that scan does not exist yet, so it is an error.
  const auto early = sprawl_in(dir.path(), {"inventory", "diff", "--since", "2001-01-01", "--datastore", store});
  CHECK(early.exit_code == 2);
}

TEST_CASE("scan --datastore stores each part's redacted preview, and its secret only with --store-secrets",
          "[cli][inventory]") {
  // The preview and the secret come from each identity's own findings, handed over by the builder.
  TempDir dir;
  const std::string github = fake_github_pat(811), stripe = fake_stripe_live_key(812);
  dir.write("src/app/settings.env", "GITHUB_TOKEN=" + github + "\nSTRIPE_KEY=" + stripe + "\n");
  dir.write("src/app/copy.env", "STRIPE_KEY=" + stripe + "\n");
  const std::string plain = dir.path() + "/plain.db", kept = dir.path() + "/kept.db";
  REQUIRE(sprawl_in(dir.path(), {"scan", "src", "--datastore", plain, "-o", "/dev/null"}).exit_code == 1);
  REQUIRE(sprawl_in(dir.path(), {"scan", "src", "--datastore", kept, "--store-secrets", "-o", "/dev/null"}).exit_code ==
          1);
  for (const std::string& path : {plain, kept}) {
    INFO(path);
    RawDb raw(path);
    CHECK(raw.integer("SELECT count(*) FROM identity_parts") == 2);
    CHECK(raw.text("SELECT preview FROM identity_parts WHERE preview LIKE 'ghp%'") == sprawl::redact_secret(github));
    CHECK(raw.text("SELECT preview FROM identity_parts WHERE preview LIKE 'sk%'") == sprawl::redact_secret(stripe));
    const auto rows = raw.locations();
    REQUIRE(rows);
    CHECK(rows->size() == 3);
  }
  CHECK(RawDb(plain).integer("SELECT count(*) FROM identity_parts WHERE secret IS NOT NULL") == 0);
  RawDb raw(kept);
  CHECK(raw.text("SELECT secret FROM identity_parts WHERE preview LIKE 'ghp%'") == github);
  CHECK(raw.text("SELECT secret FROM identity_parts WHERE preview LIKE 'sk%'") == stripe);
}

TEST_CASE("scan --datastore tells the environment from the variable name, without --validate", "[cli][inventory]") {
  // The path names no environment: only the text before each secret on its line does.
  TempDir dir;
  const std::string prod = fake_stripe_live_key(821), staging = fake_github_pat(822), none = fake_slack_bot_token(823);
  dir.write("src/app/settings.env", "PROD_STRIPE_KEY=" + prod + "\nexport stagingGithubToken = \"" + staging +
                                        "\"\nPRODUCT_SLACK_TOKEN=" + none + "\n");
  const std::string store = dir.path() + "/inventory.db";
  REQUIRE(sprawl_in(dir.path(), {"scan", "src", "--datastore", store, "-o", "/dev/null"}).exit_code == 1);
  auto listed = sprawl_in(dir.path(), {"inventory", "--datastore", store, "--format", "json"});
  REQUIRE(listed.exit_code == 0);
  const auto rows = list_inventory(listed.out);
  REQUIRE(rows.size() == 3);
  CHECK(by_provider(rows, "stripe")->environments == std::vector<std::string>{"prod"});
  CHECK(by_provider(rows, "github")->environments == std::vector<std::string>{"staging"});
  CHECK(by_provider(rows, "slack")->environments.empty());  // "product" is not "prod"
}

TEST_CASE("a secret still at HEAD takes the environment its branch names; one only in history does not",
          "[cli][inventory]") {
  TempDir dir;
  GitRepo repo(dir.path() + "/repo");
  const std::string current = fake_stripe_live_key(831), gone = fake_slack_bot_token(832);
  repo.write("config/app.env", "TOKEN=" + current + "\n");
  repo.write("config/old.env", "TOKEN=" + gone + "\n");
  repo.commit("settings");
  repo.remove("config/old.env");
  repo.commit("drop the old settings");
  const std::string store = dir.path() + "/inventory.db";
  const auto environments = [&](const std::string& branch) {
    repo.git({"checkout", "-q", "-B", branch});
    std::filesystem::remove(store);
    REQUIRE(sprawl_in(dir.path(), {"scan", "repo", "--datastore", store, "-o", "/dev/null"}).exit_code == 1);
    auto listed = sprawl_in(dir.path(), {"inventory", "--datastore", store, "--format", "json"});
    REQUIRE(listed.exit_code == 0);
    const auto rows = list_inventory(listed.out);
    REQUIRE(rows.size() == 2);
    return std::make_pair(by_provider(rows, "stripe")->environments, by_provider(rows, "slack")->environments);
  };
  const auto [on_release, gone_on_release] = environments("release/prod");
  CHECK(on_release == std::vector<std::string>{"prod"});
  CHECK(gone_on_release.empty());  // history says no branch
  const auto [on_main, gone_on_main] = environments("main");
  CHECK(on_main.empty());
  CHECK(gone_on_main.empty());
}
