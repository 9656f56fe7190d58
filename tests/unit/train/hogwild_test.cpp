#include "train/hogwild.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "embedkit/core/error.h"
#include "embedkit/core/random.h"

namespace embedkit {
namespace {

using detail::Hogwild;

TEST(Hogwild, LearningRateDecaysLinearlyOverAllEpochsWork) {
  const Hogwild run({.threads = 1, .epochs = 4, .work_per_epoch = 10, .learning_rate = 0.5F});
  EXPECT_FLOAT_EQ(run.learning_rate_at(0), 0.5F);
  EXPECT_FLOAT_EQ(run.learning_rate_at(5), 0.5F * (1.0F - 5.0F / 40.0F));
  EXPECT_FLOAT_EQ(run.learning_rate_at(20), 0.25F);
  EXPECT_FLOAT_EQ(run.learning_rate_at(40), 0.0F);
  EXPECT_FLOAT_EQ(run.learning_rate_at(45), 0.0F);  // never negative
}

TEST(Hogwild, EveryThreadWorksEachEpochAndCountersAddUp) {
  Hogwild run({.threads = 3, .epochs = 2, .work_per_epoch = 30, .learning_rate = 1.0F});
  std::atomic<int> calls{0};
  std::vector<double> losses;
  for (std::size_t epoch = 0; epoch < 2; ++epoch) {
    run.run_epoch(epoch, [&](Hogwild::Thread& thread) {
      ++calls;
      for (int i = 0; i < 10; ++i) ASSERT_TRUE(thread.report(1, 2.0 * (epoch + 1), 1));
    });
  }
  EXPECT_EQ(calls.load(), 6);
  EXPECT_EQ(run.work_done(), 60U);
  const detail::HogwildProgress p = run.progress(true);
  EXPECT_DOUBLE_EQ(p.fraction, 1.0);
  ASSERT_EQ(p.epoch_loss.size(), 2U);
  EXPECT_DOUBLE_EQ(p.epoch_loss[0], 2.0);  // mean loss per prediction, per epoch
  EXPECT_DOUBLE_EQ(p.epoch_loss[1], 4.0);
  EXPECT_EQ(p.thread_work_per_second.size(), 3U);
}

// A thread's generator continues across epochs exactly as one generator would (so that a run
// split by checkpoints draws what an uninterrupted one draws), and a resumed run continues it.
TEST(Hogwild, GeneratorsContinueAcrossEpochsAndResumes) {
  std::vector<std::uint64_t> draws;
  Hogwild run({.threads = 1, .epochs = 2, .seed = 7});
  for (std::size_t epoch = 0; epoch < 2; ++epoch) {
    run.run_epoch(epoch, [&](Hogwild::Thread& thread) {
      for (int i = 0; i < 3; ++i) draws.push_back(thread.rng().next());
    });
  }
  SplitMix64 expected = SplitMix64::stream(7, 1);
  for (const std::uint64_t d : draws) EXPECT_EQ(d, expected.next());

  Hogwild resumed({.threads = 1, .epochs = 3, .seed = 7}, 2, run.rng_states());
  resumed.run_epoch(2, [&](Hogwild::Thread& thread) { EXPECT_EQ(thread.rng().next(), expected.next()); });
  EXPECT_THROW(Hogwild({.threads = 2, .epochs = 3}, 0, run.rng_states()), ArgumentError);
}

// The parallel loops a worker starts use threads_inside threads (Hogwild workers: 1 each, so
// that the layer's OpenMP regions do not multiply the threads asked for).
TEST(Hogwild, WorkersParallelLoopsUseThreadsInside) {
  for (const std::size_t inside : {1U, 2U}) {
    Hogwild run({.threads = 2, .epochs = 1, .threads_inside = inside});
    std::atomic<int> wrong{0};
    run.run_epoch(0, [&](Hogwild::Thread&) {
      if (omp_get_max_threads() != static_cast<int>(inside)) ++wrong;
    });
    EXPECT_EQ(wrong.load(), 0) << inside;
  }
}

TEST(Hogwild, AWorkersExceptionStopsTheOthersAndReachesTheCaller) {
  Hogwild run({.threads = 2, .epochs = 1, .work_per_epoch = 1000000});
  std::atomic<bool> other_stopped{false};
  try {
    run.run_epoch(0, [&](Hogwild::Thread& thread) {
      if (thread.index() == 0) throw std::runtime_error("worker zero failed");
      while (thread.report(1, 0, 1)) {
      }
      other_stopped = true;
    });
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "worker zero failed");
  }
  EXPECT_TRUE(other_stopped.load());
}

// A user's stop (should_stop, polled with each report) ends the epoch early without an error,
// and later epochs do not start.
TEST(Hogwild, ShouldStopEndsTheRunQuietlyWithTheWorkSoFar) {
  std::atomic<bool> asked{false};
  Hogwild run({.threads = 2,
               .epochs = 3,
               .work_per_epoch = 1000000000,
               .report_every = std::chrono::milliseconds(5),
               .should_stop = [&] { return asked.exchange(true) || true; }});
  std::atomic<int> starts{0};
  for (std::size_t epoch = 0; epoch < 3; ++epoch) {
    run.run_epoch(epoch, [&](Hogwild::Thread& thread) {
      ++starts;
      while (thread.report(1, 0.0, 1)) {
      }
    });
  }
  EXPECT_TRUE(run.stopped());
  EXPECT_EQ(starts.load(), 2) << "only the first epoch's workers ran";
  EXPECT_GT(run.work_done(), 0U);
  EXPECT_LT(run.work_done(), 1000000000U);
  EXPECT_FALSE(run.progress(false).finished);
}

TEST(Hogwild, DivergenceStopsTheRunWithAMessageNamingWhereAndWhatToDo) {
  Hogwild run({.threads = 2, .epochs = 3, .work_per_epoch = 100, .learning_rate = 4.0F, .work_unit = "examples"});
  run.run_epoch(0, [&](Hogwild::Thread& thread) { thread.report(50, 1.0, 50); });
  try {
    run.run_epoch(1, [&](Hogwild::Thread& thread) {
      if (thread.index() == 1) {
        thread.diverged();
        return;
      }
      while (thread.report(1, 0, 1)) {
      }
    });
    FAIL() << "no exception";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("training diverged in epoch 2 after"), std::string::npos) << message;
    EXPECT_NE(message.find("examples"), std::string::npos) << message;
    EXPECT_NE(message.find("--lr"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace embedkit
