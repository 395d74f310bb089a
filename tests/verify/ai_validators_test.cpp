// Live checks of AI platform keys (OpenAI, Anthropic, Hugging Face, Cohere, Mistral, Groq, Together,
// DeepSeek, xAI, OpenRouter, Replicate, ElevenLabs, Pinecone, Tavily) against a fake server that
// answers as each provider documents; and that the secret travels only where the provider wants it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "src/rules/builtin_rules.h"
#include "src/verify/validator.h"
#include "tests/support/cli_runner.h"
#include "tests/support/fake_http_server.h"
#include "tests/support/fake_tokens.h"
#include "tests/support/findings_json.h"
#include "tests/support/temp_dir.h"
#include "tests/support/validator_harness.h"

using namespace sprawl::verify;
using namespace sprawl::test;

namespace {

// --- fake credentials, built at run time ----------------------------------------------------------

std::string b62(std::size_t n, std::uint32_t seed) { return random_chars(kBase62, n, seed); }
std::string hex(std::size_t n, std::uint32_t seed) { return random_chars(kHexLower, n, seed); }
std::string openai_project_key(std::uint32_t seed) { return std::string("sk-") + "proj-" + b62(100, seed); }
std::string openai_admin_key(std::uint32_t seed) { return std::string("sk-") + "admin-" + b62(100, seed); }
std::string anthropic_key(const std::string& kind, std::uint32_t seed) {
  return std::string("sk-") + "ant-" + kind + "-" + b62(93, seed) + "AA";
}
std::string hf_token(std::uint32_t seed) { return std::string("hf") + "_" + b62(34, seed); }

const FakeResponse kModelList = json_response(200, R"({"object":"list","data":[{"id":"model-a","object":"model"}]})");
const FakeResponse kOpenAiRejected = json_response(
    401,
    R"({"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}})");

}  // namespace

TEST_CASE("OpenAI key: organization from the headers, rejected, rate limited, malformed", "[verify][ai]") {
  const auto s = bearer_scenario(
      "openai-project-key", "openai", openai_project_key(51), "/v1/models",
      with_header(with_header(kModelList, "openai-organization", "org-acme"), "openai-project", "proj_abc"),
      kOpenAiRejected);
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "organization") == "org-acme");
  CHECK(identity_of(result, "project") == "proj_abc");
  CHECK(identity_of(result, "key_type") == "project");
  expect_documented_answers(s);
}

TEST_CASE("OpenAI 429 insufficient_quota is an authenticated key; a 403 for the region says nothing", "[verify][ai]") {
  const auto credential = credential_for("openai-project-key", "openai", openai_project_key(52));
  FakeHttpServer no_quota([](const FakeRequest&) {
    return json_response(
        429,
        R"({"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}})");
  });
  const auto quota = run_check("openai-project-key", credential, no_quota);
  CHECK(quota.status == LiveStatus::valid);
  CHECK(quota.http_status == 429);
  FakeHttpServer region([](const FakeRequest&) {
    return json_response(
        403,
        R"({"error":{"code":"unsupported_country_region_territory","message":"Country, region, or territory not supported"}})");
  });
  CHECK(run_check("openai-project-key", credential, region).status == LiveStatus::unknown);
  FakeHttpServer restricted([](const FakeRequest&) {
    return json_response(
        403,
        R"({"error":{"message":"You have insufficient permissions for this operation. Missing scopes: api.model.read."}})");
  });
  CHECK(run_check("openai-project-key", credential, restricted).status == LiveStatus::valid);
}

TEST_CASE("OpenAI admin key lists one project instead of models", "[verify][ai]") {
  const auto s = bearer_scenario(
      "openai-project-key", "openai", openai_admin_key(53), "/v1/organization/projects?limit=1",
      json_response(200, R"({"object":"list","data":[{"id":"proj_abc","object":"organization.project"}]})"),
      kOpenAiRejected);
  CHECK(identity_of(expect_accepted(s), "key_type") == "admin");
}

TEST_CASE("Anthropic key: model list with the API version, rejected, rate limited, malformed", "[verify][ai]") {
  const auto key = anthropic_key("api03", 54);
  Scenario s{
      "anthropic-api-key",
      credential_for("anthropic-api-key", "anthropic", key),
      "GET",
      "/v1/models",
      "x-api-key",
      key,
      json_response(
          200,
          R"({"data":[{"type":"model","id":"claude-sonnet-4-20250514"}],"has_more":false,"first_id":"claude-sonnet-4-20250514"})"),
      json_response(401, R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})")};
  expect_accepted(s);
  FakeHttpServer server([&](const FakeRequest&) { return s.accepted; });
  run_check(s.rule, s.credential, server);
  CHECK(server.requests().at(0).header("anthropic-version") == "2023-06-01");
  expect_documented_answers(s);
}

TEST_CASE("Anthropic admin key reads its organization", "[verify][ai]") {
  const auto key = anthropic_key("admin01", 55);
  Scenario s{
      "anthropic-admin-key",
      credential_for("anthropic-admin-key", "anthropic", key),
      "GET",
      "/v1/organizations/me",
      "x-api-key",
      key,
      json_response(200, R"({"id":"12345678-1234-5678-1234-567812345678","name":"Acme","type":"organization"})"),
      json_response(401, R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})")};
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "organization") == "12345678-1234-5678-1234-567812345678");
  CHECK(identity_of(result, "organization_name") == "Acme");
  expect_documented_answers(s);
}

TEST_CASE("Hugging Face token: user, orgs and token role", "[verify][ai]") {
  const auto s = bearer_scenario(
      "huggingface-access-token", "huggingface", hf_token(56), "/api/whoami-v2",
      json_response(
          200,
          R"({"type":"user","name":"ada","email":"ada@acme.example","orgs":[{"name":"acme-ml"},{"name":"acme-research"}],
        "auth":{"type":"access_token","accessToken":{"displayName":"ci","role":"fineGrained","fineGrained":{"global":["inference.serverless.write"]}}}})"),
      json_response(401, R"({"error":"Invalid credentials in Authorization header"})"));
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "name") == "ada");
  CHECK(identity_of(result, "orgs") == "acme-ml,acme-research");
  CHECK(identity_of(result, "role") == "fineGrained");
  CHECK(identity_of(result, "permissions") == "inference.serverless.write");
  expect_documented_answers(s);
}

TEST_CASE("Cohere key: check-api-key says valid or not", "[verify][ai]") {
  const auto key = b62(40, 57);
  Scenario s{"cohere-api-key",
             credential_for("cohere-api-key", "cohere", key),
             "POST",
             "/v1/check-api-key",
             "authorization",
             "Bearer " + key,
             json_response(200, R"({"valid":true,"organization_id":"org-1","owner_id":"user-1"})"),
             json_response(401, R"({"message":"invalid api token"})")};
  CHECK(identity_of(expect_accepted(s), "organization") == "org-1");
  expect_documented_answers(s);
  FakeHttpServer server([](const FakeRequest&) { return json_response(200, R"({"valid":false})"); });
  CHECK(run_check(s.rule, s.credential, server).status == LiveStatus::invalid);
}

TEST_CASE("Mistral, Groq and Together keys: their model lists", "[verify][ai]") {
  const auto unauthorized =
      json_response(401, R"({"error":{"message":"Invalid API Key","type":"invalid_request_error"}})");
  const auto mistral =
      bearer_scenario("mistral-api-key", "mistral", b62(32, 58), "/v1/models", kModelList, unauthorized);
  expect_accepted(mistral);
  expect_documented_answers(mistral);
  const auto groq = bearer_scenario("groq-api-key", "groq", std::string("gs") + "k_" + b62(52, 59), "/openai/v1/models",
                                    kModelList, unauthorized);
  expect_accepted(groq);
  expect_documented_answers(groq);
  const auto together =
      bearer_scenario("together-api-key", "together", std::string("tgp") + "_v1_" + b62(48, 60), "/v1/models",
                      json_response(200, R"([{"id":"meta-llama/Llama-3-8b","object":"model"}])"), unauthorized);
  expect_accepted(together);
  expect_documented_answers(together);
}

TEST_CASE("DeepSeek key: the balance endpoint", "[verify][ai]") {
  const auto s = bearer_scenario(
      "deepseek-api-key", "deepseek", "sk-" + hex(32, 61), "/user/balance",
      json_response(200, R"({"is_available":true,"balance_infos":[{"currency":"USD","total_balance":"5.00"}]})"),
      json_response(
          401,
          R"({"error":{"message":"Authentication Fails, Your api key is invalid","type":"authentication_error"}})"));
  CHECK(identity_of(expect_accepted(s), "is_available") == "true");
  expect_documented_answers(s);
}

TEST_CASE("xAI key: name and ACLs; blocked keys and 400 answers are invalid", "[verify][ai]") {
  const auto s = bearer_scenario(
      "xai-api-key", "xai", std::string("xa") + "i-" + b62(80, 62), "/v1/api-key",
      json_response(
          200,
          R"({"redacted_api_key":"xai-...b14o","user_id":"u-1","name":"ci key","team_id":"t-1","acls":["api-key:model:*","api-key:endpoint:*"],
        "api_key_id":"k-1","team_blocked":false,"api_key_blocked":false,"api_key_disabled":false})"),
      json_response(
          400,
          R"({"code":"Client specified an invalid argument","error":"Incorrect API key provided: xa***4o. You can obtain an API key from https://console.x.ai."})"));
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "name") == "ci key");
  CHECK(identity_of(result, "acls") == "api-key:model:*,api-key:endpoint:*");
  CHECK(identity_of(result, "team") == "t-1");
  expect_documented_answers(s);
  FakeHttpServer blocked([](const FakeRequest&) {
    return json_response(
        200,
        R"({"api_key_id":"k-1","name":"old","api_key_blocked":true,"api_key_disabled":false,"team_blocked":false})");
  });
  CHECK(run_check(s.rule, s.credential, blocked).status == LiveStatus::invalid);
}

TEST_CASE("OpenRouter key: limits and usage, never the label that repeats the key", "[verify][ai]") {
  const auto s = bearer_scenario(
      "openrouter-api-key", "openrouter", std::string("sk-") + "or-v1-" + hex(64, 63), "/api/v1/key",
      json_response(
          200,
          R"({"data":{"label":"sk-or-v1-de6...b88","limit":100,"limit_remaining":74.5,"usage":25.5,"is_free_tier":false}})"),
      json_response(401, R"({"error":{"message":"User not found.","code":401}})"));
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "limit") == "100");
  CHECK(identity_of(result, "free_tier") == "false");
  for (const auto& [key, value] : result.identity) CHECK(value.find("sk-or-") == std::string::npos);
  expect_documented_answers(s);
}

TEST_CASE("Replicate token: the account", "[verify][ai]") {
  const auto s = bearer_scenario(
      "replicate-api-token", "replicate", std::string("r8") + "_" + b62(37, 64), "/v1/account",
      json_response(200, R"({"type":"organization","username":"acme","name":"Acme","github_url":null})"),
      json_response(
          401, R"({"title":"Unauthenticated","detail":"You did not pass a valid authentication token","status":401})"));
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "username") == "acme");
  CHECK(identity_of(result, "type") == "organization");
  expect_documented_answers(s);
}

TEST_CASE("ElevenLabs key: the user; a key without user_read is still recognised", "[verify][ai]") {
  const auto key = std::string("sk") + "_" + hex(48, 65);
  Scenario s{"elevenlabs-api-key",
             credential_for("elevenlabs-api-key", "elevenlabs", key),
             "GET",
             "/v1/user",
             "xi-api-key",
             key,
             json_response(200, R"({"user_id":"u-42","subscription":{"tier":"creator"}})"),
             json_response(401, R"({"detail":{"status":"invalid_api_key","message":"Invalid API key"}})")};
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "tier") == "creator");
  expect_documented_answers(s);
  FakeHttpServer restricted([](const FakeRequest&) {
    return json_response(
        401,
        R"({"detail":{"status":"missing_permissions","message":"The API key you used is missing the permission user_read"}})");
  });
  CHECK(run_check(s.rule, s.credential, restricted).status == LiveStatus::valid);
}

TEST_CASE("Pinecone key: the project's index names", "[verify][ai]") {
  const auto key = std::string("pcs") + "k_" + b62(6, 66) + "_" + b62(60, 67);
  Scenario s{"pinecone-api-key",
             credential_for("pinecone-api-key", "pinecone", key),
             "GET",
             "/indexes",
             "api-key",
             key,
             json_response(200, R"({"indexes":[{"name":"docs","dimension":1536},{"name":"faq","dimension":768}]})"),
             json_response(401, R"({"error":{"code":"UNAUTHENTICATED","message":"Invalid API Key"},"status":401})")};
  CHECK(identity_of(expect_accepted(s), "indexes") == "docs,faq");
  expect_documented_answers(s);
  FakeHttpServer empty([](const FakeRequest&) { return json_response(200, R"({"indexes":[]})"); });
  CHECK(run_check(s.rule, s.credential, empty).status == LiveStatus::valid);
}

TEST_CASE("Tavily key: plan and usage", "[verify][ai]") {
  const auto s = bearer_scenario(
      "tavily-api-key", "tavily", std::string("tv") + "ly-" + b62(32, 68), "/usage",
      json_response(200,
                    R"({"key":{"usage":150,"limit":1000},"account":{"current_plan":"Researcher","plan_usage":150}})"),
      json_response(401, R"({"detail":{"error":"Unauthorized: missing or invalid API key."}})"));
  const auto result = expect_accepted(s);
  CHECK(identity_of(result, "plan") == "Researcher");
  CHECK(identity_of(result, "key_limit") == "1000");
  expect_documented_answers(s);
}

TEST_CASE("AI validators serve only checkable rules", "[verify][ai]") {
  for (const char* rule :
       {"openai-api-key", "openai-project-key", "anthropic-api-key", "anthropic-admin-key", "huggingface-access-token",
        "huggingface-org-token", "cohere-api-key", "mistral-api-key", "groq-api-key", "together-api-key",
        "together-api-key-legacy", "deepseek-api-key", "xai-api-key", "openrouter-api-key", "replicate-api-token",
        "elevenlabs-api-key", "pinecone-api-key", "pinecone-api-key-legacy", "tavily-api-key"})
    CHECK(validator_for(rule) != nullptr);
  check_served_rules({"openai", "anthropic", "huggingface", "cohere", "mistral", "groq", "together", "deepseek", "xai",
                      "openrouter", "replicate", "elevenlabs", "pinecone", "tavily"},
                     {"perplexity-api-key", "nvidia-api-key", "azure-openai-api-key", "langsmith-api-key"});
}

TEST_CASE("scan --validate checks OpenAI, Anthropic and Hugging Face keys against their stand-ins",
          "[cli][validate][verify][ai]") {
  const auto openai_key = openai_project_key(71), anthropic_revoked = anthropic_key("api03", 72), hf = hf_token(73);
  FakeHttpServer openai([&](const FakeRequest& r) {
    if (r.path == "/v1/models" && r.header("authorization") == "Bearer " + openai_key)
      return with_header(kModelList, "openai-organization", "org-acme");
    return kOpenAiRejected;
  });
  FakeHttpServer anthropic([](const FakeRequest&) {
    return json_response(401,
                         R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})");
  });
  FakeHttpServer huggingface([&](const FakeRequest& r) {
    if (r.path == "/api/whoami-v2" && r.header("authorization") == "Bearer " + hf)
      return json_response(200, R"({"type":"user","name":"ada","auth":{"accessToken":{"role":"read"}}})");
    return json_response(401, R"({"error":"Invalid credentials in Authorization header"})");
  });
  sprawl::test::TempDir dir;
  dir.write("app/.env",
            "OPENAI_API_KEY=" + openai_key + "\nANTHROPIC_API_KEY=" + anthropic_revoked + "\nHF_TOKEN=" + hf + "\n");
  const auto scan = scan_validating(dir.path(), {{"SPRAWL_ENDPOINT_OPENAI", openai.base_url()},
                                                 {"SPRAWL_ENDPOINT_ANTHROPIC", anthropic.base_url()},
                                                 {"SPRAWL_ENDPOINT_HUGGINGFACE", huggingface.base_url()}});
  const auto o = sprawl::test::with_secret(scan, openai_key), a = sprawl::test::with_secret(scan, anthropic_revoked),
             h = sprawl::test::with_secret(scan, hf);
  REQUIRE(o.size() == 1);
  REQUIRE(a.size() == 1);
  REQUIRE(h.size() == 1);
  CHECK(o[0].validity_status == "valid");
  CHECK(o[0].validity_method == "live");
  CHECK(o[0].identity_of("organization") == "org-acme");
  CHECK(a[0].validity_status == "invalid");
  CHECK(h[0].validity_status == "valid");
  CHECK(h[0].identity_of("name") == "ada");
  CHECK(openai.requests().size() == 1);
  CHECK(anthropic.requests().size() == 1);
  CHECK(huggingface.requests().size() == 1);
}
