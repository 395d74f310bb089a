// BoundedQueue: the hand-off between the source thread and the scanning workers. A full queue
// blocks the producer, which keeps memory bounded whatever the input size.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace sprawl {

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : m_capacity(capacity) {}

  void push(T item) {
    std::unique_lock lock(m_mutex);
    m_not_full.wait(lock, [&] { return m_items.size() < m_capacity; });
    m_items.push_back(std::move(item));
    m_not_empty.notify_one();
  }

  /// The next item, or nothing once the queue is closed and drained.
  std::optional<T> pop() {
    std::unique_lock lock(m_mutex);
    m_not_empty.wait(lock, [&] { return !m_items.empty() || m_closed; });
    if (m_items.empty()) return std::nullopt;
    T item = std::move(m_items.front());
    m_items.pop_front();
    m_not_full.notify_one();
    return item;
  }

  void close() {
    std::lock_guard lock(m_mutex);
    m_closed = true;
    m_not_empty.notify_all();
  }

 private:
  std::size_t m_capacity;
  std::deque<T> m_items;
  bool m_closed = false;
  std::mutex m_mutex;
  std::condition_variable m_not_empty, m_not_full;
};

}  // namespace sprawl
