// The object walk: a scheduler handing out delta-tree roots and shared subtrees, and workers that
// inflate each root once and rebuild its deltas depth-first from the parent's content.
#include "src/source/git/object_walk.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <new>
#include <thread>

#include "src/source/git/inflate.h"
#include "src/source/git/loose_object.h"
#include "src/source/git/walk_plan.h"

namespace sprawl::git {

namespace {

/// An object's inflated bytes, shared by the deltas still to be rebuilt from it.
struct Content {
  std::unique_ptr<char[]> bytes;
  std::uint64_t size = 0;
  std::string_view view() const { return {bytes.get(), size}; }
};
using ContentPtr = std::shared_ptr<const Content>;

/// Uninitialised storage for `size` bytes (the inflater or the delta fills every byte).
std::shared_ptr<Content> allocate_content(std::uint64_t size) {
  auto content = std::make_shared<Content>();
  content->bytes.reset(new (std::nothrow) char[size]);
  content->size = size;
  if (!content->bytes) return nullptr;
  return content;
}

/// One unit of work: a pack entry (with its base's content when it is a delta) or a loose object.
struct Task {
  const WalkPlan* plan = nullptr;  ///< null: loose object number `entry`
  std::uint32_t entry = 0;
  ObjectType type = ObjectType::none;  ///< a delta's family type
  ContentPtr base;                     ///< a delta's base content; null for roots
  WalkNote base_note;
  bool base_visited = false;
};

/// Hands out root tasks in pack order and tasks that busy workers shared; knows when all is done.
class Scheduler {
 public:
  Scheduler(const std::vector<WalkPlan>& plans, std::size_t loose_count) : m_loose_count(loose_count) {
    for (const auto& plan : plans)
      for (const std::uint32_t root : plan.roots) m_roots.push_back({&plan, root});
  }

  /// Waits for work; false once every task is finished.
  bool next(Task& task) {
    std::unique_lock lock(m_mutex);
    for (;;) {
      if (!m_shared.empty()) {
        task = std::move(m_shared.front());
        m_shared.pop_front();
      } else if (m_next_root < m_roots.size() + m_loose_count) {
        const std::size_t n = m_next_root++;
        task = Task();
        task.plan = n < m_roots.size() ? m_roots[n].first : nullptr;
        task.entry = n < m_roots.size() ? m_roots[n].second : static_cast<std::uint32_t>(n - m_roots.size());
      } else if (m_busy == 0) {
        m_wakeup.notify_all();
        return false;
      } else {
        ++m_idle;
        update_hunger();
        m_wakeup.wait(lock);
        --m_idle;
        update_hunger();
        continue;
      }
      ++m_busy;
      update_hunger();
      return true;
    }
  }
  /// The task from next() and everything it left on the worker's own stack are finished.
  void finished() {
    std::lock_guard lock(m_mutex);
    if (--m_busy == 0) m_wakeup.notify_all();
  }
  /// Whether idle workers are waiting for more than the shared queue holds (cheap, lock-free).
  bool hungry() const { return m_hungry.load(std::memory_order_relaxed); }
  void share(Task task) {
    std::lock_guard lock(m_mutex);
    m_shared.push_back(std::move(task));
    update_hunger();
    m_wakeup.notify_one();
  }

 private:
  void update_hunger() { m_hungry.store(m_idle > m_shared.size(), std::memory_order_relaxed); }

  std::mutex m_mutex;
  std::condition_variable m_wakeup;
  std::vector<std::pair<const WalkPlan*, std::uint32_t>> m_roots;
  std::size_t m_loose_count, m_next_root = 0, m_idle = 0, m_busy = 0;
  std::deque<Task> m_shared;
  std::atomic<bool> m_hungry{false};
};

/// What all workers share.
struct WalkContext {
  const ObjectDirectory& dir;
  const PackReader& reader;
  const WalkOptions& options;
  ObjectVisitor& visitor;
  Scheduler& scheduler;
  std::mutex problem_mutex;

  bool wanted(ObjectType type) const {
    return type != ObjectType::none && (options.types & (1u << static_cast<unsigned>(type)));
  }
  void problem(const std::string& where, const std::string& message) {
    std::lock_guard lock(problem_mutex);
    visitor.problem(where, message);
  }
};

/// One walk thread: runs tasks from the scheduler, keeping the deltas they produce on its own
/// stack (depth first, so memory stays near chain depth x object size) unless others are idle.
class Worker {
 public:
  Worker(unsigned index, WalkContext& context) : m_index(index), m_context(context) {}
  void run();

 private:
  void run_entry(Task& task);
  void run_loose(const Task& task);
  Result<ContentPtr> external_base(const PackEntryHeader& header, ObjectType& type);
  Result<ContentPtr> rebuild(const Task& task, const WalkPlan::Entry& entry, const PackEntryHeader& header,
                             ContentPtr base, bool has_children, std::uint64_t& size);
  void finish(const Task& task, ObjectType type, const ContentPtr& content, std::uint64_t size, bool with_copies);
  void fail(const Task& task, const std::string& message);

  unsigned m_index;
  WalkContext& m_context;
  Inflater m_inflater;
  std::string m_delta;
  std::vector<DeltaCopy> m_copies;
  std::deque<Task> m_stack;
};

void Worker::run() {
  Task task;
  while (m_context.scheduler.next(task)) {
    m_stack.push_back(std::move(task));
    while (!m_stack.empty()) {
      if (m_stack.size() > 1 && m_context.scheduler.hungry()) {
        m_context.scheduler.share(std::move(m_stack.front()));  // the oldest: nearest a root, most work
        m_stack.pop_front();
        continue;
      }
      Task top = std::move(m_stack.back());
      m_stack.pop_back();
      if (top.plan)
        run_entry(top);
      else
        run_loose(top);
    }
    m_context.scheduler.finished();
  }
}

void Worker::fail(const Task& task, const std::string& message) {
  const auto& entry = task.plan->entries[task.entry];
  std::string text = message;
  if (const std::size_t below = task.plan->descendant_count(task.entry))
    text += "; its " + std::to_string(below) + " delta descendants are unreadable too";
  m_context.problem(entry_name(*task.plan->pack, entry.offset), text);
}

Result<ContentPtr> Worker::external_base(const PackEntryHeader& header, ObjectType& type) {
  std::string bytes;
  auto read = m_context.reader.read(header.base_id, bytes);
  if (!read) return Error{"cannot read delta base " + header.base_id.hex() + ": " + read.error().message};
  type = *read;
  auto content = allocate_content(bytes.size());
  if (!content) return Error{"out of memory"};
  std::copy(bytes.begin(), bytes.end(), content->bytes.get());
  return ContentPtr(std::move(content));
}

/// The most the walk inflates: objects over the size limit are still inflated when deltas are
/// built from them, up to this much (so that a corrupt or hostile size cannot exhaust memory).
std::uint64_t base_limit(const WalkOptions& options) {
  return options.max_object_size > UINT64_MAX / 4 ? UINT64_MAX : options.max_object_size * 4;
}

/// Inflates a whole object, or rebuilds a delta from `base`. The content is null when the object
/// is not inflated: over the size limit and without deltas, or over base_limit().
Result<ContentPtr> Worker::rebuild(const Task& task, const WalkPlan::Entry& entry, const PackEntryHeader& header,
                                   ContentPtr base, bool has_children, std::uint64_t& size) {
  const Pack& pack = *task.plan->pack;
  const std::string_view compressed = pack.file.compressed(entry.offset, header, task.plan->entry_end(task.entry));
  if (header.size > max_inflated_size(compressed.size()))
    return Error{"entry declares " + std::to_string(header.size) + " bytes, more than its data can hold"};
  const std::uint64_t limit = has_children ? base_limit(m_context.options) : m_context.options.max_object_size;
  if (!base) {  // a whole object
    size = header.size;
    if (size > limit) return ContentPtr();
    auto content = allocate_content(size);
    if (!content) return Error{"out of memory for " + std::to_string(size) + " bytes"};
    if (auto done = m_inflater.inflate(compressed, content->bytes.get(), size); !done) return done.error();
    return ContentPtr(std::move(content));
  }
  if (header.size > base_limit(m_context.options)) return Error{"delta data too large to inflate"};
  m_delta.resize(header.size);
  if (auto done = m_inflater.inflate(compressed, m_delta.data(), header.size); !done) return done.error();
  auto delta_header = parse_delta_header(m_delta);
  if (!delta_header) return delta_header.error();
  size = delta_header->target_size;
  if (size > max_delta_target_size(m_delta.size(), base->size)) return Error{"delta declares an impossible size"};
  if (size > limit) return ContentPtr();
  auto content = allocate_content(size);
  if (!content) return Error{"out of memory for " + std::to_string(size) + " bytes"};
  auto* copies = task.base_visited ? &m_copies : nullptr;
  if (auto done = apply_delta(base->view(), m_delta, *delta_header, content->bytes.get(), copies); !done)
    return done.error();
  if (m_delta.capacity() > (64u << 20)) std::string().swap(m_delta);
  return ContentPtr(std::move(content));
}

void Worker::run_entry(Task& task) {
  const WalkPlan& plan = *task.plan;
  const WalkPlan::Entry& entry = plan.entries[task.entry];
  auto header = plan.pack->file.entry_header(entry.offset);
  if (!header) return fail(task, header.error().message);
  ObjectType type = header->is_delta() ? task.type : header->type();
  ContentPtr base = task.base;
  if (header->is_delta() && !base) {  // the base is in another pack or loose
    auto external = external_base(*header, type);
    if (!external) return fail(task, external.error().message);
    base = std::move(*external);
  }
  if (!m_context.wanted(type)) return;
  const auto [first, last] = plan.children_of(task.entry);
  std::uint64_t size = 0;
  auto content = rebuild(task, entry, *header, std::move(base), first != last, size);
  if (!content) return fail(task, content.error().message);
  task.base.reset();  // let the base go before visiting
  finish(task, type, *content, size, header->is_delta() && task.base_visited);
  if (!*content && first != last)
    m_context.problem(entry_name(*plan.pack, entry.offset), "its " + std::to_string(plan.descendant_count(task.entry)) +
                                                                " delta descendants are not rebuilt: the object (" +
                                                                std::to_string(size) +
                                                                " bytes) is over 4x the size limit");
}

void Worker::finish(const Task& task, ObjectType type, const ContentPtr& content, std::uint64_t size,
                    bool with_copies) {
  const WalkPlan& plan = *task.plan;
  const WalkPlan::Entry& entry = plan.entries[task.entry];
  const bool visited = !plan.pack->is_shadowed(entry.position);
  WalkNote note;
  if (visited) {
    WalkedObject object;
    object.id = plan.pack->index.id(entry.position);
    object.type = type;
    object.size = size;
    object.too_large = size > m_context.options.max_object_size;
    if (!object.too_large) object.content = content->view();
    object.copies = with_copies && content ? &m_copies : nullptr;
    note = m_context.visitor.visit(m_index, object, with_copies ? task.base_note : WalkNote());
  }
  if (!content) return;
  const auto [first, last] = plan.children_of(task.entry);
  for (auto it = last; it != first;) m_stack.push_back(Task{&plan, *--it, type, content, note, visited});
}

void Worker::run_loose(const Task& task) {
  const LooseEntry& loose = m_context.dir.loose[task.entry];
  std::string content;
  auto info = read_loose_object(loose.path, m_context.options.max_object_size, content);
  if (!info) return m_context.problem(loose.path, info.error().message);
  if (!m_context.wanted(info->type)) return;
  WalkedObject object;
  object.id = loose.id;
  object.type = info->type;
  object.size = info->size;
  object.too_large = info->size > m_context.options.max_object_size;
  object.content = content;
  m_context.visitor.visit(m_index, object, WalkNote());
}

}  // namespace

void walk_objects(const ObjectDirectory& dir, const PackReader& reader, const WalkOptions& options,
                  ObjectVisitor& visitor) {
  std::vector<WalkPlan> plans;
  plans.reserve(dir.packs.size());
  for (const Pack& pack : dir.packs) plans.push_back(plan_pack_walk(pack));
  Scheduler scheduler(plans, dir.loose.size());
  WalkContext context{dir, reader, options, visitor, scheduler, {}};
  for (const auto& plan : plans)
    for (const auto& problem : plan.problems) context.problem(problem.where, problem.message);
  const unsigned threads = std::max(1u, options.threads);
  std::vector<std::thread> helpers;
  for (unsigned i = 1; i < threads; ++i) helpers.emplace_back([&context, i] { Worker(i, context).run(); });
  Worker(0, context).run();
  for (auto& helper : helpers) helper.join();
}

}  // namespace sprawl::git
