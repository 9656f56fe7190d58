#include "embedkit/core/parallel.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <system_error>
#include <utility>

#include "embedkit/core/error.h"

namespace embedkit {

void set_num_threads(int n) {
  EMBEDKIT_CHECK(n >= 1 && static_cast<std::size_t>(n) <= kMaxThreads, ArgumentError,
                 fmt::format("thread count must be from 1 to {}, got {}", kMaxThreads, n));
  omp_set_num_threads(n);
}

int num_threads() { return omp_get_max_threads(); }

std::size_t job_threads(std::size_t requested, std::size_t work_items) {
  EMBEDKIT_CHECK(requested <= kMaxThreads, ArgumentError,
                 fmt::format("--threads {}: at most {} threads", requested, kMaxThreads));
  const std::size_t wanted = requested > 0 ? requested : static_cast<std::size_t>(std::max(1, num_threads()));
  return std::max<std::size_t>(1, std::min({wanted, work_items, kMaxThreads}));
}

ThreadGroup::ThreadGroup(std::size_t count, std::function<void(std::size_t)> body) : body_(std::move(body)) {
  try {
    threads_.reserve(count);
    for (std::size_t t = 0; t < count; ++t) threads_.emplace_back([this, t] { run(t); });
  } catch (...) {
    // Threads already running wait at the gate: let them go without work, then wait for them,
    // so that no joinable std::thread is destroyed (std::terminate).
    abandoned_.store(true);
    gate_.count_down();
    join_all();
    try {
      throw;
    } catch (const std::system_error& e) {
      throw Error(fmt::format("cannot start {} threads: {} after {}; use --threads with a smaller number", count,
                              e.code().message(), threads_.size()),
                  "std::thread started");
    }
  }
  gate_.count_down();
}

ThreadGroup::~ThreadGroup() { join_all(); }

void ThreadGroup::run(std::size_t t) noexcept {
  gate_.wait();
  if (!abandoned_.load()) {
    try {
      body_(t);
    } catch (...) {
      const std::lock_guard lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }
  const std::lock_guard lock(finished_mutex_);
  finished_.fetch_add(1, std::memory_order_acq_rel);
  finished_signal_.notify_all();
}

bool ThreadGroup::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(finished_mutex_);
  return finished_signal_.wait_for(lock, timeout, [this] { return finished(); });
}

void ThreadGroup::join_all() noexcept {
  for (std::thread& th : threads_) {
    if (th.joinable()) th.join();
  }
}

void ThreadGroup::join() {
  join_all();
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

}  // namespace embedkit
