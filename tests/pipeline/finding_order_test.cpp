// sort_findings and finding_permutation: the report order (finding_order) worked out on ranked
// strings, equal findings kept in their order.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "sprawl/rule.h"
#include "src/pipeline/scan_pipeline.h"

using namespace sprawl;

namespace {

const Rule& rule_named(int n) {
  static const std::vector<Rule> rules = [] {
    std::vector<Rule> out(3);
    out[0].id = "stripe-secret-key";
    out[1].id = "aws-access-key-id";
    out[2].id = "aws-secret-access-key";  // sorts after its prefix
    return out;
  }();
  return rules[static_cast<std::size_t>(n)];
}

/// 400 findings over plain files and two repositories, paths sharing long prefixes, and exact
/// ties (same place, line, column and rule) told apart by their secrets.
std::vector<Finding> mixed_findings() {
  std::vector<Finding> findings;
  const std::vector<std::string> repositories{"", "repos/b", "repos/a"};
  const std::vector<std::string> paths{"src/app/config.py", "src/app/config.py.bak", "src/app/conf", "a",
                                       "src/b/x.env"};
  for (int n = 0; n < 400; ++n) {
    Finding f;
    f.rule = &rule_named(n % 3);
    f.secret = "secret-" + std::to_string(n);
    const std::string& repository = repositories[static_cast<std::size_t>(n / 7 % 3)];
    if (!repository.empty()) {
      f.provenance.git.emplace();
      f.provenance.git->repository = repository;
    }
    f.provenance.path = paths[static_cast<std::size_t>(n / 3 % paths.size())];
    f.start = {static_cast<std::uint32_t>(n % 4), static_cast<std::uint32_t>(n % 2)};
    findings.push_back(f);
  }
  return findings;
}

std::vector<std::string> secrets_of(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.secret);
  return out;
}

}  // namespace

TEST_CASE("findings sort by finding_order, equal ones in their order, however they came", "[pipeline]") {
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    std::vector<Finding> as_found = mixed_findings();
    std::shuffle(as_found.begin(), as_found.end(), std::mt19937(seed));
    std::vector<Finding> expected = as_found;
    std::stable_sort(expected.begin(), expected.end(), finding_order);

    std::vector<const Finding*> pointers;
    for (const Finding& f : as_found) pointers.push_back(&f);
    std::vector<std::string> permuted;
    for (std::size_t i : finding_permutation(pointers)) permuted.push_back(as_found[i].secret);
    CHECK(permuted == secrets_of(expected));

    sort_findings(as_found);
    CHECK(secrets_of(as_found) == secrets_of(expected));
    sort_findings(as_found);  // sorted already: left as it is
    CHECK(secrets_of(as_found) == secrets_of(expected));
  }
}
