// The time of one all-reduce (a sum of floats, in place) through embedkit's Communicator, by
// message size: what an exchange between training processes costs on this machine and network.
//
//   mpirun -np 2 build/release/bench/embedkit_bench_allreduce     # one JSON line per size (rank 0)
//
// Each size runs five trials of about 0.2 s after a warm-up; the figure is their median (seconds
// per call). bench/scripts/mpi_scaling_model.py fits latency and bandwidth
// to them.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "embedkit/train/communicator.h"

int main() {
  const auto world = embedkit::mpi_world();
  if (!world || world->size() < 2) {
    std::fputs("run under mpirun with 2 or more processes: mpirun -np 2 embedkit_bench_allreduce\n", stderr);
    return 1;
  }
  for (const std::size_t bytes : {std::size_t{4} << 10, std::size_t{64} << 10, std::size_t{1} << 20, std::size_t{8} << 20,
                                  std::size_t{64} << 20}) {
    std::vector<float> values(bytes / sizeof(float), 0.0F);  // (zeros: sums in place stay finite)
    // A warm-up call (buffers, connections), then a timed one: each trial runs about 0.2 s, rank
    // 0's estimate (every process must make the same number of calls: a max agrees on it).
    world->sum(values);
    const auto warm = std::chrono::steady_clock::now();
    world->sum(values);
    const double one = std::chrono::duration<double>(std::chrono::steady_clock::now() - warm).count();
    std::uint64_t calls[1] = {world->rank() == 0 ? static_cast<std::uint64_t>(std::clamp(0.2 / one, 3.0, 2000.0)) : 0};
    world->max(calls);
    std::vector<double> trials;
    for (int trial = 0; trial < 5; ++trial) {
      const auto start = std::chrono::steady_clock::now();
      for (std::uint64_t i = 0; i < calls[0]; ++i) world->sum(values);
      trials.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
                       static_cast<double>(calls[0]));
    }
    std::sort(trials.begin(), trials.end());
    if (world->rank() == 0) {
      fmt::print("{{\"bench\": \"allreduce\", \"processes\": {}, \"bytes\": {}, \"seconds_per_call\": {:.9f}}}\n",
                 world->size(), bytes, trials[2]);
      std::fflush(stdout);
    }
  }
  return 0;
}
