// Layer stack: one hash map over all layers (path → the layers that touch it and how), queried
// once per path component to find the first later layer that removes, hides or replaces a file.
#include "src/source/image/layer_stack.h"

#include <functional>
#include <limits>
#include <unordered_map>
#include <utility>

namespace sprawl::image {
namespace {

constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

// What a layer does at one path; several can apply (a whiteout and a re-added file).
enum : std::uint8_t { kWritten = 1, kFile = 2, kWhiteout = 4, kOpaque = 8 };

/// Lets the map be probed with string_views (no allocation per query).
struct PathHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view path) const noexcept { return std::hash<std::string_view>{}(path); }
};

std::string_view normalise(std::string_view path) {
  while (path.starts_with("./")) path.remove_prefix(2);
  while (path.starts_with('/')) path.remove_prefix(1);
  while (path.ends_with('/')) path.remove_suffix(1);
  return path;
}

/// Rank within one layer: a whiteout wins over an opaque parent, which wins over a write.
std::optional<RemovalKind> removal_at(std::uint8_t flags, bool is_ancestor) {
  if (flags & kWhiteout) return RemovalKind::whiteout;
  if (is_ancestor && (flags & kOpaque)) return RemovalKind::opaque;
  if (is_ancestor ? (flags & kFile) : (flags & kWritten)) return RemovalKind::overwritten;
  return std::nullopt;
}

}  // namespace

/// Every path any layer touches, each with a list (newest layer first) of the layers that touch
/// it. The lists live in one flat vector: a path in many layers costs 12 bytes per extra layer.
struct LayerStack::Index {
  struct Touch {
    std::uint32_t layer;
    std::uint32_t next;  // the next older touch of the same path, or kNone
    std::uint8_t flags;
  };
  std::unordered_map<std::string, std::uint32_t, PathHash, std::equal_to<>> heads;
  std::vector<Touch> touches;

  void mark(std::uint32_t layer, const std::vector<std::string>& paths, std::uint8_t flags) {
    for (const auto& path : paths) {
      auto [it, inserted] = heads.try_emplace(std::string(normalise(path)), kNone);
      if (it->second != kNone && touches[it->second].layer == layer) {
        touches[it->second].flags |= flags;
        continue;
      }
      touches.push_back({layer, it->second, flags});
      it->second = static_cast<std::uint32_t>(touches.size() - 1);
    }
  }

  /// Folds the layers above `index` that touch `path` into the best removal found so far.
  void consider(std::string_view path, bool is_ancestor, std::uint32_t index, Removal& best) const {
    const auto found = heads.find(path);
    if (found == heads.end()) return;
    for (std::uint32_t at = found->second; at != kNone; at = touches[at].next) {
      const Touch& touch = touches[at];
      if (touch.layer <= index) break;  // older touches follow
      if (touch.layer > best.layer) continue;
      const auto kind = removal_at(touch.flags, is_ancestor);
      if (!kind) continue;
      if (touch.layer < best.layer || *kind < best.kind) best = Removal{touch.layer, *kind};
    }
  }
};

EntryRole classify_entry(std::string_view path, std::string& target) {
  const auto slash = path.rfind('/');
  const std::string_view dir = slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
  const std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (base == kOpaqueMarker) {
    target.assign(dir);
    return EntryRole::opaque;
  }
  if (base.size() > kWhiteoutPrefix.size() && base.starts_with(kWhiteoutPrefix)) {
    target.assign(dir);
    if (!target.empty()) target.push_back('/');
    target.append(base.substr(kWhiteoutPrefix.size()));
    return EntryRole::whiteout;
  }
  target.assign(path);
  return EntryRole::path;
}

const char* to_string(RemovalKind kind) {
  switch (kind) {
    case RemovalKind::whiteout:
      return "whiteout";
    case RemovalKind::opaque:
      return "opaque";
    case RemovalKind::overwritten:
      return "overwritten";
  }
  return "unknown";
}

LayerStack::LayerStack() : m_index(std::make_unique<Index>()) {}
LayerStack::~LayerStack() = default;
LayerStack::LayerStack(LayerStack&&) noexcept = default;
LayerStack& LayerStack::operator=(LayerStack&&) noexcept = default;

void LayerStack::add(LayerChanges changes) {
  if (!m_index) m_index = std::make_unique<Index>();
  const std::uint32_t layer = m_size++;
  m_index->mark(layer, changes.written, kWritten);
  m_index->mark(layer, changes.files, kWritten | kFile);
  m_index->mark(layer, changes.whiteouts, kWhiteout);
  m_index->mark(layer, changes.opaque_dirs, kOpaque);
}

std::uint32_t LayerStack::size() const { return m_size; }

std::optional<Removal> LayerStack::removed_after(std::uint32_t index, std::string_view path) const {
  if (!m_index) return std::nullopt;
  path = normalise(path);
  Removal best{kNone, RemovalKind::overwritten};
  if (!path.empty()) m_index->consider("", true, index, best);  // an opaque root
  for (std::size_t slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/', slash + 1)) {
    m_index->consider(path.substr(0, slash), true, index, best);
  }
  m_index->consider(path, false, index, best);
  if (best.layer == kNone) return std::nullopt;
  return best;
}

}  // namespace sprawl::image
