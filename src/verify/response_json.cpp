// json_field / is_json: simdjson DOM reads of provider responses, with no exceptions escaping;
// xml_field: a plain search for one element of an XML answer.
#include "src/verify/response_json.h"

#include <charconv>
#include <utility>

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

std::optional<std::string> xml_field(std::string_view body, std::string_view name, std::size_t max_size) {
  const std::string open = fmt::format("<{}>", name), close = fmt::format("</{}>", name);
  const std::size_t start = body.find(open);
  if (start == std::string_view::npos) return std::nullopt;
  const std::size_t from = start + open.size();
  const std::size_t end = body.find(close, from);
  if (end == std::string_view::npos || end - from > max_size) return std::nullopt;
  std::string text(body.substr(from, end - from));
  for (const auto& [entity, ch] :
       {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}}) {
    for (std::size_t p = text.find(entity); p != std::string::npos; p = text.find(entity, p + 1))
      text.replace(p, std::string_view(entity).size(), ch);
  }
  return text;
}

}  // namespace sprawl::verify
