// FlatStringIndex: first value kept, every key found again after the table grows, absent keys
// and the empty key.
#include "src/util/flat_string_index.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace sprawl {

TEST_CASE("FlatStringIndex keeps the first value of a key and finds every key after growing", "[util]") {
  std::vector<std::string> keys;
  for (int i = 0; i < 5000; ++i) keys.push_back("fingerprint-" + std::to_string(i * 7919));
  FlatStringIndex<std::size_t> index;  // starts small: grows many times
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto [value, inserted] = index.emplace(keys[i], i);
    CHECK(inserted);
    CHECK(value == i);
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto [value, inserted] = index.emplace(std::string(keys[i]), i + 100000);  // same text, another buffer
    CHECK_FALSE(inserted);
    CHECK(value == i);
  }
  REQUIRE(index.size() == keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::size_t* found = index.find(keys[i]);
    REQUIRE(found != nullptr);
    CHECK(*found == i);
  }
  CHECK(index.find("fingerprint-1") == nullptr);
  CHECK(index.find("") == nullptr);
  CHECK(index.emplace("", 7).second);
  REQUIRE(index.find("") != nullptr);
  CHECK(*index.find("") == 7);
  CHECK(index.size() == keys.size() + 1);
}

}  // namespace sprawl
