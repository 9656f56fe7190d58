// Private to embedkit::train: the skeleton both trainers run on. Hogwild SGD (Niu et al., 2011):
// worker threads update the shared tables without locks, each over its own share of the data.
//
//   detail::Hogwild run({.threads = 2, .epochs = 5, .work_per_epoch = tokens, .learning_rate = 0.05F,
//                        .seed = 1, .work_unit = "words"});
//   for (std::size_t epoch = 0; epoch < 5; ++epoch)
//     run.run_epoch(epoch, [&](detail::Hogwild::Thread& thread) {
//       for (...) { ...train with thread.learning_rate(), thread.rng()...;
//                   if (!thread.report(words, loss, predictions)) return; }
//     }, on_progress);
//
// What it owns, so that no trainer repeats it: the threads (started per epoch; the calling thread
// reports progress while they run, and gets the first exception a worker threw), one random
// generator per thread (its state survives epochs and checkpoints), the learning rate (decaying
// linearly to 0 over all epochs' work), the progress and loss counters, and the stop on
// divergence (a worker calls diverged(); every worker sees report() return false; run_epoch
// throws the message).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "embedkit/core/random.h"

namespace embedkit::detail {

struct HogwildOptions {
  std::size_t threads = 1;
  std::size_t epochs = 1;
  std::uint64_t work_per_epoch = 1;  ///< units the learning rate decays over (words, examples)
  float learning_rate = 0.05F;       ///< at the start; linear decay to 0 at the end of the last epoch
  std::uint64_t seed = 1;            ///< thread t's generator starts at SplitMix64::stream(seed, t + 1)
  const char* work_unit = "words";   ///< for messages
  std::chrono::milliseconds report_every{250};  ///< between progress callbacks
  /// Threads of the parallel loops (the layer's OpenMP regions) each worker starts: 1 for Hogwild
  /// workers, which are the parallelism; a single worker doing mini-batches gives them its cores.
  std::size_t threads_inside = 1;
  /// Polled on the calling thread with each progress report: true stops every worker at its next
  /// report, run_epoch returns normally and stopped() says so (a user's Ctrl-C: the model so far).
  std::function<bool()> should_stop;
};

struct HogwildProgress {
  double fraction = 0;             ///< 0..1 over all epochs
  std::size_t epoch = 0;           ///< 0-based, the one running
  std::uint64_t work_done = 0;     ///< all threads, all epochs (resumed work included)
  double seconds = 0;              ///< since this run started
  double work_per_second = 0;      ///< this run's work / seconds
  std::vector<double> thread_work_per_second;
  float learning_rate = 0;
  std::vector<double> epoch_loss;  ///< mean loss per prediction of each epoch so far
  double eta_seconds = 0;
  bool finished = false;
};

class Hogwild {
 public:
  class Thread;

  /// `work_done` and `rng_states` (one per thread) continue a checkpointed run.
  explicit Hogwild(HogwildOptions options, std::uint64_t work_done = 0, std::vector<std::uint64_t> rng_states = {});
  ~Hogwild();
  Hogwild(const Hogwild&) = delete;
  Hogwild& operator=(const Hogwild&) = delete;

  /// Runs work(thread) on every thread for epoch `epoch`; on_progress (optional) gets a snapshot
  /// every report_every and once at the end. Throws the first worker exception, or Error with the
  /// divergence message. Returns at once when the run was stopped.
  /// `ends_epoch` false: this call is one piece of the epoch (a distributed run exchanges
  /// updates between pieces): it reports progress only when report_every has passed, never as
  /// finished, and a stop requested now counts as within the epoch.
  void run_epoch(std::size_t epoch, const std::function<void(Thread&)>& work,
                 const std::function<void(const HogwildProgress&)>& on_progress = {}, bool ends_epoch = true);

  [[nodiscard]] HogwildProgress progress(bool finished) const;
  [[nodiscard]] std::size_t threads() const noexcept { return options_.threads; }
  /// Whether should_stop asked the run to stop (the current epoch ended early).
  [[nodiscard]] bool stopped() const noexcept { return stopped_.load(); }
  /// Whether the stop cut an epoch short (false: it came between epochs, all of them whole).
  [[nodiscard]] bool stopped_mid_epoch() const noexcept { return stopped_mid_epoch_.load(); }
  [[nodiscard]] std::uint64_t work_done() const noexcept { return work_done_.load(std::memory_order_relaxed); }
  /// Where each thread's generator is now (for a checkpoint).
  [[nodiscard]] const std::vector<std::uint64_t>& rng_states() const noexcept { return rng_states_; }
  /// The learning rate after `work_done` units (the schedule every thread follows).
  [[nodiscard]] float learning_rate_at(std::uint64_t work_done) const noexcept;

 private:
  struct alignas(64) ThreadCounters {
    std::atomic<std::uint64_t> work{0};  // this run, all epochs
    std::unique_ptr<std::atomic<double>[]> loss;               // per epoch
    std::unique_ptr<std::atomic<std::uint64_t>[]> predictions;  // per epoch
  };
  void fail(std::string message);

  HogwildOptions options_;
  std::atomic<std::uint64_t> work_done_;
  std::uint64_t work_at_start_;
  std::vector<std::uint64_t> rng_states_;
  std::vector<ThreadCounters> counters_;
  std::atomic<std::size_t> epoch_{0};
  std::atomic<bool> stop_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<bool> stopped_mid_epoch_{false};
  std::mutex failure_mutex_;
  std::string failure_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_report_;
};

/// What a worker gets: its index, its generator, the current learning rate, and report().
class Hogwild::Thread {
 public:
  [[nodiscard]] std::size_t index() const noexcept { return index_; }
  [[nodiscard]] SplitMix64& rng() noexcept { return rng_; }
  /// The rate for the next step: the schedule at the work done so far by every thread (as of this
  /// thread's last report).
  [[nodiscard]] float learning_rate() const noexcept { return learning_rate_; }
  /// Adds `work` units done and `loss` summed over `predictions` to the counters. Returns false
  /// when the run is stopping (a worker diverged or threw): return from the work then.
  bool report(std::uint64_t work, double loss, std::uint64_t predictions) noexcept;
  /// Stops every worker: the model is no longer finite. run_epoch throws a message naming the
  /// epoch, the work done and the learning rate, and advising a lower --lr.
  void diverged();

 private:
  friend class Hogwild;
  Thread(Hogwild& run, std::size_t index, std::size_t epoch);
  Hogwild& run_;
  std::size_t index_;
  std::size_t epoch_;
  SplitMix64 rng_;
  float learning_rate_;
};

}  // namespace embedkit::detail
