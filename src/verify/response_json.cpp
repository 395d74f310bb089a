// json_field / is_json: simdjson DOM reads of provider responses, with no exceptions escaping.
#include "src/verify/response_json.h"

#include <charconv>

#include <fmt/format.h>
#include <simdjson.h>

namespace sprawl::verify {
namespace {

simdjson::dom::parser& parser() {
  thread_local simdjson::dom::parser instance;
  return instance;
}

std::optional<std::string> as_text(const simdjson::dom::element& value) {
  switch (value.type()) {
    case simdjson::dom::element_type::STRING: {
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
      return std::string(text);
    }
    case simdjson::dom::element_type::INT64:
      return std::to_string(int64_t(value.get_int64().value_unsafe()));
    case simdjson::dom::element_type::UINT64:
      return std::to_string(uint64_t(value.get_uint64().value_unsafe()));
    case simdjson::dom::element_type::DOUBLE:
      return fmt::format("{}", double(value.get_double().value_unsafe()));
    case simdjson::dom::element_type::BOOL:
      return bool(value.get_bool().value_unsafe()) ? "true" : "false";
    case simdjson::dom::element_type::ARRAY: {
      std::string joined;
      simdjson::dom::array array;
      if (value.get_array().get(array) != simdjson::SUCCESS) return std::nullopt;
      for (const auto item : array) {
        if (item.type() != simdjson::dom::element_type::STRING) return std::nullopt;
        if (!joined.empty()) joined += ',';
        std::string_view text;
        if (item.get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
        joined += text;
      }
      return joined;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

std::optional<std::string> json_field(std::string_view body, const std::vector<std::string_view>& path) {
  simdjson::dom::element current;
  if (parser().parse(body.data(), body.size()).get(current) != simdjson::SUCCESS) return std::nullopt;
  for (const auto key : path) {
    simdjson::dom::object object;
    simdjson::dom::array array;
    if (current.get_object().get(object) == simdjson::SUCCESS) {
      if (object.at_key(key).get(current) != simdjson::SUCCESS) return std::nullopt;
    } else if (current.get_array().get(array) == simdjson::SUCCESS) {
      std::size_t index = 0;
      const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), index);
      if (ec != std::errc{} || end != key.data() + key.size()) return std::nullopt;
      if (array.at(index).get(current) != simdjson::SUCCESS) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  return as_text(current);
}

bool is_json(std::string_view body) {
  simdjson::dom::element ignored;
  return parser().parse(body.data(), body.size()).get(ignored) == simdjson::SUCCESS;
}

}  // namespace sprawl::verify
