// ObjectStore: fast reading of a git object database (packs, loose objects, alternates):
// random access by id, and a parallel walk that inflates every object exactly once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sprawl/result.h"
#include "src/source/git/delta.h"
#include "src/source/git/object_id.h"

namespace sprawl::git {

/// One object as the walk hands it to a visitor.
struct WalkedObject {
  ObjectId id;
  ObjectType type = ObjectType::none;
  std::string_view content;  ///< the full inflated content; empty when too_large
  std::uint64_t size = 0;    ///< inflated size, also when too_large
  bool too_large = false;    ///< size > WalkOptions::max_object_size: not inflated
  /// Set when this object was rebuilt from a delta whose base was visited just before (its note
  /// is base_note): which target ranges were copied from where in the base. Null otherwise.
  const std::vector<DeltaCopy>* copies = nullptr;
};

/// What a visitor wants kept about an object while its deltas are visited.
using WalkNote = std::shared_ptr<const void>;

class ObjectVisitor {
 public:
  virtual ~ObjectVisitor() = default;
  /// Called on worker thread `worker` (0 <= worker < threads), concurrently from several workers.
  /// A delta base is visited before its deltas; `base_note` is what visit() returned for that
  /// base (null for objects that are not deltas). The returned note is kept alive only while
  /// deltas of this object still have to be visited.
  virtual WalkNote visit(unsigned worker, const WalkedObject& object, const WalkNote& base_note) = 0;
  /// Something could not be read (corrupt/truncated entry, missing delta base, bad loose file);
  /// the walk goes on. Calls are serialized (never two at once), from any thread.
  virtual void problem(const std::string& where, const std::string& message) = 0;
};

struct WalkOptions {
  unsigned threads = 1;
  /// Bit (1u << ObjectType): which types to visit; delta families of other types are not inflated.
  std::uint32_t types = 0xff;
  std::uint64_t max_object_size = 1ull << 30;
};

class ObjectStore {
 public:
  ~ObjectStore();
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;

  /// objects_dir = a repository's objects/ directory. Opens every objects/pack/*.idx with its
  /// .pack, indexes loose objects and follows objects/info/alternates (recursively, with a depth
  /// limit). Fails only if objects_dir is not a readable directory; per-file problems (idx
  /// without pack, bad idx, truncated pack) go to problems().
  static Result<std::unique_ptr<ObjectStore>> open(const std::string& objects_dir);

  /// One line each, naming the file.
  const std::vector<std::string>& problems() const;
  /// Distinct ids.
  std::size_t object_count() const;
  bool contains(const ObjectId& id) const;
  /// Random access, thread-safe: resolves delta chains (through a bounded, mutex-protected delta
  /// base cache). Error if missing or corrupt.
  Result<ObjectType> read(const ObjectId& id, std::string& content) const;
  /// Every distinct object exactly once (an id in several packs or also loose is visited once),
  /// on options.threads threads; returns when all are visited.
  void walk(const WalkOptions& options, ObjectVisitor& visitor) const;

 private:
  struct State;
  explicit ObjectStore(std::unique_ptr<State> state);
  std::unique_ptr<State> m_state;
};

}  // namespace sprawl::git
