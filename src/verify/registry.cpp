// The built-in validators, gathered from every family, and the lookup by rule id.
#include <string>
#include <unordered_map>

#include "src/verify/families.h"

namespace sprawl::verify {

const std::vector<Validator>& validators() {
  static const std::vector<Validator> all = [] {
    std::vector<Validator> out;
    add_aws_validators(out);
    add_google_validators(out);
    add_azure_validators(out);
    add_vcs_validators(out);
    add_package_validators(out);
    add_messaging_validators(out);
    add_commerce_validators(out);
    add_observability_validators(out);
    add_ai_validators(out);
    add_postgres_validators(out);
    add_redis_validators(out);
    add_mysql_validators(out);
    add_mongodb_validators(out);
    return out;
  }();
  return all;
}

const Validator* validator_for(std::string_view rule_id) {
  static const std::unordered_map<std::string, const Validator*> by_rule = [] {
    std::unordered_map<std::string, const Validator*> map;
    for (const auto& v : validators())
      for (const auto& id : v.rule_ids) map.emplace(id, &v);
    return map;
  }();
  const auto it = by_rule.find(std::string(rule_id));
  return it == by_rule.end() ? nullptr : it->second;
}

}  // namespace sprawl::verify
