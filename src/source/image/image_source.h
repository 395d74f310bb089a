// ImageSource: where a container image's bytes are — an image layout directory (OCI) or a
// tarball (`docker save`, OCI archive; plain or compressed). It answers small metadata lookups
// from memory and streams layers without extracting anything to disk.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sprawl/result.h"
#include "src/source/archive/archive_reader.h"
#include "src/source/image/image_layout.h"

namespace sprawl::image {

/// Called once per layer found: its location, size (0: unknown) and a stream of its bytes.
using LayerReader =
    std::function<void(const std::string& location, std::uint64_t size, const archive::BlockSource& bytes)>;

class ImageSource {
 public:
  virtual ~ImageSource() = default;
  LayoutKind kind() const { return m_kind; }
  /// A metadata file by its path in the image; nullopt when absent (or too large to be metadata).
  virtual std::optional<std::string> lookup(const std::string& path) const = 0;
  /// What was wrong with the container itself (a truncated tarball), found while opening it:
  /// the layers before the damage are still read.
  virtual std::string damage() const { return {}; }
  /// Streams each of `locations` that exists to `reader`, up to `readers` layers at once (from
  /// several threads: `reader` must be thread-safe) where the source allows it — a layout
  /// directory, or an uncompressed tarball whose members are read by offset; a compressed
  /// tarball is read once, front to back. Returns the locations that were not found.
  virtual std::set<std::string> read_layers(const std::set<std::string>& locations, const LayerReader& reader,
                                            unsigned readers, std::string& error) const = 0;

 protected:
  LayoutKind m_kind = LayoutKind::none;
};

/// `input` names an image: "oci:DIR", "oci-archive:FILE", "docker-archive:FILE", a layout
/// directory (holding oci-layout and index.json), or a tarball holding manifest.json or an OCI
/// layout (a manifest.json only counts when it is docker's: an array with "Config" and "Layers").
/// Returns nullptr (not an error) for anything else, so that it is scanned as files; an
/// error when the input says it is an image and cannot be read as one.
Result<std::unique_ptr<ImageSource>> open_image(const std::string& input);

}  // namespace sprawl::image
