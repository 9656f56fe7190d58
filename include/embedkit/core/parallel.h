// How many threads embedkit uses, and how it starts its own.
//
// Parallel loops (lookups, bags, gradients, initialisers) use OpenMP with num_threads() threads:
// the number of cores (or OMP_NUM_THREADS) by default. Results never depend on it: every parallel
// loop splits work so that each output is computed by one thread in a fixed order.
//
// The trainers run their workers on a ThreadGroup, whose size job_threads() decides: the one
// place that caps a requested thread count (at kMaxThreads) and turns a thread the system will
// not start into an Error instead of std::terminate.
//
//   embedkit::ThreadGroup group(embedkit::job_threads(options.threads, shards),
//                               [&](std::size_t t) { train_shard(t); });
//   group.join();  // rethrows the first exception a worker threw
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

namespace embedkit {

/// The most threads one job may ask for (--threads): more than any machine embedkit targets has
/// cores, few enough that a typo (--threads 10000) fails at once instead of exhausting memory.
inline constexpr std::size_t kMaxThreads = 256;

/// Sets the thread count of parallel loops (1 <= n <= kMaxThreads; ArgumentError otherwise).
void set_num_threads(int n);

/// The thread count of parallel loops.
[[nodiscard]] int num_threads();

/// The threads a job uses: `requested` (0 = num_threads()), but no more than `work_items` (the
/// most that can have work) nor kMaxThreads, and at least 1. ArgumentError when `requested`
/// exceeds kMaxThreads.
[[nodiscard]] std::size_t job_threads(std::size_t requested, std::size_t work_items = SIZE_MAX);

/// `count` threads, each running body(t) for its t in [0, count). No body starts before every
/// thread has been created, so a failure to create one wastes no work.
class ThreadGroup {
 public:
  /// Starts the threads. When the system refuses one (std::system_error, e.g. EAGAIN under a
  /// process or memory limit), the threads already created return without running `body`, are
  /// joined, and Error "cannot start N threads: <reason>; use --threads with a smaller number"
  /// is thrown. Other exceptions (bad_alloc) are rethrown after the same clean-up.
  ThreadGroup(std::size_t count, std::function<void(std::size_t)> body);
  /// Joins every thread (never throws; an exception not collected by join() is dropped).
  ~ThreadGroup();
  ThreadGroup(const ThreadGroup&) = delete;
  ThreadGroup& operator=(const ThreadGroup&) = delete;

  /// Whether every body has returned (for a caller that reports progress while waiting).
  [[nodiscard]] bool finished() const noexcept {
    return finished_.load(std::memory_order_acquire) == threads_.size();
  }

  /// Waits until every body has returned or `timeout` has passed; returns finished(). (A caller
  /// that reports progress wakes at once when the work ends, not at its next poll.)
  bool wait_for(std::chrono::milliseconds timeout);

  /// Waits for every thread, then rethrows the first exception a body threw (if any).
  void join();

 private:
  void run(std::size_t t) noexcept;
  void join_all() noexcept;

  std::function<void(std::size_t)> body_;
  std::vector<std::thread> threads_;
  std::latch gate_{1};
  std::atomic<bool> abandoned_{false};
  std::atomic<std::size_t> finished_{0};
  std::mutex finished_mutex_;
  std::condition_variable finished_signal_;
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

}  // namespace embedkit
