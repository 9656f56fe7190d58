// Thread counts and ThreadGroup: every body runs once, a worker's exception comes back on join,
// and a thread the system refuses is an Error, not std::terminate.
#include "embedkit/core/parallel.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include "embedkit/core/error.h"

namespace embedkit {
namespace {

TEST(Parallel, JobThreadsCapsAndRefuses) {
  EXPECT_EQ(job_threads(4, 100), 4U);
  EXPECT_EQ(job_threads(8, 3), 3U) << "no more threads than work items";
  EXPECT_EQ(job_threads(8, 0), 1U) << "at least one";
  EXPECT_EQ(job_threads(kMaxThreads), kMaxThreads);
  EXPECT_GE(job_threads(0), 1U);
  EXPECT_LE(job_threads(0), kMaxThreads);
  EXPECT_THROW((void)job_threads(kMaxThreads + 1), ArgumentError);
  EXPECT_THROW(set_num_threads(0), ArgumentError);
  EXPECT_THROW(set_num_threads(static_cast<int>(kMaxThreads) + 1), ArgumentError);
}

TEST(Parallel, ThreadGroupRunsEveryBodyOnce) {
  std::atomic<int> sum{0};
  ThreadGroup group(8, [&](std::size_t t) { sum += static_cast<int>(t) + 1; });
  group.join();
  EXPECT_TRUE(group.finished());
  EXPECT_EQ(sum.load(), 36);
}

TEST(Parallel, ThreadGroupRethrowsTheFirstWorkerException) {
  ThreadGroup group(4, [](std::size_t t) {
    if (t == 2) throw std::runtime_error("worker 2 failed");
  });
  try {
    group.join();
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "worker 2 failed");
  }
}

// Sanitizers reserve and map memory of their own for every thread; an address-space limit makes
// them abort instead of failing the thread.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
// Run in a child process: under an address-space limit a little above what the process uses,
// thread stacks (8 MB each) run out after a few threads. Exits 0 when the group failed to start
// with the Error that names --threads and no body ran.
[[noreturn]] void start_threads_under_a_limit() {
  std::ifstream statm("/proc/self/statm");
  unsigned long pages = 0;
  statm >> pages;
  const rlim_t limit = static_cast<rlim_t>(pages) * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE)) + (64U << 20U);
  const rlimit rl{limit, limit};
  if (::setrlimit(RLIMIT_AS, &rl) != 0) std::_Exit(3);
  std::atomic<int> ran{0};
  try {
    ThreadGroup group(kMaxThreads, [&](std::size_t) { ++ran; });
    group.join();
    std::_Exit(4);  // every thread started: the limit did not bite
  } catch (const Error& e) {
    const std::string message = e.what();
    const bool named = message.find("cannot start 256 threads: ") == 0 &&
                       message.find("; use --threads with a smaller number") != std::string::npos;
    std::_Exit(named && ran.load() == 0 ? 0 : 5);
  }
}

TEST(Parallel, AThreadTheSystemRefusesIsAnErrorAndNoWorkStarts) {
  EXPECT_EXIT(start_threads_under_a_limit(), ::testing::ExitedWithCode(0), "");
}
#endif

}  // namespace
}  // namespace embedkit
