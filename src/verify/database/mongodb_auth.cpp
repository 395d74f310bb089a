// PLACEHOLDER: replaced by the mongodb validators.
#include "src/verify/families.h"

namespace sprawl::verify {

void add_mongodb_validators(std::vector<Validator>&) {}

}  // namespace sprawl::verify
