// The CI gate's summary: what a log reader needs at a glance — new findings by severity and by
// rule, what baselines and other suppressions held back, what could not be read, time and bytes,
// and whether the gate passed.
#pragma once

#include <string>

#include "src/pipeline/scan_pipeline.h"

namespace sprawl {

/// What fails the CI gate.
struct GatePolicy {
  std::string fail_on;         ///< severities at or above it (critical … info); empty: every one
  bool valid_only = false;     ///< --fail-on-valid: only findings the provider accepted
};

/// Whether `finding` fails the gate under `policy`.
bool fails_gate(const Finding& finding, const GatePolicy& policy);

/// A few lines, each starting "sprawl: ", ending in a newline.
std::string gate_summary(const ScanOutcome& outcome, const GatePolicy& policy);

}  // namespace sprawl
