// Layer stack: what each image layer writes and removes (whiteouts ".wh.NAME", opaque
// directories ".wh..wh..opq"), and from that whether a file one layer wrote is still in the
// final filesystem or which later layer removed it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sprawl::image {

enum class EntryRole { path, whiteout, opaque };

/// Classifies a layer entry's normalised path: a whiteout of `target`, an opaque marker for
/// directory `target` ("" for the root), or an ordinary path (`target` = the path itself).
/// ".wh." with nothing after it is an ordinary path.
EntryRole classify_entry(std::string_view path, std::string& target);

/// What one layer does to the filesystem below it. Paths are normalised (no leading "/" or "./";
/// a leading "./" or "/" and a trailing "/" are stripped again when the layer is added).
struct LayerChanges {
  std::vector<std::string> written;      ///< every ordinary entry: files, directories, links
  std::vector<std::string> whiteouts;    ///< paths deleted by ".wh.NAME" (and all below them)
  std::vector<std::string> opaque_dirs;  ///< directories whose lower-layer content is hidden
  /// Optional: the entries of `written` that are not directories (files, symlinks, hard links,
  /// devices). Only with it can removed_after see a directory that a later layer replaced with
  /// a file; left empty, such a replacement goes unnoticed (the file below counts as present).
  std::vector<std::string> files;
};

enum class RemovalKind { whiteout, opaque, overwritten };
const char* to_string(RemovalKind kind);

struct Removal {
  std::uint32_t layer = 0;  ///< index of the layer that removed it
  RemovalKind kind = RemovalKind::whiteout;
};

class LayerStack {
 public:
  /// Appends the next layer up (index 0 is the base).
  void add(LayerChanges changes);
  std::uint32_t size() const;
  /// For a file written at `path` by layer `index`: the first later layer that deletes it (a
  /// whiteout of it or of a parent), hides it (an opaque parent directory) or overwrites it
  /// (writes the same path, or replaces a parent directory with a non-directory); nullopt when
  /// the file is in the final filesystem. Within one layer a whiteout wins over an opaque
  /// parent, which wins over a write: a layer that whites out `path` and writes it again (the
  /// OCI spec applies whiteouts to lower layers only) reports `whiteout`. Cost: one hash lookup
  /// per path component (the root included), plus a walk over the layers that touched each.
  std::optional<Removal> removed_after(std::uint32_t index, std::string_view path) const;

 private:
  struct Index;                    // defined in layer_stack.cpp: one hash map over every layer's paths
  std::unique_ptr<Index> m_index;  // null only in a moved-from stack
  std::uint32_t m_size = 0;

 public:
  LayerStack();
  ~LayerStack();
  LayerStack(LayerStack&&) noexcept;
  LayerStack& operator=(LayerStack&&) noexcept;
};

}  // namespace sprawl::image
