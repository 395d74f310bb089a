// Placeholder detection: documented example keys, templates and obviously fake values.
#pragma once

#include <string_view>

namespace sprawl {

/// Why a value looks like a placeholder, or nullptr when it looks real.
const char* placeholder_reason(std::string_view secret);

}  // namespace sprawl
