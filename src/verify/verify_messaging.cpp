// PLACEHOLDER: replaced by the messaging validators.
#include "src/verify/families.h"

namespace sprawl::verify {

void add_messaging_validators(std::vector<Validator>&) {}

}  // namespace sprawl::verify
