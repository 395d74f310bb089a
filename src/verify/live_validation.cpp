// validate_findings: group findings by fingerprint, answer from the cache what it knows, check
// the rest on a pool of threads through the shared HttpClient (rate limit, retries), then write
// each answer into its findings and the definite ones into the cache.
#include "src/verify/live_validation.h"

#include <atomic>
#include <ctime>
#include <exception>
#include <optional>
#include <thread>
#include <unordered_map>

#include "src/util/iso8601.h"
#include "src/verify/validation_cache.h"
#include "src/verify/validator.h"

namespace sprawl::verify {
namespace {

using Clock = std::chrono::steady_clock;

// One distinct credential: the findings that share its fingerprint, and its answer.
struct Job {
  const Validator* validator = nullptr;
  std::vector<std::size_t> findings;
  LiveResult result;
  std::int64_t checked_at = 0;
  bool cached = false;
};

Credential credential_of(const Finding& f) {
  Credential c;
  c.rule_id = f.rule->id;
  c.provider = f.rule->provider;
  c.secret = f.secret;
  c.context = f.context.text;
  if (f.context.match_end <= f.context.text.size() && f.context.match_start <= f.context.match_end)
    c.match_text = f.context.text.substr(f.context.match_start, f.context.match_end - f.context.match_start);
  else
    c.match_text = f.secret;
  c.offline = f.validity.identity;
  return c;
}

// Runs one validator, turning anything it throws into unknown, and scrubs the secret from
// whatever the provider echoed back.
LiveResult run_validator(const Validator& validator, const Credential& credential, const ValidatorContext& context) {
  LiveResult result;
  try {
    result = validator.validate(credential, context);
  } catch (const std::exception& e) {
    result = LiveResult::unknown(std::string("validator failed: ") + e.what());
  } catch (...) {
    result = LiveResult::unknown("validator failed");
  }
  result.reason = without_secret(std::move(result.reason), credential.secret);
  for (auto& [key, value] : result.identity) value = without_secret(std::move(value), credential.secret);
  if (result.reason.empty()) result.reason = to_string(result.status);
  return result;
}

void apply(const Job& job, Finding& f) {
  Validity& v = f.validity;
  v.status = to_string(job.result.status);
  v.reason = job.result.reason;
  v.method = "live";
  v.http_status = job.result.http_status;
  v.checked_at = iso8601_utc(job.checked_at);
  v.cached = job.cached;
  for (const auto& [key, value] : job.result.identity) {
    bool replaced = false;
    for (auto& [k, existing] : v.identity)
      if (k == key) {
        existing = value;
        replaced = true;
      }
    if (!replaced) v.identity.emplace_back(key, value);
  }
}

}  // namespace

std::string without_secret(std::string text, const std::string& secret) {
  if (secret.size() < 4) return text;
  for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
    text.replace(at, secret.size(), "[redacted]");
  return text;
}

ValidationSummary validate_findings(std::vector<Finding>& findings, const ValidationOptions& options,
                                    const std::function<void(const std::string&)>& note) {
  const auto start = Clock::now();
  ValidationSummary summary;
  summary.ran = true;
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));

  std::vector<Job> jobs;
  std::unordered_map<std::string, std::size_t> job_of;  // fingerprint → job
  std::unordered_map<std::string, bool> not_checked;
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    const Validator* validator = validator_for(f.rule->id);
    // A credential the offline checks already disproved is not sent anywhere.
    if (!validator || f.validity.status == "invalid_format" || f.validity.status == "expired") {
      not_checked.emplace(f.fingerprint, true);
      continue;
    }
    auto [it, added] = job_of.try_emplace(f.fingerprint, jobs.size());
    if (added) jobs.push_back(Job{validator, {}, {}, 0, false});
    jobs[it->second].findings.push_back(i);
  }
  summary.credentials = jobs.size();
  summary.not_checked = not_checked.size();

  const bool use_cache = options.cache_ttl > 0 && !options.cache_path.empty();
  std::optional<ValidationCache> cache;
  if (use_cache) cache = ValidationCache::load(options.cache_path, options.cache_ttl, now);
  std::vector<std::size_t> pending;
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    const std::string& fingerprint = findings[jobs[j].findings.front()].fingerprint;
    if (cache)
      if (auto hit = cache->find(fingerprint)) {
        jobs[j].result = std::move(hit->result);
        jobs[j].checked_at = hit->checked_at;
        jobs[j].cached = true;
        continue;
      }
    pending.push_back(j);
  }

  HttpOptions http_options;
  http_options.timeout = options.timeout;
  http_options.retries = static_cast<int>(options.retries);
  http_options.backoff = options.backoff;
  http_options.rate_per_second = options.rate_per_second;
  http_options.ca_file = options.ca_file;
  HttpClient http(http_options);
  const Endpoints endpoints(options.endpoints);
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t k = next++; k < pending.size(); k = next++) {
      Job& job = jobs[pending[k]];
      const Credential credential = credential_of(findings[job.findings.front()]);
      const ValidatorContext context{http, endpoints, options.timeout, static_cast<std::int64_t>(std::time(nullptr))};
      job.result = run_validator(*job.validator, credential, context);
      job.checked_at = static_cast<std::int64_t>(std::time(nullptr));
    }
  };
  const std::size_t threads = std::min<std::size_t>(std::max(1u, options.concurrency), pending.size());
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  if (!pending.empty()) worker();
  for (auto& t : pool) t.join();

  for (const Job& job : jobs) {
    for (const std::size_t i : job.findings) apply(job, findings[i]);
    switch (job.result.status) {
      case LiveStatus::valid: ++summary.valid; break;
      case LiveStatus::invalid: ++summary.invalid; break;
      case LiveStatus::unknown: ++summary.unknown; break;
    }
    if (job.cached) ++summary.cached;
    if (cache && !job.cached) cache->put(findings[job.findings.front()].fingerprint, job.result, job.checked_at);
  }
  if (cache && pending.size() > 0) {
    std::string error;
    if (!cache->save(error) && note) note("validation cache not saved: " + error);
  }
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return summary;
}

}  // namespace sprawl::verify
