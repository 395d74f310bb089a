// ObjectStore: the public face of the git object reader; opening, lookups, reads, walks.
#include "src/source/git/object_store.h"

#include "src/source/git/object_directory.h"
#include "src/source/git/object_walk.h"
#include "src/source/git/pack_reader.h"

namespace sprawl::git {

struct ObjectStore::State {
  ObjectDirectory dir;
  PackReader reader{dir};
  explicit State(ObjectDirectory opened) : dir(std::move(opened)) {}
};

ObjectStore::ObjectStore(std::unique_ptr<State> state) : m_state(std::move(state)) {}
ObjectStore::~ObjectStore() = default;

Result<std::unique_ptr<ObjectStore>> ObjectStore::open(const std::string& objects_dir) {
  auto dir = open_object_directory(objects_dir);
  if (!dir) return dir.error();
  return std::unique_ptr<ObjectStore>(new ObjectStore(std::make_unique<State>(std::move(*dir))));
}

const std::vector<std::string>& ObjectStore::problems() const { return m_state->dir.problems; }

std::size_t ObjectStore::object_count() const { return m_state->dir.object_count; }

bool ObjectStore::contains(const ObjectId& id) const { return m_state->dir.locate(id).has_value(); }

Result<ObjectType> ObjectStore::read(const ObjectId& id, std::string& content) const {
  return m_state->reader.read(id, content);
}

void ObjectStore::walk(const WalkOptions& options, ObjectVisitor& visitor) const {
  walk_objects(m_state->dir, m_state->reader, options, visitor);
}

}  // namespace sprawl::git
