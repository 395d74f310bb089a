// Building a pack's delta forest: entry headers in offset order, base links, roots, cycle detection.
#include "src/source/git/walk_plan.h"

#include <algorithm>

#include "src/source/git/pack_reader.h"

namespace sprawl::git {

namespace {

constexpr std::uint32_t kNoBase = UINT32_MAX;
constexpr std::uint32_t kExternalBase = UINT32_MAX - 1;

/// Entries sorted by offset, with their headers parsed; `bases` gets each entry's base entry,
/// kNoBase for whole objects and broken entries, kExternalBase for bases outside the pack.
std::vector<WalkPlan::Entry> read_entries(const Pack& pack, std::vector<std::uint32_t>& bases,
                                          std::vector<WalkPlan::Problem>& problems) {
  const std::uint32_t count = pack.index.count();
  std::vector<WalkPlan::Entry> entries(count);
  for (std::uint32_t i = 0; i < count; ++i) entries[i] = {pack.index.offset(i), 0, i, 0};
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.offset < b.offset; });
  std::vector<std::uint32_t> entry_of_position(count);
  for (std::uint32_t e = 0; e < count; ++e) entry_of_position[entries[e].position] = e;
  bases.assign(count, kNoBase);
  for (std::uint32_t e = 0; e < count; ++e) {
    auto& entry = entries[e];
    auto header = pack.file.entry_header(entry.offset);
    if (!header) {
      problems.push_back({entry_name(pack, entry.offset), header.error().message});
      continue;
    }
    entry.size = header->size;
    entry.kind = static_cast<std::uint8_t>(header->kind);
    if (header->kind == PackEntryKind::ofs_delta) {
      const auto it = std::lower_bound(entries.begin(), entries.begin() + e, header->base_offset,
                                       [](const auto& x, std::uint64_t offset) { return x.offset < offset; });
      if (it != entries.begin() + e && it->offset == header->base_offset) {
        bases[e] = static_cast<std::uint32_t>(it - entries.begin());
      } else {
        problems.push_back({entry_name(pack, entry.offset),
                            "delta base offset " + std::to_string(header->base_offset) + " is not an entry"});
        entry.kind = 0;
      }
    } else if (header->kind == PackEntryKind::ref_delta) {
      const auto position = pack.index.find(header->base_id);
      bases[e] = position ? entry_of_position[*position] : kExternalBase;
    }
  }
  return entries;
}

/// Children lists in compressed-row form, each in ascending offset order.
void link_children(WalkPlan& plan, const std::vector<std::uint32_t>& bases) {
  const std::size_t count = plan.entries.size();
  plan.child_begin.assign(count + 1, 0);
  for (const std::uint32_t base : bases)
    if (base < count) ++plan.child_begin[base + 1];
  for (std::size_t e = 0; e < count; ++e) plan.child_begin[e + 1] += plan.child_begin[e];
  plan.children.resize(plan.child_begin[count]);
  std::vector<std::uint32_t> fill(plan.child_begin.begin(), plan.child_begin.end() - 1);
  for (std::uint32_t e = 0; e < count; ++e)
    if (bases[e] < count) plan.children[fill[bases[e]]++] = e;
}

/// Marks `e` and its delta subtree as reached; the number of entries marked below `e`.
std::size_t mark_subtree(const WalkPlan& plan, std::uint32_t e, std::vector<bool>& reached) {
  std::size_t below = 0;
  std::vector<std::uint32_t> stack{e};
  reached[e] = true;
  while (!stack.empty()) {
    const std::uint32_t top = stack.back();
    stack.pop_back();
    for (auto [it, end] = plan.children_of(top); it != end; ++it) {
      if (reached[*it]) continue;
      reached[*it] = true;
      ++below;
      stack.push_back(*it);
    }
  }
  return below;
}

}  // namespace

std::size_t WalkPlan::descendant_count(std::uint32_t e) const {
  std::vector<bool> reached(entries.size());
  return mark_subtree(*this, e, reached);
}

WalkPlan plan_pack_walk(const Pack& pack) {
  WalkPlan plan;
  plan.pack = &pack;
  std::vector<std::uint32_t> bases;
  std::vector<WalkPlan::Problem> broken;
  plan.entries = read_entries(pack, bases, broken);
  link_children(plan, bases);
  const std::uint32_t count = static_cast<std::uint32_t>(plan.entries.size());
  std::vector<bool> reached(count);
  for (std::uint32_t e = 0; e < count; ++e) {
    if (plan.entries[e].kind == 0 || (bases[e] != kNoBase && bases[e] != kExternalBase)) continue;
    plan.roots.push_back(e);
    mark_subtree(plan, e, reached);
  }
  for (std::uint32_t e = 0, b = 0; e < count; ++e) {  // broken entries come in offset order, as `broken`
    if (plan.entries[e].kind != 0 || bases[e] != kNoBase) continue;
    WalkPlan::Problem problem = std::move(broken[b++]);
    if (const std::size_t below = mark_subtree(plan, e, reached))
      problem.message += "; its " + std::to_string(below) + " delta descendants are unreadable too";
    plan.problems.push_back(std::move(problem));
  }
  for (std::uint32_t e = 0; e < count; ++e) {
    if (reached[e]) continue;
    plan.problems.push_back({entry_name(pack, plan.entries[e].offset), "delta base chain loops (REF_DELTA cycle)"});
    reached[e] = true;
  }
  return plan;
}

}  // namespace sprawl::git
