// Shannon entropy over byte frequencies.
#include "src/check/entropy.h"

#include <array>
#include <cmath>

namespace sprawl {

double shannon_entropy(std::string_view text) {
  if (text.empty()) return 0.0;
  std::array<unsigned, 256> counts{};
  for (unsigned char c : text) ++counts[c];
  const double total = static_cast<double>(text.size());
  double entropy = 0.0;
  for (unsigned count : counts) {
    if (count == 0) continue;
    const double p = count / total;
    entropy -= p * std::log2(p);
  }
  return entropy;
}

}  // namespace sprawl
