// build_identities: findings → one identity per credential, parts joined, facts filled in.
#include <catch2/catch.hpp>

#include <random>

#include <algorithm>
#include <array>

#include "src/inventory/identity_builder.h"
#include "src/pipeline/scan_pipeline.h"
#include "tests/inventory/inventory_test_support.h"

using namespace sprawl;
using namespace sprawl::test;

namespace {

InventoryInputs inputs_at(const std::string& scan_time = "2025-06-01T00:00:00Z") {
  InventoryInputs inputs;
  inputs.scan_time = scan_time;
  return inputs;
}

/// A secret-key finding whose kept context holds `before` then the secret, as the scanner keeps it.
Finding with_context(Finding f, const std::string& before) {
  f.context.text = before + f.secret + "\n";
  f.context.match_start = static_cast<std::uint32_t>(before.size());
  f.context.match_end = static_cast<std::uint32_t>(before.size() + f.secret.size());
  return f;
}

/// Lines of: key id 1, its secret, key id 2, its secret.
using KeyPairLines = std::array<std::uint32_t, 4>;

/// Two AWS key pairs (key ids of `seed` and `seed + 1`) in one file: key id, secret, key id, secret.
std::vector<Finding> two_aws_pairs(std::uint32_t seed, const std::string& path, const KeyPairLines& lines) {
  return {finding_at("aws-access-key-id", fake_aws_key_id(seed), path, lines[0]),
          finding_at("aws-secret-access-key", fake_aws_secret(seed), path, lines[1]),
          finding_at("aws-access-key-id", fake_aws_key_id(seed + 1), path, lines[2]),
          finding_at("aws-secret-access-key", fake_aws_secret(seed + 1), path, lines[3])};
}

}  // namespace

TEST_CASE("the same secret in three places is one identity with three locations", "[inventory]") {
  const std::string token = fake_github_pat(1);
  const std::vector<Finding> findings{finding_at("github-pat-classic", token, "a/.env", 3),
                                      finding_at("github-pat-classic", token, "b/config.yml", 7),
                                      finding_at("github-pat-classic", token, "c/deploy.sh", 1)};
  const auto identities = build_identities(findings, inputs_at());
  REQUIRE(identities.size() == 1);
  const Identity& id = identities[0];
  CHECK(id.locations.size() == 3);
  CHECK(id.fingerprints == std::vector<std::string>{findings[0].fingerprint});
  CHECK(id.provider == "github");
  CHECK(id.id == identity_id({findings[0].fingerprint}));
  CHECK(id.id.size() == 16);
  CHECK(id.first_seen == "2025-06-01T00:00:00Z");  // plain files: the scan time
  CHECK(id.last_seen == "2025-06-01T00:00:00Z");
  CHECK(id.present);
}

TEST_CASE("an AWS key id and its secret key in one file are one identity named by the key id", "[inventory]") {
  const std::string key_id = fake_aws_key_id(2), secret = fake_aws_secret(2);
  Finding id_part = finding_at("aws-access-key-id", key_id, "deploy/.env", 1);
  id_part.validity.status = "format_valid";
  id_part.validity.identity = {{"account_id", "123456789012"}};
  const std::vector<Finding> findings{id_part, finding_at("aws-secret-access-key", secret, "deploy/.env", 2)};
  const auto identities = build_identities(findings, inputs_at());
  REQUIRE(identities.size() == 1);
  const Identity& id = identities[0];
  CHECK(id.fingerprints.size() == 2);
  CHECK(id.identifier == key_id);
  CHECK(id.provider == "aws");
  CHECK(id.locations.size() == 2);
  const auto has = [&](const std::string& k, const std::string& v) {
    return std::find(id.attributes.begin(), id.attributes.end(), std::make_pair(k, v)) != id.attributes.end();
  };
  CHECK(has("account_id", "123456789012"));
  CHECK(has("key_id", key_id));
  CHECK(id.id == identity_id({findings[1].fingerprint, findings[0].fingerprint}));
}

TEST_CASE("near miss: a key id and an unrelated secret key in different files stay two identities", "[inventory]") {
  const std::vector<Finding> findings{finding_at("aws-access-key-id", fake_aws_key_id(3), "a/.env", 1),
                                      finding_at("aws-secret-access-key", fake_aws_secret(3), "b/.env", 2)};
  CHECK(build_identities(findings, inputs_at()).size() == 2);
}

TEST_CASE("two AWS key pairs in one file pair each secret with its own key id", "[inventory]") {
  // Far apart; a ~/.aws/credentials with two profiles ([default] / key id / secret / [prod] /
  // key id / secret: the second secret is as near to the first key id as the first secret is);
  // and each secret written before its key id.
  const auto [seed, path, lines] = GENERATE(table<std::uint32_t, std::string, KeyPairLines>(
      {{4, "creds", {1, 2, 8, 9}}, {40, ".aws/credentials", {2, 3, 5, 6}}, {42, "vars.tf", {2, 1, 4, 3}}}));
  INFO(path);
  const std::vector<Finding> findings = two_aws_pairs(seed, path, lines);
  const auto identities = build_identities(findings, inputs_at());
  REQUIRE(identities.size() == 2);
  for (const auto& identity : identities) {
    const bool first = identity.identifier == fake_aws_key_id(seed);
    CHECK((first || identity.identifier == fake_aws_key_id(seed + 1)));
    std::vector<std::string> parts{findings[first ? 0 : 2].fingerprint, findings[first ? 1 : 3].fingerprint};
    std::sort(parts.begin(), parts.end());
    CHECK(identity.fingerprints == parts);
  }
}

TEST_CASE("interleaved pairs across many commits never chain credentials into one identity", "[inventory]") {
  // The same credentials file in 20 commits, each time with its pairs adjacent; in some commits
  // one key id is missing, so a nearest-only pairing would join its secret to the neighbour's key id. Every
  // identity must still hold one key id and at most one secret.
  std::vector<Finding> findings;
  for (int commit = 0; commit < 20; ++commit) {
    const std::string path = "creds-" + std::to_string(commit);
    for (std::uint32_t pair = 0; pair < 5; ++pair) {
      if ((commit + static_cast<int>(pair)) % 7 != 0)
        findings.push_back(finding_at("aws-access-key-id", fake_aws_key_id(50 + pair), path, 1 + pair * 2));
      findings.push_back(finding_at("aws-secret-access-key", fake_aws_secret(50 + pair), path, 2 + pair * 2));
    }
  }
  const auto identities = build_identities(findings, inputs_at());
  REQUIRE(identities.size() == 5);
  for (const auto& identity : identities) CHECK(identity.fingerprints.size() == 2);
}

TEST_CASE("the same identities come of the findings in any order", "[inventory]") {
  // Ties in pairing (two secret keys on one line, as near to the key id above them) are broken
  // the same way whatever order the findings come in (the first on the line wins), and every
  // identity comes out alike.
  std::vector<Finding> findings;
  for (int commit = 0; commit < 12; ++commit) {
    const std::string path = "creds-" + std::to_string(commit % 4);
    const std::string date = "2024-0" + std::to_string(1 + commit % 9) + "-01T00:00:00Z";
    findings.push_back(in_commit(finding_at("aws-access-key-id", fake_aws_key_id(80), path, 2), "repo", date));
    Finding first = in_commit(finding_at("aws-secret-access-key", fake_aws_secret(80), path, 4), "repo", date);
    Finding second = in_commit(finding_at("aws-secret-access-key", fake_aws_secret(81), path, 4), "repo", date);
    second.start.column = second.end.column = 60;
    findings.push_back(first);
    findings.push_back(second);
    findings.push_back(finding_at("github-pat-classic", fake_github_pat(static_cast<std::uint32_t>(commit % 5)),
                                  "notes-" + std::to_string(commit % 3) + ".md", 7));
  }
  std::stable_sort(findings.begin(), findings.end(), finding_order);
  const auto summary = [](const std::vector<Identity>& identities) {
    std::vector<std::string> out;
    for (const auto& identity : identities) {
      std::string line = identity.id + " " + identity.identifier + " risk " + std::to_string(identity.risk);
      for (const auto& fingerprint : identity.fingerprints) line += " " + fingerprint;
      for (const auto& location : identity.locations)
        line += " " + location.path + ":" + std::to_string(location.line) + "@" + location.commit_date;
      out.push_back(line);
    }
    return out;
  };
  const auto expected = summary(build_identities(findings, inputs_at()));
  REQUIRE(expected.size() == 7);  // the key id with the first secret key, the second alone, 5 tokens
  for (std::uint32_t seed : {1u, 2u, 3u, 4u}) {
    std::vector<Finding> shuffled = findings;
    std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(seed));
    CHECK(summary(build_identities(shuffled, inputs_at())) == expected);
  }
}

TEST_CASE("a key id and a secret key far apart in one file are not joined", "[inventory]") {
  const std::vector<Finding> findings{finding_at("aws-access-key-id", fake_aws_key_id(6), "big.txt", 1),
                                      finding_at("aws-secret-access-key", fake_aws_secret(6), "big.txt", 200)};
  CHECK(build_identities(findings, inputs_at()).size() == 2);
}

TEST_CASE("a secret key whose context names a key id found elsewhere joins that key id", "[inventory]") {
  const std::string key_id = fake_aws_key_id(7);
  const Finding secret = with_context(finding_at("aws-secret-access-key", fake_aws_secret(7), "ci/vars", 5),
                                      "aws_access_key_id = " + key_id + "\naws_secret_access_key = ");
  const std::vector<Finding> findings{finding_at("aws-access-key-id", key_id, "other/place", 40), secret};
  const auto identities = build_identities(findings, inputs_at());
  REQUIRE(identities.size() == 1);
  CHECK(identities[0].identifier == key_id);
}

TEST_CASE("a lone secret part is named by the identifier its context holds", "[inventory]") {
  SECTION("AWS secret key next to a key id no rule reported") {
    const std::string key_id = fake_aws_key_id(8);
    const auto ids = build_identities(
        {with_context(finding_at("aws-secret-access-key", fake_aws_secret(8), ".env", 2), "AKID=" + key_id + "\nKEY=")},
        inputs_at());
    REQUIRE(ids.size() == 1);
    CHECK(ids[0].identifier == key_id);
  }
  SECTION("Twilio auth token next to its account SID") {
    const std::string sid = "AC" + random_chars(kHexLower, 32, 9);
    const auto ids = build_identities(
        {with_context(finding_at("twilio-auth-token", random_chars(kHexLower, 32, 10), "twilio.env", 2),
                      "TWILIO_ACCOUNT_SID=" + sid + "\nTWILIO_AUTH_TOKEN=")},
        inputs_at());
    REQUIRE(ids.size() == 1);
    CHECK(ids[0].identifier == sid);
  }
}

TEST_CASE("a client secret is named by the client id beside it", "[inventory]") {
  const std::string secret = "GOCSPX-" + random_chars(kBase62, 28, 15);
  const auto ids = build_identities(
      {with_context(finding_at("gcp-oauth-client-secret", secret, "oauth.json", 3),
                    "{\n  \"client_id\": \"1234567890-abc.apps.googleusercontent.com\",\n  \"client_secret\": \"")},
      inputs_at());
  REQUIRE(ids.size() == 1);
  CHECK(ids[0].identifier == "1234567890-abc.apps.googleusercontent.com");
  CHECK(ids[0].attributes ==
        std::vector<std::pair<std::string, std::string>>{{"client_id", "1234567890-abc.apps.googleusercontent.com"}});
}

TEST_CASE("a temporary key id, its secret key and its session token are one identity", "[inventory]") {
  const std::string key_id = "ASIA" + random_chars(kUpperDigits, 16, 16);
  const std::vector<Finding> findings{finding_at("aws-access-key-id", key_id, "creds", 2),
                                      finding_at("aws-secret-access-key", fake_aws_secret(16), "creds", 3),
                                      finding_at("aws-session-token", random_chars(kBase62, 120, 17), "creds", 4)};
  const auto ids = build_identities(findings, inputs_at());
  REQUIRE(ids.size() == 1);
  CHECK(ids[0].fingerprints.size() == 3);
  CHECK(ids[0].identifier == key_id);
}

TEST_CASE("identifiers come from validity facts: user@host, service-account e-mail, JWT claims", "[inventory]") {
  Finding uri = finding_at("postgres-connection-uri", "postgres://app:pw@db.internal/app", "app.cfg");
  uri.validity.identity = {{"scheme", "postgres"}, {"user", "app"}, {"host", "db.internal"}};
  Finding jwt = finding_at("jwt", "eyJ.e30.sig", "token.txt");
  jwt.validity.identity = {{"alg", "HS256"}, {"iss", "https://issuer"}, {"sub", "svc-1"}};
  const auto ids = build_identities({uri, jwt}, inputs_at());
  REQUIRE(ids.size() == 2);
  std::vector<std::string> names{ids[0].identifier, ids[1].identifier};
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"app@db.internal", "iss=https://issuer sub=svc-1"});
}

TEST_CASE("first seen is the earliest introducing commit; presence is HEAD or the final image", "[inventory]") {
  const std::string token = fake_github_pat(11);
  const Finding old_one =
      in_commit(finding_at("github-pat-classic", token, "x.env"), "repo", "2023-02-01T10:00:00+02:00",
                /*at_head=*/false);
  const Finding new_one = in_commit(finding_at("github-pat-classic", token, "y.env"), "repo", "2024-01-01T00:00:00Z",
                                    /*at_head=*/false);
  auto ids = build_identities({new_one, old_one}, inputs_at());
  REQUIRE(ids.size() == 1);
  CHECK(ids[0].first_seen == "2023-02-01T10:00:00+02:00");
  CHECK(ids[0].locations[0].path == "x.env");
  CHECK(ids[0].locations[0].commit_date == "2023-02-01T10:00:00+02:00");
  CHECK(ids[0].locations[0].author == "Alice <Alice@example.com>");
  CHECK_FALSE(ids[0].present);

  Finding layer = finding_at("github-pat-classic", token, "img.tar@etc/app.env");
  layer.provenance.image = ImageProvenance{};
  layer.provenance.image->image = "img.tar";
  layer.provenance.image->reference = "app:1";
  layer.provenance.image->layer_digest = "sha256:abc";
  layer.provenance.image->path = "etc/app.env";
  layer.provenance.image->removed_in_layer = 3;
  ids = build_identities({layer}, inputs_at());
  CHECK(ids[0].locations[0].image == "app:1");
  CHECK(ids[0].locations[0].layer_digest == "sha256:abc");
  CHECK_FALSE(ids[0].present);
}

TEST_CASE("validity is the best known across parts and places, with when it was checked", "[inventory]") {
  const std::string token = fake_github_pat(12);
  Finding a = finding_at("github-pat-classic", token, "a");
  a.validity = {"unknown", "timeout", {}, "live", "2025-05-01T00:00:00Z"};
  Finding b = finding_at("github-pat-classic", token, "b");
  b.validity = {"valid", "ok", {{"login", "octo-bot"}}, "live", "2025-05-02T00:00:00Z"};
  Finding c = finding_at("github-pat-classic", token, "c");
  c.validity = {"format_valid", "crc", {}, "offline", ""};
  const auto ids = build_identities({a, b, c}, inputs_at());
  REQUIRE(ids.size() == 1);
  CHECK(ids[0].validity == "valid");
  CHECK(ids[0].validity_checked_at == "2025-05-02T00:00:00Z");
  CHECK(ids[0].identifier == "octo-bot");
  CHECK(validity_rank("valid") > validity_rank("invalid"));
  CHECK(validity_rank("invalid") > validity_rank("unknown"));
  CHECK(validity_rank("unknown") > validity_rank("format_valid"));
  CHECK(validity_rank("format_valid") > validity_rank(""));
}

TEST_CASE("suppressed findings are left out of the inventory", "[inventory]") {
  Finding f = finding_at("github-pat-classic", fake_github_pat(13), "a");
  f.suppressed = "baseline";
  CHECK(build_identities({f}, inputs_at()).empty());
}

TEST_CASE("owner: declared, else CODEOWNERS, else the introducing commit's author", "[inventory]") {
  const Finding f =
      in_commit(finding_at("github-pat-classic", fake_github_pat(14), "services/api/.env"), "repo", "2024-01-01");
  InventoryInputs inputs = inputs_at();
  auto ids = build_identities({f}, inputs);
  REQUIRE(ids[0].owner);
  CHECK(ids[0].owner->name == "Alice <Alice@example.com>");
  CHECK(ids[0].owner->source == "commit_author");

  inputs.codeowners["repo"] = parse_codeowners("* @org/all\n/services/api/ @org/api-team\n");
  ids = build_identities({f}, inputs);
  CHECK(ids[0].owner->name == "@org/api-team");
  CHECK(ids[0].owner->source == "codeowners");

  inputs.declared_owners[ids[0].id] = "platform@example.com";
  ids = build_identities({f}, inputs);
  CHECK(ids[0].owner->name == "platform@example.com");
  CHECK(ids[0].owner->source == "declared");
}

TEST_CASE("identities are ordered by risk, highest first, then by id", "[inventory]") {
  std::vector<Finding> findings;
  for (std::uint32_t seed = 20; seed < 26; ++seed) {
    Finding f = finding_at("github-pat-classic", fake_github_pat(seed), "f" + std::to_string(seed));
    f.validity.status = seed % 2 ? "valid" : "invalid";
    findings.push_back(f);
  }
  const auto ids = build_identities(findings, inputs_at());
  REQUIRE(ids.size() == 6);
  for (std::size_t i = 1; i < ids.size(); ++i) {
    CHECK(ids[i - 1].risk >= ids[i].risk);
    if (ids[i - 1].risk == ids[i].risk) CHECK(ids[i - 1].id < ids[i].id);
  }
  CHECK(ids.front().validity == "valid");
  CHECK(ids.back().validity == "invalid");
  auto reversed = findings;
  std::reverse(reversed.begin(), reversed.end());
  const auto again = build_identities(reversed, inputs_at());
  for (std::size_t i = 0; i < ids.size(); ++i) CHECK(again[i].id == ids[i].id);
}
