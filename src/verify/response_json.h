// Reading provider responses: fields of a JSON body by path, and elements of an XML one,
// without exceptions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sprawl::verify {

/// The value at `path` ({"data", "user", "login"}) in the JSON `body` as text: strings as is,
/// numbers and booleans printed, arrays of strings joined with ","; nullopt when absent,
/// null, an object, or the body is not JSON. An element of `path` that is a number indexes an
/// array ("0").
std::optional<std::string> json_field(std::string_view body, const std::vector<std::string_view>& path);

/// Whether `body` parses as JSON.
bool is_json(std::string_view body);

/// The text of the first `<name>…</name>` element of the XML `body` (no attributes on the open
/// tag), with the five predefined entities decoded; nullopt when there is none or its text is
/// longer than `max_size` bytes.
std::optional<std::string> xml_field(std::string_view body, std::string_view name, std::size_t max_size = 4096);

}  // namespace sprawl::verify
