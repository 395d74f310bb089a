// ObjectIdTable: a flat open-addressing map from object id to a small state byte, for the
// tens of millions of lookups a tree walk makes (std::unordered_set costs a cache miss per
// node). Ids are SHA-1 digests, so their first bytes are already a good hash.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "src/source/git/object_id.h"

namespace sprawl::git {

class ObjectIdTable {
 public:
  /// Sized for `expected` ids at a load of at most one half.
  explicit ObjectIdTable(std::size_t expected = 0) { reserve(expected); }

  void reserve(std::size_t expected) {
    std::size_t capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    if (capacity <= m_ids.size()) return;
    std::vector<ObjectId> ids(capacity);
    std::vector<std::uint8_t> states(capacity, 0);
    std::swap(ids, m_ids);
    std::swap(states, m_states);
    m_mask = capacity - 1;
    m_size = 0;
    for (std::size_t i = 0; i < ids.size(); ++i)
      if (states[i]) set(ids[i], states[i]);
  }

  /// Sets the state of `id` (a state of 0 is reserved for "absent").
  void set(const ObjectId& id, std::uint8_t state) {
    if ((m_size + 1) * 2 > m_ids.size()) reserve(m_size + 1);
    std::size_t slot = home(id);
    while (m_states[slot] && !(m_ids[slot] == id)) slot = (slot + 1) & m_mask;
    if (!m_states[slot]) {
      m_ids[slot] = id;
      ++m_size;
    }
    m_states[slot] = state;
  }

  /// The state of `id`; 0 when absent.
  std::uint8_t get(const ObjectId& id) const {
    if (m_ids.empty()) return 0;
    for (std::size_t slot = home(id);; slot = (slot + 1) & m_mask) {
      if (!m_states[slot]) return 0;
      if (m_ids[slot] == id) return m_states[slot];
    }
  }

  std::size_t size() const { return m_size; }

 private:
  std::size_t home(const ObjectId& id) const {
    std::uint64_t h;
    std::memcpy(&h, id.bytes.data(), sizeof h);
    return static_cast<std::size_t>(h) & m_mask;
  }

  std::vector<ObjectId> m_ids;
  std::vector<std::uint8_t> m_states;
  std::size_t m_mask = 0, m_size = 0;
};

}  // namespace sprawl::git
