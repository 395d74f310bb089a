// read_codeowners: looks for a CODEOWNERS file where GitHub and GitLab do, in each input.
#include "src/inventory/inventory_inputs.h"

#include <fstream>
#include <sstream>

namespace sprawl {

std::map<std::string, Codeowners> read_codeowners(const std::vector<std::string>& inputs) {
  std::map<std::string, Codeowners> out;
  for (const auto& input : inputs) {
    for (const char* place : {"CODEOWNERS", ".github/CODEOWNERS", ".gitlab/CODEOWNERS", "docs/CODEOWNERS"}) {
      std::ifstream file(input + "/" + place);
      if (!file) continue;
      std::ostringstream text;
      text << file.rdbuf();
      out.emplace(input, parse_codeowners(text.str()));
      break;
    }
  }
  return out;
}

}  // namespace sprawl
