// Provenance objects for the machine-readable reports (docs/output-schema.md).
#include "src/report/provenance_json.h"

namespace sprawl {

void write_git_fields(JsonWriter& json, const GitProvenance& g) {
  json.field("repository", g.repository).field("location", to_string(g.location));
  if (g.location == GitLocation::commit) {
    json.field("commit", g.commit)
        .field("author_name", g.author_name)
        .field("author_email", g.author_email)
        .field("author_date", g.author_date)
        .field("summary", g.summary)
        .field("reachable", g.reachable);
  }
  json.field("at_head", g.at_head)
      .field("other_commits", static_cast<std::uint64_t>(g.other_commits))
      .field("other_paths", static_cast<std::uint64_t>(g.other_paths));
}

void write_image_fields(JsonWriter& json, const ImageProvenance& image) {
  json.field("image", image.image)
      .field("reference", image.reference)
      .field("image_id", image.image_id)
      .field("manifest_digest", image.manifest_digest);
  if (!image.platform.empty()) json.field("platform", image.platform);
  if (image.layer) {
    json.field("layer", static_cast<std::uint64_t>(*image.layer))
        .field("layer_digest", image.layer_digest)
        .field("created_by", image.created_by)
        .field("path", image.path);
    json.field("in_final_filesystem", !image.removed_in_layer.has_value());
    if (image.removed_in_layer)
      json.field("deleted_in_layer", static_cast<std::uint64_t>(*image.removed_in_layer))
          .field("removal", image.removal);
  } else {
    json.field("config_field", image.path);
  }
}

void write_nested_fields(JsonWriter& json, const Finding& f) {
  if (const auto& image = f.provenance.image) {
    json.key("image").begin_object();
    write_image_fields(json, *image);
    json.end_object();
  }
  if (!f.provenance.members.empty()) json.key("archive_members").string_array(f.provenance.members);
  if (!f.decoded.empty()) json.key("decoded").string_array(f.decoded);
  if (!f.validity.status.empty()) {
    json.key("validity").begin_object().field("status", f.validity.status).field("reason", f.validity.reason);
    json.field("method", f.validity.method);
    if (f.validity.method == "live") {
      json.field("checked_at", f.validity.checked_at).field("cached", f.validity.cached);
      if (f.validity.http_status) json.field("http_status", f.validity.http_status);
    }
    json.end_object();
    if (!f.validity.identity.empty()) {
      json.key("identity").begin_object();
      for (const auto& [key, value] : f.validity.identity) json.field(key, value);
      json.end_object();
    }
  }
}

void write_provenance_fields(JsonWriter& json, const Finding& f) {
  if (const auto& g = f.provenance.git) {
    json.key("git").begin_object();
    write_git_fields(json, *g);
    json.end_object();
  }
  write_nested_fields(json, f);
}

}  // namespace sprawl
