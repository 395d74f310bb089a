// Keeps a short prefix so a person can recognise the key, never enough to use it.
#include "src/report/redact.h"

#include <fmt/format.h>

namespace sprawl {

std::string redact_secret(std::string_view secret) {
  std::size_t characters = 0;
  for (unsigned char c : secret) characters += (c & 0xC0) != 0x80;
  const std::size_t keep = characters >= 16 ? 4 : characters / 4;
  std::size_t end = 0, kept = 0;
  while (end < secret.size() && kept < keep) {
    ++end;
    while (end < secret.size() && (static_cast<unsigned char>(secret[end]) & 0xC0) == 0x80) ++end;
    ++kept;
  }
  return fmt::format("{}…({})", secret.substr(0, end), characters);
}

}  // namespace sprawl
