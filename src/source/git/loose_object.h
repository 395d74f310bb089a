// Loose objects: one zlib-compressed file per object, "<type> <size>\0<content>".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sprawl/result.h"
#include "src/source/git/object_id.h"

namespace sprawl::git {

struct LooseObjectInfo {
  ObjectType type = ObjectType::none;
  std::uint64_t size = 0;  ///< the content's size, as the header declares
};

/// Inflates a loose object file's bytes: validates the header and, unless the declared size is
/// over `max_size` (then `content` is left empty and only the header is read), inflates the
/// content into `content`, which must be exactly the declared size. Errors name no file.
Result<LooseObjectInfo> parse_loose_object(std::string_view compressed, std::uint64_t max_size, std::string& content);

/// Reads and parses the loose object file at `path`; errors name the file.
Result<LooseObjectInfo> read_loose_object(const std::string& path, std::uint64_t max_size, std::string& content);

}  // namespace sprawl::git
