// The timing rule of the hand-written benchmarks: the best wall time of `runs` calls (the
// least disturbed by the other work on a shared machine).
#pragma once

#include <algorithm>
#include <chrono>

namespace embedkit::bench {

template <class F>
double best_of(int runs, F&& f) {
  double best = 1e30;
  for (int r = 0; r < runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace embedkit::bench
