// Redaction of secrets for human and machine output.
#pragma once

#include <string>
#include <string_view>

namespace sprawl {

/// First characters of the secret (4, fewer for short secrets), an ellipsis and the length in
/// characters: "ghp_…(40)".
std::string redact_secret(std::string_view secret);

}  // namespace sprawl
