// Object ids and object types of git's object database (sprawl::git).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "sprawl/blob.h"

namespace sprawl::git {

/// A git object id: the 20-byte SHA-1 of "<type> <size>\0<content>".
using ObjectId = sprawl::BlobId;

/// Parses 40 hexadecimal digits (either case); nullopt for anything else.
std::optional<ObjectId> parse_object_id(std::string_view hex40);

/// The four object types; the values are the type numbers used in pack files.
enum class ObjectType : std::uint8_t { none = 0, commit = 1, tree = 2, blob = 3, tag = 4 };

/// "commit", "tree", "blob", "tag" (the names in loose object headers), or "none".
const char* to_string(ObjectType type);

/// The type named `name` in a loose object header; ObjectType::none if it names none.
ObjectType object_type_from_name(std::string_view name);

}  // namespace sprawl::git
