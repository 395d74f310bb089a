// PLACEHOLDER: replaced by the commerce validators.
#include "src/verify/families.h"

namespace sprawl::verify {

void add_commerce_validators(std::vector<Validator>&) {}

}  // namespace sprawl::verify
