#include "train/hogwild.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"

namespace embedkit::detail {

Hogwild::Hogwild(HogwildOptions options, std::uint64_t work_done, std::vector<std::uint64_t> rng_states)
    : options_(options),
      work_done_(work_done),
      work_at_start_(work_done),
      rng_states_(std::move(rng_states)),
      counters_(options.threads),
      start_(std::chrono::steady_clock::now()),
      last_report_(start_) {
  EMBEDKIT_CHECK(options_.threads >= 1 && options_.epochs >= 1, ArgumentError, "Hogwild: no threads or no epochs");
  options_.work_per_epoch = std::max<std::uint64_t>(1, options_.work_per_epoch);
  if (rng_states_.empty()) {
    for (std::size_t t = 0; t < options_.threads; ++t) {
      rng_states_.push_back(SplitMix64::stream(options_.seed, t + 1).state());
    }
  }
  EMBEDKIT_CHECK(rng_states_.size() == options_.threads, ArgumentError,
                 fmt::format("the checkpoint was written by {} threads; resume with --threads {}", rng_states_.size(),
                             rng_states_.size()));
  for (ThreadCounters& c : counters_) {
    c.loss = std::make_unique<std::atomic<double>[]>(options_.epochs);
    c.predictions = std::make_unique<std::atomic<std::uint64_t>[]>(options_.epochs);
  }
}

Hogwild::~Hogwild() = default;

float Hogwild::learning_rate_at(std::uint64_t work_done) const noexcept {
  // (epoch + the epoch's share done) / epochs: written this way, one thread's rate at example p of
  // epoch e is exactly base * (1 - (e + p / n) / epochs), the classifier's rate before the runner.
  const std::uint64_t per_epoch = options_.work_per_epoch;
  const std::uint64_t epoch = work_done / per_epoch;
  const double progress = (static_cast<double>(epoch) +
                           static_cast<double>(work_done - epoch * per_epoch) / static_cast<double>(per_epoch)) /
                          static_cast<double>(options_.epochs);
  return options_.learning_rate * static_cast<float>(std::max(0.0, 1.0 - progress));
}

void Hogwild::fail(std::string message) {
  const std::lock_guard lock(failure_mutex_);
  if (failure_.empty()) failure_ = std::move(message);
  stop_.store(true);
}

void Hogwild::run_epoch(std::size_t epoch, const std::function<void(Thread&)>& work,
                        const std::function<void(const HogwildProgress&)>& on_progress, bool ends_epoch) {
  EMBEDKIT_CHECK(epoch < options_.epochs, ArgumentError, "Hogwild: epoch past the last");
  if (stopped()) return;
  epoch_.store(epoch);
  {
    ThreadGroup group(options_.threads, [&](std::size_t t) {
      // (nthreads-var is per thread: this sets the parallel regions this worker starts, no others.)
      omp_set_num_threads(static_cast<int>(std::max<std::size_t>(1, options_.threads_inside)));
      Thread thread(*this, t, epoch);
      try {
        work(thread);
      } catch (...) {
        stop_.store(true);  // the others stop at their next report
        rng_states_[t] = thread.rng_.state();
        throw;
      }
      rng_states_[t] = thread.rng_.state();
    });
    // The calling thread reports progress until the workers are done.
    while (!group.wait_for(options_.report_every)) {
      last_report_ = std::chrono::steady_clock::now();
      if (on_progress) on_progress(progress(false));
      if (options_.should_stop && !stopped() && options_.should_stop()) {
        stopped_mid_epoch_.store(true);
        stopped_.store(true);
        stop_.store(true);
      }
    }
    group.join();  // rethrows the first worker exception
  }
  if (!failure_.empty()) throw Error(failure_, "a finite loss");
  if (!ends_epoch) {
    // Between pieces: a stop cuts this epoch short; progress as often as between reports.
    if (options_.should_stop && !stopped() && options_.should_stop()) {
      stopped_mid_epoch_.store(true);
      stopped_.store(true);
    }
    if (on_progress && std::chrono::steady_clock::now() - last_report_ >= options_.report_every) {
      last_report_ = std::chrono::steady_clock::now();
      on_progress(progress(false));
    }
    return;
  }
  // (Polled again between epochs: epochs shorter than report_every would never see it.)
  if (options_.should_stop && !stopped() && epoch + 1 < options_.epochs && options_.should_stop()) stopped_.store(true);
  last_report_ = std::chrono::steady_clock::now();
  if (on_progress) on_progress(progress(epoch + 1 == options_.epochs && !stopped()));
}

HogwildProgress Hogwild::progress(bool finished) const {
  HogwildProgress p;
  p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  p.work_done = work_done();
  p.epoch = epoch_.load();
  const double total = static_cast<double>(options_.work_per_epoch) * static_cast<double>(options_.epochs);
  p.fraction = std::min(1.0, static_cast<double>(p.work_done) / total);
  const auto this_run = static_cast<double>(p.work_done - work_at_start_);
  p.work_per_second = p.seconds > 0 ? this_run / p.seconds : 0;
  for (const ThreadCounters& c : counters_) {
    p.thread_work_per_second.push_back(p.seconds > 0 ? static_cast<double>(c.work.load()) / p.seconds : 0);
  }
  p.learning_rate = learning_rate_at(p.work_done);
  for (std::size_t e = 0; e <= p.epoch && e < options_.epochs; ++e) {
    double loss = 0;
    std::uint64_t predictions = 0;
    for (const ThreadCounters& c : counters_) {
      loss += c.loss[e].load(std::memory_order_relaxed);
      predictions += c.predictions[e].load(std::memory_order_relaxed);
    }
    p.epoch_loss.push_back(predictions > 0 ? loss / static_cast<double>(predictions) : 0);
  }
  p.eta_seconds = this_run > 0 ? p.seconds * std::max(0.0, total - static_cast<double>(p.work_done)) / this_run : 0;
  p.finished = finished;
  return p;
}

Hogwild::Thread::Thread(Hogwild& run, std::size_t index, std::size_t epoch)
    : run_(run),
      index_(index),
      epoch_(epoch),
      rng_(run.rng_states_[index]),
      learning_rate_(run.learning_rate_at(run.work_done())) {}

bool Hogwild::Thread::report(std::uint64_t work, double loss, std::uint64_t predictions) noexcept {
  const std::uint64_t done = run_.work_done_.fetch_add(work, std::memory_order_relaxed) + work;
  ThreadCounters& c = run_.counters_[index_];
  // Only this thread writes its counters: plain load + store, no read-modify-write.
  c.work.store(c.work.load(std::memory_order_relaxed) + work, std::memory_order_relaxed);
  c.loss[epoch_].store(c.loss[epoch_].load(std::memory_order_relaxed) + loss, std::memory_order_relaxed);
  c.predictions[epoch_].store(c.predictions[epoch_].load(std::memory_order_relaxed) + predictions,
                              std::memory_order_relaxed);
  learning_rate_ = run_.learning_rate_at(done);
  return !run_.stop_.load(std::memory_order_relaxed);
}

void Hogwild::Thread::diverged() {
  run_.fail(fmt::format("training diverged in epoch {} after {} {} (learning rate {:.4g}): the model is no longer "
                        "finite; lower the learning rate (--lr)",
                        epoch_ + 1, run_.work_done(), run_.options_.work_unit, learning_rate_));
}

}  // namespace embedkit::detail
