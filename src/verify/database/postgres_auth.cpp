// PLACEHOLDER: replaced by the postgres validators.
#include "src/verify/families.h"

namespace sprawl::verify {

void add_postgres_validators(std::vector<Validator>&) {}

}  // namespace sprawl::verify
