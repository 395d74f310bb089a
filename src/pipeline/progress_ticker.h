// ProgressTicker: a thread that reports a scan's progress every 200 ms once a delay has passed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "src/pipeline/scan_pipeline.h"

namespace sprawl {

/// Calls the progress callback every 200 ms once `delay` has passed, until stopped.
class ProgressTicker {
 public:
  ProgressTicker(const ScanCallbacks& callbacks, std::function<ScanProgress()> sample, std::chrono::milliseconds delay)
      : m_sample(std::move(sample)), m_thread([this, &callbacks, delay] { run(callbacks, delay); }) {}
  ~ProgressTicker() {
    {
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
  }

 private:
  void run(const ScanCallbacks& callbacks, std::chrono::milliseconds delay) {
    const auto start = std::chrono::steady_clock::now();
    std::unique_lock lock(m_mutex);
    // With no delay the first line is always printed, even for a scan that is already over.
    if (delay.count() > 0 && m_wake.wait_for(lock, delay, [&] { return m_stop; })) return;
    do {
      ScanProgress p = m_sample();
      p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      callbacks.progress(p);
    } while (!m_wake.wait_for(lock, std::chrono::milliseconds(200), [&] { return m_stop; }));
  }

  std::function<ScanProgress()> m_sample;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  std::thread m_thread;
};

}  // namespace sprawl
