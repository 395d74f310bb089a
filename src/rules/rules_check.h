// `sprawl rules check`: every rule's examples must be found and its negative examples not,
// through the same matcher and checks a scan uses.
#pragma once

#include <string>
#include <vector>

#include "src/pipeline/scan_engine.h"

namespace sprawl {

struct RuleCheckFailure {
  std::string rule_id;
  std::string message;
};

struct RuleCheckReport {
  std::size_t rules = 0, examples = 0, negative_examples = 0;
  std::vector<RuleCheckFailure> failures;
  bool ok() const { return failures.empty(); }
};

/// Runs every example and negative example of every rule in `config` against `engine`
/// (built from the same config); rules the engine could not compile are failures too.
RuleCheckReport check_rules(const ScanEngine& engine);

}  // namespace sprawl
