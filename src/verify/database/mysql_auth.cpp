// PLACEHOLDER: replaced by the mysql validators.
#include "src/verify/families.h"

namespace sprawl::verify {

void add_mysql_validators(std::vector<Validator>&) {}

}  // namespace sprawl::verify
