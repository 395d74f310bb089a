// FlatStringIndex: string keys that live elsewhere (the findings' fingerprints) → small values,
// in one open-addressed array. Built once per scan over 100k+ keys, where std::unordered_map
// spent its time allocating a node per key and chasing pointers to compare them: here a slot
// holds the key's full hash, and the key's bytes are read only when the hashes agree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

namespace sprawl {

/// Keys are borrowed: they must outlive the index. Values are copied in; nothing is ever erased.
template <class Value>
class FlatStringIndex {
 public:
  explicit FlatStringIndex(std::size_t expected = 0) { grow(capacity_for(expected)); }

  /// Inserts `key` → `value` unless `key` is there. Returns the stored value (the earlier one
  /// when the key was there) and whether it was inserted.
  std::pair<const Value&, bool> emplace(std::string_view key, Value value) {
    if ((m_size + 1) * 2 > m_slots.size()) grow(m_slots.size() * 2);
    const std::uint64_t hash = hash_of(key);
    Slot& slot = m_slots[probe(key, hash)];
    if (slot.hash != 0) return {slot.value, false};
    slot = Slot{hash, key, std::move(value)};
    ++m_size;
    return {slot.value, true};
  }

  /// The value stored for `key`, or nullptr.
  const Value* find(std::string_view key) const {
    const Slot& slot = m_slots[probe(key, hash_of(key))];
    return slot.hash != 0 ? &slot.value : nullptr;
  }

  std::size_t size() const { return m_size; }

 private:
  struct Slot {
    std::uint64_t hash = 0;  ///< 0: empty (a key's hash always has its top bit set)
    std::string_view key;
    Value value{};
  };

  static std::uint64_t hash_of(std::string_view key) {
    return static_cast<std::uint64_t>(std::hash<std::string_view>{}(key)) | (std::uint64_t{1} << 63);
  }

  static std::size_t capacity_for(std::size_t keys) {
    std::size_t capacity = 16;
    while (capacity < keys * 2) capacity *= 2;
    return capacity;
  }

  /// The slot holding `key`, else the empty slot where it would go. Linear probing; the table is
  /// never more than half full, so an empty slot is always reached.
  std::size_t probe(std::string_view key, std::uint64_t hash) const {
    const std::size_t mask = m_slots.size() - 1;
    for (std::size_t i = static_cast<std::size_t>(hash) & mask;; i = (i + 1) & mask) {
      const Slot& slot = m_slots[i];
      if (slot.hash == 0 || (slot.hash == hash && slot.key == key)) return i;
    }
  }

  void grow(std::size_t capacity) {
    std::vector<Slot> old = std::exchange(m_slots, std::vector<Slot>(capacity));
    for (Slot& slot : old)
      if (slot.hash != 0) m_slots[probe(slot.key, slot.hash)] = std::move(slot);
  }

  std::vector<Slot> m_slots;
  std::size_t m_size = 0;
};

}  // namespace sprawl
