// Object id parsing and object type names.
#include "src/source/git/object_id.h"

namespace sprawl::git {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<ObjectId> parse_object_id(std::string_view hex40) {
  if (hex40.size() != 40) return std::nullopt;
  ObjectId id;
  for (std::size_t i = 0; i < 20; ++i) {
    const int high = hex_value(hex40[2 * i]), low = hex_value(hex40[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    id.bytes[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return id;
}

const char* to_string(ObjectType type) {
  switch (type) {
    case ObjectType::commit:
      return "commit";
    case ObjectType::tree:
      return "tree";
    case ObjectType::blob:
      return "blob";
    case ObjectType::tag:
      return "tag";
    case ObjectType::none:
      break;
  }
  return "none";
}

ObjectType object_type_from_name(std::string_view name) {
  if (name == "commit") return ObjectType::commit;
  if (name == "tree") return ObjectType::tree;
  if (name == "blob") return ObjectType::blob;
  if (name == "tag") return ObjectType::tag;
  return ObjectType::none;
}

}  // namespace sprawl::git
