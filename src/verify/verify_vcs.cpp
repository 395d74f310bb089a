// PLACEHOLDER: replaced by the vcs validators.
#include "src/verify/families.h"

namespace sprawl::verify {

void add_vcs_validators(std::vector<Validator>&) {}

}  // namespace sprawl::verify
