// The provenance objects shared by the JSON, JSON Lines and SARIF writers: a finding's git,
// image, archive-member and decoding details, written the same way everywhere.
#pragma once

#include "sprawl/finding.h"
#include "src/report/json_writer.h"

namespace sprawl {

/// The fields of a `git` object (the caller opens and closes it).
void write_git_fields(JsonWriter& json, const GitProvenance& g);

/// The fields of an `image` object (the caller opens and closes it).
void write_image_fields(JsonWriter& json, const ImageProvenance& image);

/// `image`, `archive_members`, `decoded`, `validity` and `identity`, each only when the finding
/// has it.
void write_nested_fields(JsonWriter& json, const Finding& f);

/// `git`, then the nested fields above.
void write_provenance_fields(JsonWriter& json, const Finding& f);

}  // namespace sprawl
