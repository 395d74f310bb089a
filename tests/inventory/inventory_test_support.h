// Findings built in memory for the inventory tests: built-in rules, fake secrets, git/image
// provenance set field by field.
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "sprawl/finding.h"
#include "src/check/fingerprint.h"
#include "src/rules/builtin_rules.h"
#include "tests/support/fake_tokens.h"

namespace sprawl::test {

/// A built-in rule by id (the catalog is parsed once).
inline const Rule* builtin_rule(const std::string& id) {
  static const RuleConfig config = load_builtin_rules().value();
  for (const auto& rule : config.rules)
    if (rule.id == id) return &rule;
  FAIL("no built-in rule " << id);
  return nullptr;
}

/// A plain-file finding of `rule_id` with `secret` at `path`:`line`.
inline Finding finding_at(const std::string& rule_id, const std::string& secret, const std::string& path,
                          std::uint32_t line = 1) {
  Finding f;
  f.rule = builtin_rule(rule_id);
  f.secret = secret;
  f.fingerprint = finding_fingerprint(rule_id, secret);
  f.provenance.path = path;
  f.provenance.relative_path = path;
  f.start = {line, 1};
  f.end = {line, static_cast<std::uint32_t>(secret.size())};
  f.blob_id = sha256_hex(path).substr(0, 40);
  return f;
}

/// The same finding as introduced by a commit of `repository`.
inline Finding in_commit(Finding f, const std::string& repository, const std::string& date, bool at_head = true,
                         const std::string& author = "Alice") {
  GitProvenance git;
  git.repository = repository;
  git.commit = sha256_hex(repository + date).substr(0, 40);
  git.author_name = author;
  git.author_email = author + "@example.com";
  git.author_date = date;
  git.at_head = at_head;
  f.provenance.git = git;
  return f;
}

/// A 40-character AWS-secret-shaped string (random base62).
inline std::string fake_aws_secret(std::uint32_t seed) { return random_chars(kBase62, 40, seed); }

}  // namespace sprawl::test
