// Test support: an ObjectVisitor that records every visit and checks delta copies against the base.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "src/source/git/object_store.h"

namespace sprawl::test::objstore {

/// What one visit() saw.
struct RecordedVisit {
  std::string type;
  std::uint64_t size = 0;
  std::string content;
  bool too_large = false;
  std::string base_id;     ///< the id whose note came as base_note ("" if none)
  bool base_seen = false;  ///< the base was recorded before this visit
  bool has_copies = false;
  std::size_t bad_copies = 0;  ///< copies out of order, out of bounds or not equal to the base bytes
};

class RecordingVisitor : public git::ObjectVisitor {
 public:
  struct Note {
    std::string id, content;
  };

  git::WalkNote visit(unsigned, const git::WalkedObject& object, const git::WalkNote& base_note) override {
    RecordedVisit visit;
    visit.type = git::to_string(object.type);
    visit.size = object.size;
    visit.content = std::string(object.content);
    visit.too_large = object.too_large;
    visit.has_copies = object.copies != nullptr;
    const auto* base = static_cast<const Note*>(base_note.get());
    if (base) visit.base_id = base->id;
    if (object.copies && base && !object.too_large)
      visit.bad_copies = check_copies(*object.copies, base->content, visit.content);
    auto note = std::make_shared<Note>(Note{object.id.hex(), visit.content});
    std::lock_guard lock(m_mutex);
    visit.base_seen = base && visits.count(base->id) > 0;
    visits[object.id.hex()].push_back(std::move(visit));
    return note;
  }
  void problem(const std::string& where, const std::string& message) override {
    std::lock_guard lock(m_mutex);
    problems.emplace_back(where, message);
  }

  /// Ids visited more than once.
  std::size_t repeated() const {
    std::size_t n = 0;
    for (const auto& [id, list] : visits) n += list.size() > 1;
    return n;
  }

  std::map<std::string, std::vector<RecordedVisit>> visits;
  std::vector<std::pair<std::string, std::string>> problems;

 private:
  static std::size_t check_copies(const std::vector<git::DeltaCopy>& copies, const std::string& base,
                                  const std::string& target) {
    std::size_t bad = 0;
    std::uint64_t next = 0;
    for (const auto& copy : copies) {
      const bool in_bounds = copy.source_offset + copy.length <= base.size() &&
                             copy.target_offset + copy.length <= target.size() && copy.target_offset >= next;
      if (!in_bounds || base.compare(copy.source_offset, copy.length, target, copy.target_offset, copy.length) != 0)
        ++bad;
      next = copy.target_offset + copy.length;
    }
    return bad;
  }

  std::mutex m_mutex;
};

}  // namespace sprawl::test::objstore
