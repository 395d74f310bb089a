// What the inventory reads besides findings: the CODEOWNERS file of each scanned directory.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "src/inventory/codeowners.h"

namespace sprawl {

/// The CODEOWNERS of each directory input (the first of CODEOWNERS, .github/CODEOWNERS,
/// .gitlab/CODEOWNERS, docs/CODEOWNERS), keyed by the input as given — which is how findings
/// name their repository or scan root.
std::map<std::string, Codeowners> read_codeowners(const std::vector<std::string>& inputs);

}  // namespace sprawl
