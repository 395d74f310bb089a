// Live checks for source hosting, CI and developer-platform tokens: GitHub, GitLab, Bitbucket,
// CircleCI, Buildkite, Travis CI, Terraform Cloud, Vercel, Netlify, Doppler and Postman. Each is
// one read-only "who am I" request (two where the first cannot tell), never a change.
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

// --- GitHub --------------------------------------------------------------------------------------

Headers github_headers(const std::string& token) {
  return {{"Authorization", "token " + token}, {"Accept", "application/vnd.github+json"}};
}

const char* github_token_kind(std::string_view token) {
  if (token.starts_with("ghp_")) return "personal access token (classic)";
  if (token.starts_with("github_pat_")) return "fine-grained personal access token";
  if (token.starts_with("gho_")) return "OAuth token";
  if (token.starts_with("ghu_")) return "GitHub App user-to-server token";
  return "GitHub App installation token";
}

/// GitHub's primary and secondary rate limits answer 403 (or 429) with these headers.
bool github_rate_limited(const HttpResponse& response) {
  return (response.status == 403 || response.status == 429) &&
         (response.header("x-ratelimit-remaining") == "0" || !response.header("retry-after").empty());
}

/// Identity from GET /user, with the classic scopes and the expiry GitHub sends as headers.
LiveResult read_github_user(const HttpResponse& response, std::string_view token) {
  LiveResult result = read_answer(response, "GitHub accepted the token", {"login"},
                                  {{"login", {"login"}}, {"id", {"id"}}, {"type", {"type"}}, {"name", {"name"}}});
  if (result.status != LiveStatus::valid) return result;
  result.identity.emplace_back("token_type", github_token_kind(token));
  if (const auto scopes = response.header("x-oauth-scopes"); !scopes.empty())
    result.identity.emplace_back("scopes", scopes);
  if (const auto expiry = response.header("github-authentication-token-expiration"); !expiry.empty())
    result.identity.emplace_back("expires_at", expiry);
  return result;
}

/// An installation token (ghs_) cannot read /user; the repositories it was granted name it.
LiveResult read_github_installation(const HttpResponse& response) {
  LiveResult result = read_answer(response, "GitHub accepted the token", {"total_count"},
                                  {{"repositories", {"total_count"}},
                                   {"repository", {"repositories", "0", "full_name"}},
                                   {"owner", {"repositories", "0", "owner", "login"}}});
  if (result.status == LiveStatus::valid) result.identity.emplace_back("token_type", github_token_kind("ghs_"));
  return result;
}

/// A token that authenticates but may not read the first resource (403/404) still reads its
/// own rate limit: 200 there means GitHub accepted it, 401 that it did not.
LiveResult github_rate_limit_probe(const Credential& credential, const ValidatorContext& context, int first_status) {
  const auto probe = context.send("github", get_request(context.url("github", "https://api.github.com", "/rate_limit"),
                                                        github_headers(credential.secret)));
  if (probe.status == 401) return LiveResult::invalid("GitHub: bad credentials (HTTP 401)", 401);
  if (probe.status != 200 || github_rate_limited(probe)) return classify_response(probe);
  const auto limit = json_field(probe.body, {"resources", "core", "limit"});
  if (!limit) return LiveResult::unknown("HTTP 200 with an unexpected body", 200);
  return LiveResult::valid("GitHub accepted the token (" + status_text(first_status) + " on its identity)",
                           {{"token_type", github_token_kind(credential.secret)}, {"rate_limit", *limit}}, 200);
}

LiveResult validate_github(const Credential& credential, const ValidatorContext& context) {
  const bool installation = credential.secret.starts_with("ghs_");
  const char* path = installation ? "/installation/repositories?per_page=1" : "/user";
  const auto response = context.send(
      "github", get_request(context.url("github", "https://api.github.com", path), github_headers(credential.secret)));
  if (response.status == 401) return LiveResult::invalid("GitHub: bad credentials (HTTP 401)", 401);
  if (github_rate_limited(response))
    return LiveResult::unknown("GitHub rate limit reached (" + status_text(response.status) + ")", response.status);
  if (response.status == 403 || response.status == 404)
    return github_rate_limit_probe(credential, context, response.status);
  return installation ? read_github_installation(response) : read_github_user(response, credential.secret);
}

// --- GitLab --------------------------------------------------------------------------------------

/// Personal, project and group access tokens read their own record; a token whose scopes do not
/// allow that falls back to /user, and GitLab's 403 "insufficient_scope" there still shows that
/// the token authenticated. Only gitlab.com is asked: a self-managed instance's token is refused.
LiveResult validate_gitlab_pat(const Credential& credential, const ValidatorContext& context) {
  const Headers headers = {{"PRIVATE-TOKEN", credential.secret}};
  const auto self = context.send(
      "gitlab",
      get_request(context.url("gitlab", "https://gitlab.com", "/api/v4/personal_access_tokens/self"), headers));
  if (self.status == 401) return LiveResult::invalid("gitlab.com refused the token (HTTP 401)", 401);
  if (self.status != 403 && self.status != 404)
    return read_answer(
        self, "GitLab accepted the token", {"id"},
        {{"token_name", {"name"}}, {"scopes", {"scopes"}}, {"user_id", {"user_id"}}, {"expires_at", {"expires_at"}}});
  const auto user =
      context.send("gitlab", get_request(context.url("gitlab", "https://gitlab.com", "/api/v4/user"), headers));
  if (user.status == 401) return LiveResult::invalid("gitlab.com refused the token (HTTP 401)", 401);
  if (user.status == 403 && mentions(user.body, "insufficient_scope"))
    return LiveResult::valid("GitLab accepted the token (its scopes cannot read its details)", {}, 403);
  return read_answer(user, "GitLab accepted the token", {"username"},
                     {{"username", {"username"}}, {"user_id", {"id"}}});
}

/// A CI/CD job token reads the job it belongs to; it stops working when the job ends.
LiveResult validate_gitlab_job_token(const Credential& credential, const ValidatorContext& context) {
  return who_am_i(context, "gitlab", context.url("gitlab", "https://gitlab.com", "/api/v4/job"),
                  {{"JOB-TOKEN", credential.secret}}, "GitLab accepted the token", {"id"},
                  {{"job_id", {"id"}},
                   {"job_name", {"name"}},
                   {"project_id", {"pipeline", "project_id"}},
                   {"user", {"user", "username"}}});
}

// --- Bitbucket -----------------------------------------------------------------------------------

/// The user written before `secret` in a URL ("https://USER:SECRET@bitbucket.org"), or "".
std::string url_user_before(std::string_view text, std::string_view secret) {
  std::string needle(1, ':');
  needle.append(secret).push_back('@');
  const auto at = text.find(needle);
  if (at == std::string_view::npos) return {};
  std::size_t start = at;
  while (start > 0 && is_name_char(text[start - 1])) --start;
  if (start < 3 || text.substr(start - 3, 3) != "://") return {};
  return std::string(text.substr(start, at - start));
}

/// An app password authenticates only with its user's name, which must be written near it.
std::string bitbucket_user(const Credential& credential) {
  for (const std::string* text : {&credential.match_text, &credential.context})
    if (auto user = url_user_before(*text, credential.secret); !user.empty()) return user;
  return value_named(credential.context, {"bitbucket_username", "bitbucket_user", "bb_username", "bb_user"});
}

LiveResult validate_bitbucket(const Credential& credential, const ValidatorContext& context) {
  const std::string user = bitbucket_user(credential);
  if (user.empty()) return LiveResult::unknown("no Bitbucket user name near the app password");
  HttpRequest request = get_request(context.url("bitbucket", "https://api.bitbucket.org", "/2.0/user"));
  request.basic_user = user;
  request.basic_password = credential.secret;
  const auto response = context.send("bitbucket", request);
  if (response.status == 401)
    return LiveResult::invalid("Bitbucket refused the app password for user " + user + " (HTTP 401)", 401);
  if (response.status == 403 && mentions(response.body, "privilege scopes")) {
    Identity identity = {{"username", user}};
    if (auto granted = json_field(response.body, {"error", "detail", "granted"}); granted && !granted->empty())
      identity.emplace_back("granted_scopes", *granted);
    return LiveResult::valid("Bitbucket accepted the app password (it lacks the account scope)", std::move(identity),
                             403);
  }
  return read_answer(response, "Bitbucket accepted the token", {"username"},
                     {{"username", {"username"}}, {"display_name", {"display_name"}}, {"account_id", {"account_id"}}});
}

// --- CI and platforms ----------------------------------------------------------------------------

/// CircleCI's /me names a personal token's user. Project tokens (CCIPRJ_) have no identity to
/// read, and a legacy 40-hex token may be either kind, so /me refusing one proves nothing.
LiveResult validate_circleci(const Credential& credential, const ValidatorContext& context) {
  if (credential.secret.starts_with("CCIPRJ_"))
    return LiveResult::unknown("a CircleCI project token has no identity endpoint (not checked)");
  LiveResult result = who_am_i(context, "circleci", context.url("circleci", "https://circleci.com", "/api/v2/me"),
                               {{"Circle-Token", credential.secret}}, "CircleCI accepted the token", {"id"},
                               {{"login", {"login"}}, {"name", {"name"}}, {"id", {"id"}}});
  if (result.status == LiveStatus::invalid && !credential.secret.starts_with("CCIPAT_"))
    return LiveResult::unknown("CircleCI /me refused the token (a project token is refused there too)",
                               result.http_status);
  return result;
}

LiveResult validate_buildkite(const Credential& credential, const ValidatorContext& context) {
  return who_am_i(context, "buildkite", context.url("buildkite", "https://api.buildkite.com", "/v2/access-token"),
                  bearer(credential.secret), "Buildkite accepted the token", {"uuid"},
                  {{"user", {"user", "name"}},
                   {"email", {"user", "email"}},
                   {"scopes", {"scopes"}},
                   {"description", {"description"}}});
}

LiveResult validate_travis(const Credential& credential, const ValidatorContext& context) {
  return who_am_i(context, "travisci", context.url("travisci", "https://api.travis-ci.com", "/user"),
                  {{"Authorization", "token " + credential.secret}, {"Travis-API-Version", "3"}},
                  "Travis CI accepted the token", {"login"},
                  {{"login", {"login"}}, {"id", {"id"}}, {"name", {"name"}}});
}

/// Team and organization tokens answer with a synthetic "service user" (is-service-account).
LiveResult validate_terraform(const Credential& credential, const ValidatorContext& context) {
  Headers headers = bearer(credential.secret);
  headers.emplace_back("Content-Type", "application/vnd.api+json");
  return who_am_i(context, "terraform", context.url("terraform", "https://app.terraform.io", "/api/v2/account/details"),
                  std::move(headers), "Terraform Cloud accepted the token", {"data", "id"},
                  {{"username", {"data", "attributes", "username"}},
                   {"email", {"data", "attributes", "email"}},
                   {"service_account", {"data", "attributes", "is-service-account"}},
                   {"user_id", {"data", "id"}}});
}

LiveResult validate_vercel(const Credential& credential, const ValidatorContext& context) {
  return who_am_i(context, "vercel", context.url("vercel", "https://api.vercel.com", "/v2/user"),
                  bearer(credential.secret), "Vercel accepted the token", {"user", "id"},
                  {{"username", {"user", "username"}}, {"email", {"user", "email"}}, {"user_id", {"user", "id"}}});
}

LiveResult validate_netlify(const Credential& credential, const ValidatorContext& context) {
  return who_am_i(context, "netlify", context.url("netlify", "https://api.netlify.com", "/api/v1/user"),
                  bearer(credential.secret), "Netlify accepted the token", {"id"},
                  {{"email", {"email"}}, {"name", {"full_name"}}, {"user_id", {"id"}}});
}

LiveResult validate_doppler(const Credential& credential, const ValidatorContext& context) {
  return who_am_i(context, "doppler", context.url("doppler", "https://api.doppler.com", "/v3/me"),
                  bearer(credential.secret), "Doppler accepted the token", {"workplace", "slug"},
                  {{"workplace", {"workplace", "name"}},
                   {"workplace_slug", {"workplace", "slug"}},
                   {"token_type", {"type"}},
                   {"token_name", {"name"}}});
}

LiveResult validate_postman(const Credential& credential, const ValidatorContext& context) {
  return who_am_i(context, "postman", context.url("postman", "https://api.getpostman.com", "/me"),
                  {{"X-Api-Key", credential.secret}}, "Postman accepted the token", {"user", "id"},
                  {{"username", {"user", "username"}},
                   {"email", {"user", "email"}},
                   {"user_id", {"user", "id"}},
                   {"team", {"user", "teamName"}}});
}

}  // namespace

void add_vcs_validators(std::vector<Validator>& out) {
  // Not served: github-refresh-token (ghr_ authenticates nothing by itself; using it needs the
  // app's client secret and consumes it); GitLab deploy, trigger, runner, feed, agent and OAuth
  // secrets (no endpoint answers them without side effects or a project); Azure DevOps PATs (the
  // org-independent profile endpoint needs the vso.profile scope, so a refusal proves nothing).
  out.push_back({"github",
                 {"github-pat-classic", "github-fine-grained-pat", "github-oauth-token", "github-user-to-server-token",
                  "github-app-installation-token"},
                 validate_github});
  out.push_back({"gitlab", {"gitlab-pat"}, validate_gitlab_pat});
  out.push_back({"gitlab", {"gitlab-cicd-job-token"}, validate_gitlab_job_token});
  out.push_back({"bitbucket", {"bitbucket-app-password"}, validate_bitbucket});
  out.push_back({"circleci", {"circleci-personal-token", "circleci-api-token"}, validate_circleci});
  out.push_back({"buildkite", {"buildkite-token"}, validate_buildkite});
  out.push_back({"travisci", {"travisci-api-token"}, validate_travis});
  out.push_back({"terraform", {"terraform-cloud-api-token"}, validate_terraform});
  out.push_back({"vercel", {"vercel-access-token"}, validate_vercel});
  out.push_back({"netlify", {"netlify-access-token"}, validate_netlify});
  out.push_back({"doppler", {"doppler-token"}, validate_doppler});
  out.push_back({"postman", {"postman-api-key"}, validate_postman});
}

}  // namespace sprawl::verify
