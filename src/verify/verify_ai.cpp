// PLACEHOLDER: replaced by the ai validators.
#include "src/verify/families.h"

namespace sprawl::verify {

void add_ai_validators(std::vector<Validator>&) {}

}  // namespace sprawl::verify
