// The validator families, one file each under src/verify/: each adds its providers' validators.
#pragma once

#include <vector>

#include "src/verify/validator.h"

namespace sprawl::verify {

void add_aws_validators(std::vector<Validator>& out);            // verify_aws.cpp
void add_google_validators(std::vector<Validator>& out);         // verify_google.cpp
void add_azure_validators(std::vector<Validator>& out);          // verify_azure.cpp
void add_vcs_validators(std::vector<Validator>& out);            // verify_vcs.cpp
void add_package_validators(std::vector<Validator>& out);        // verify_packages.cpp
void add_messaging_validators(std::vector<Validator>& out);      // verify_messaging.cpp
void add_commerce_validators(std::vector<Validator>& out);       // verify_commerce.cpp
void add_observability_validators(std::vector<Validator>& out);  // verify_observability.cpp
void add_ai_validators(std::vector<Validator>& out);             // verify_ai.cpp
void add_postgres_validators(std::vector<Validator>& out);       // database/postgres_auth.cpp
void add_redis_validators(std::vector<Validator>& out);          // database/redis_auth.cpp
void add_mysql_validators(std::vector<Validator>& out);          // database/mysql_auth.cpp
void add_mongodb_validators(std::vector<Validator>& out);        // database/mongodb_auth.cpp

}  // namespace sprawl::verify
