// Matcher: one per worker thread. Runs the shared Hyperscan database over a text with the
// thread's own scratch, then confirms each rule's hits with RE2 in a bounded window.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <hs/hs.h>
#include <re2/re2.h>

#include "sprawl/match.h"
#include "sprawl/result.h"
#include "src/match/rule_database.h"

namespace sprawl {

class Matcher {
 public:
  static Result<Matcher> create(const RuleDatabase& database);
  Matcher(Matcher&& other) noexcept;
  Matcher& operator=(Matcher&&) = delete;
  Matcher(const Matcher&) = delete;
  ~Matcher();

  /// Appends every confirmed match in `text` to `out`, ordered by rule then offset. Rules of
  /// low confidence are skipped when `binary` is set. Positions are left for the caller.
  void scan(std::string_view text, bool binary, std::vector<Match>& out);

  /// Like scan(), but Hyperscan only reads the byte ranges `windows` (sorted, disjoint) of
  /// `text`; RE2 still confirms against the whole text. Finds every match that lies inside a
  /// window. Used to rescan only what changed in a blob rebuilt from a delta.
  void scan_windows(std::string_view text, const std::vector<std::pair<std::size_t, std::size_t>>& windows,
                    std::vector<Match>& out);

  struct Hit {
    std::uint32_t rule;
    std::uint64_t end;
  };

 private:
  explicit Matcher(const RuleDatabase& database) : m_database(&database) {}
  void confirm_hits(std::string_view text, bool binary, std::vector<Match>& out);
  void confirm_re2_only(std::string_view text, bool binary, std::vector<Match>& out);
  void confirm(std::string_view text, std::uint32_t rule_index, const Hit* first, const Hit* last,
               std::size_t window_start, std::size_t window_end, std::vector<Match>& out);

  const RuleDatabase* m_database;
  hs_scratch_t* m_scratch = nullptr;
  std::vector<Hit> m_hits;
  std::vector<re2::StringPiece> m_groups;
};

}  // namespace sprawl
