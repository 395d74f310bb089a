// PLACEHOLDER: replaced by the azure validators.
#include "src/verify/families.h"

namespace sprawl::verify {

void add_azure_validators(std::vector<Validator>&) {}

}  // namespace sprawl::verify
