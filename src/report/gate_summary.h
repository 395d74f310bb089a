// The CI gate's summary: what a log reader needs at a glance — new findings by severity and by
// rule, what baselines and other suppressions held back, what could not be read, time and bytes,
// and whether the gate passed.
#pragma once

#include <string>

#include "src/pipeline/scan_pipeline.h"

namespace sprawl {

/// Severities at or above `fail_on` (critical … info; empty: every finding) fail the gate.
bool fails_gate(const Finding& finding, const std::string& fail_on);

/// A few lines, each starting "sprawl: ", ending in a newline.
std::string gate_summary(const ScanOutcome& outcome, const std::string& fail_on);

}  // namespace sprawl
