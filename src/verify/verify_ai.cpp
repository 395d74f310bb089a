// Live checks for AI platform keys: OpenAI, Anthropic, Hugging Face, Cohere, Mistral, Groq,
// Together, DeepSeek, xAI, OpenRouter, Replicate, ElevenLabs, Pinecone and Tavily. Each is one
// read-only request (model list, key info, account, balance); never a completion, never a cost.
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/verify/families.h"
#include "src/verify/http_validation.h"
#include "src/verify/response_json.h"

namespace sprawl::verify {
namespace {

/// Whether `body` has an array at `key` that is empty or whose first element has `member`.
bool has_list(std::string_view body, std::string_view key, std::string_view member) {
  return json_field(body, {key}) == "" || json_field(body, {key, "0", member}).has_value();
}

/// The `name` values of the first `limit` objects of the array at `array` in `body`, joined.
std::string names_in(std::string_view body, std::string_view array, std::string_view name, int limit = 20) {
  std::string joined;
  for (int i = 0; i < limit; ++i) {
    const auto value = json_field(body, {array, std::to_string(i), name});
    if (!value) break;
    joined += (joined.empty() ? "" : ",") + *value;
  }
  return joined;
}

// --- OpenAI ------------------------------------------------------------------------------------

/// What an OpenAI key is, from its prefix.
std::string openai_key_kind(std::string_view key) {
  if (key.substr(0, 8) == "sk-proj-") return "project";
  if (key.substr(0, 11) == "sk-svcacct-") return "service_account";
  if (key.substr(0, 9) == "sk-admin-") return "admin";
  return "user";
}

// API keys list models; admin keys may not, and list projects instead. The organization and
// project come from the response headers. 429 insufficient_quota is only said to a key OpenAI
// has authenticated (out of credit); a plain rate limit says nothing. A 403 naming missing
// scopes is a restricted key that authenticated; other 403s (unsupported region) say nothing.
LiveResult check_openai(const Credential& credential, const ValidatorContext& context) {
  const std::string kind = openai_key_kind(credential.secret);
  const auto path = kind == "admin" ? "/v1/organization/projects?limit=1" : "/v1/models";
  const auto response = bearer_get(context, "openai", "https://api.openai.com", path, credential.secret);
  Identity identity{{"key_type", kind}};
  if (auto org = response.header("openai-organization"); !org.empty())
    identity.emplace_back("organization", std::string(org));
  if (auto project = response.header("openai-project"); !project.empty())
    identity.emplace_back("project", std::string(project));
  if (response.status == 429 && mentions(response.body, "insufficient_quota"))
    return LiveResult::valid("authenticated, but out of quota", identity, 429);
  if (response.status == 403)
    return mentions(response.body, "missing scopes")
               ? LiveResult::valid("restricted key: authenticated, no model access", identity, 403)
               : LiveResult::unknown("HTTP 403 without an authentication error", 403);
  auto result = read_answer(response, "OpenAI accepted the key", {"object"}, {});
  if (result.status == LiveStatus::valid) result.identity = identity;
  return result;
}

// --- Anthropic ---------------------------------------------------------------------------------

// API keys list models; admin keys read their organization. 401 authentication_error is a wrong
// or revoked key; a 403 permission_error is not proof either way.
LiveResult check_anthropic(const Credential& credential, const ValidatorContext& context) {
  const bool admin = credential.secret.find("-admin") != std::string::npos;
  const auto response = context.send(
      "anthropic",
      get_request(context.url("anthropic", "https://api.anthropic.com", admin ? "/v1/organizations/me" : "/v1/models"),
                  {{"x-api-key", credential.secret}, {"anthropic-version", "2023-06-01"}}));
  if (response.status == 403) return LiveResult::unknown("HTTP 403 permission error", 403);
  if (admin)
    return read_answer(response, "Anthropic accepted the key", {"id"},
                       {{"organization", {"id"}}, {"organization_name", {"name"}}});
  return read_answer(response, "Anthropic accepted the key", {"has_more"}, {});
}

// --- Hugging Face ------------------------------------------------------------------------------

// whoami-v2: the user or org, its orgs, and the token's role (read, write, fineGrained).
LiveResult check_huggingface(const Credential& credential, const ValidatorContext& context) {
  const auto response =
      bearer_get(context, "huggingface", "https://huggingface.co", "/api/whoami-v2", credential.secret);
  auto result = read_answer(response, "Hugging Face accepted the key", {"name"},
                            {{"name", {"name"}},
                             {"type", {"type"}},
                             {"email", {"email"}},
                             {"token_name", {"auth", "accessToken", "displayName"}},
                             {"role", {"auth", "accessToken", "role"}},
                             {"permissions", {"auth", "accessToken", "fineGrained", "global"}}});
  if (result.status != LiveStatus::valid) return result;
  if (auto orgs = names_in(response.body, "orgs", "name"); !orgs.empty()) result.identity.emplace_back("orgs", orgs);
  return result;
}

// --- Cohere ------------------------------------------------------------------------------------

// POST /v1/check-api-key: {"valid": …, "organization_id", "owner_id"}. Costs nothing.
LiveResult check_cohere(const Credential& credential, const ValidatorContext& context) {
  const auto response = context.send(
      "cohere",
      post_request(context.url("cohere", "https://api.cohere.com", "/v1/check-api-key"), bearer(credential.secret)));
  auto result = read_answer(response, "Cohere accepted the key", {"valid"},
                            {{"organization", {"organization_id"}}, {"owner", {"owner_id"}}});
  if (result.status == LiveStatus::valid && json_field(response.body, {"valid"}) != "true")
    return LiveResult::invalid("Cohere: valid false", response.status);
  return result;
}

// --- model lists: Mistral, Groq, Together ------------------------------------------------------

// GET <models> with the key: an OpenAI-style {"object":"list"}.
LiveResult check_model_list(const Credential& credential, const ValidatorContext& context, std::string_view provider,
                            std::string_view name, std::string_view base, std::string_view path) {
  return read_answer(bearer_get(context, provider, base, path, credential.secret),
                     std::string(name) + " accepted the key", {"object"}, {});
}

LiveResult check_mistral(const Credential& credential, const ValidatorContext& context) {
  return check_model_list(credential, context, "mistral", "Mistral", "https://api.mistral.ai", "/v1/models");
}

LiveResult check_groq(const Credential& credential, const ValidatorContext& context) {
  return check_model_list(credential, context, "groq", "Groq", "https://api.groq.com", "/openai/v1/models");
}

// Together lists its models as a bare array; an OpenAI-style list is taken as well.
LiveResult check_together(const Credential& credential, const ValidatorContext& context) {
  const auto response = bearer_get(context, "together", "https://api.together.xyz", "/v1/models", credential.secret);
  if (response.status < 200 || response.status > 299) return classify_response(response);
  if (!json_field(response.body, {"0", "id"}) && !json_field(response.body, {"object"}))
    return unexpected_body(response);
  return LiveResult::valid("Together accepted the key", {}, response.status);
}

// --- key and account info ----------------------------------------------------------------------

// GET /user/balance: whether the account can still make calls.
LiveResult check_deepseek(const Credential& credential, const ValidatorContext& context) {
  return read_answer(bearer_get(context, "deepseek", "https://api.deepseek.com", "/user/balance", credential.secret),
                     "DeepSeek accepted the key", {"is_available"}, {{"is_available", {"is_available"}}});
}

// GET /v1/api-key: the key's name, team and ACLs. A blocked or disabled key cannot be used.
// xAI answers an unknown key with 400 (or 401) naming the key.
LiveResult check_xai(const Credential& credential, const ValidatorContext& context) {
  const auto response = bearer_get(context, "xai", "https://api.x.ai", "/v1/api-key", credential.secret);
  if (response.status == 400 && mentions(response.body, "api key"))
    return LiveResult::invalid("HTTP 400: incorrect API key", 400);
  auto result = read_answer(response, "xAI accepted the key", {"api_key_id"},
                            {{"name", {"name"}}, {"team", {"team_id"}}, {"user", {"user_id"}}, {"acls", {"acls"}}});
  if (result.status != LiveStatus::valid) return result;
  for (const auto flag : {"api_key_blocked", "api_key_disabled", "team_blocked"})
    if (json_field(response.body, {flag}) == "true")
      return LiveResult::invalid(std::string("xAI: ") + flag, response.status);
  return result;
}

// GET /api/v1/key: the key's credit limit and usage. Its "label" repeats part of the key and is
// not reported.
LiveResult check_openrouter(const Credential& credential, const ValidatorContext& context) {
  return read_answer(bearer_get(context, "openrouter", "https://openrouter.ai", "/api/v1/key", credential.secret),
                     "OpenRouter accepted the key", {"data", "usage"},
                     {{"limit", {"data", "limit"}},
                      {"limit_remaining", {"data", "limit_remaining"}},
                      {"usage", {"data", "usage"}},
                      {"free_tier", {"data", "is_free_tier"}}});
}

LiveResult check_replicate(const Credential& credential, const ValidatorContext& context) {
  return read_answer(bearer_get(context, "replicate", "https://api.replicate.com", "/v1/account", credential.secret),
                     "Replicate accepted the key", {"username"},
                     {{"username", {"username"}}, {"name", {"name"}}, {"type", {"type"}}});
}

// GET /v1/user with xi-api-key. A restricted key without user_read gets 401 missing_permissions
// after ElevenLabs has recognised it; an unknown key gets 401 invalid_api_key.
LiveResult check_elevenlabs(const Credential& credential, const ValidatorContext& context) {
  const auto response =
      context.send("elevenlabs", get_request(context.url("elevenlabs", "https://api.elevenlabs.io", "/v1/user"),
                                             {{"xi-api-key", credential.secret}}));
  if (response.status == 401 && mentions(response.body, "missing_permissions"))
    return LiveResult::valid("restricted key: authenticated, without user_read", {}, 401);
  return read_answer(response, "ElevenLabs accepted the key", {"subscription", "tier"},
                     {{"user", {"user_id"}}, {"tier", {"subscription", "tier"}}});
}

// GET /indexes on the control plane: the project's indexes (names only).
LiveResult check_pinecone(const Credential& credential, const ValidatorContext& context) {
  const auto response =
      context.send("pinecone", get_request(context.url("pinecone", "https://api.pinecone.io", "/indexes"),
                                           {{"Api-Key", credential.secret}, {"X-Pinecone-API-Version", "2025-04"}}));
  if (response.status < 200 || response.status > 299) return classify_response(response);
  if (!has_list(response.body, "indexes", "name")) return unexpected_body(response);
  Identity identity;
  if (auto names = names_in(response.body, "indexes", "name"); !names.empty()) identity.emplace_back("indexes", names);
  return LiveResult::valid("Pinecone accepted the key", identity, response.status);
}

// GET /usage: the key's and the account's credit use, and the plan.
LiveResult check_tavily(const Credential& credential, const ValidatorContext& context) {
  return read_answer(
      bearer_get(context, "tavily", "https://api.tavily.com", "/usage", credential.secret), "Tavily accepted the key",
      {"key", "usage"},
      {{"plan", {"account", "current_plan"}}, {"key_usage", {"key", "usage"}}, {"key_limit", {"key", "limit"}}});
}

}  // namespace

void add_ai_validators(std::vector<Validator>& out) {
  out.push_back({"openai", {"openai-api-key", "openai-project-key"}, check_openai});
  out.push_back({"anthropic", {"anthropic-api-key", "anthropic-admin-key"}, check_anthropic});
  out.push_back({"huggingface", {"huggingface-access-token", "huggingface-org-token"}, check_huggingface});
  out.push_back({"cohere", {"cohere-api-key"}, check_cohere});
  out.push_back({"mistral", {"mistral-api-key"}, check_mistral});
  out.push_back({"groq", {"groq-api-key"}, check_groq});
  out.push_back({"together", {"together-api-key", "together-api-key-legacy"}, check_together});
  out.push_back({"deepseek", {"deepseek-api-key"}, check_deepseek});
  out.push_back({"xai", {"xai-api-key"}, check_xai});
  out.push_back({"openrouter", {"openrouter-api-key"}, check_openrouter});
  out.push_back({"replicate", {"replicate-api-token"}, check_replicate});
  out.push_back({"elevenlabs", {"elevenlabs-api-key"}, check_elevenlabs});
  out.push_back({"pinecone", {"pinecone-api-key", "pinecone-api-key-legacy"}, check_pinecone});
  out.push_back({"tavily", {"tavily-api-key"}, check_tavily});
}

}  // namespace sprawl::verify
