// Collapsing git sightings into findings (see git_findings.h).
#include "src/pipeline/git_findings.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>

namespace sprawl {

void collapse_git_sightings(std::vector<GitSighting> sightings, std::vector<Finding>& out) {
  std::stable_sort(sightings.begin(), sightings.end(),
                   [](const GitSighting& a, const GitSighting& b) { return a.order < b.order; });
  struct Spread {
    std::set<std::string> commits, paths;
  };
  std::map<std::pair<std::string, std::string>, Spread> spread;  // (rule id, fingerprint)
  for (const auto& s : sightings) {
    Spread& where = spread[{s.finding.rule->id, s.finding.fingerprint}];
    if (s.finding.provenance.git && !s.finding.provenance.git->commit.empty())
      where.commits.insert(s.finding.provenance.git->commit);
    where.paths.insert(s.finding.provenance.relative_path);
  }
  std::set<std::tuple<std::string, std::string, std::string>> reported;
  for (auto& s : sightings) {
    Finding& f = s.finding;
    if (!reported.emplace(f.rule->id, f.fingerprint, f.provenance.relative_path).second) continue;
    if (f.provenance.git) {
      const Spread& where = spread[{f.rule->id, f.fingerprint}];
      const bool has_commit = !f.provenance.git->commit.empty();
      f.provenance.git->other_commits = static_cast<std::uint32_t>(where.commits.size() - (has_commit ? 1 : 0));
      f.provenance.git->other_paths = static_cast<std::uint32_t>(where.paths.size() - 1);
    }
    out.push_back(std::move(f));
  }
}

}  // namespace sprawl
