// The bag-forward limit: the fastest of a sweep of independent bag-sum loops, each a real sum
// (same output as EmbeddingBag sum), so that no implementation's speed can be waved away as
// "only a touch loop". bench/layer_bench.cpp times them interleaved with embedkit's forward.
//
// The sweep's axes (what a bag loop over random rows can vary, as FBGEMM's and caffe2's
// generated kernels do, and a few more):
//   vector width     SSE (4 floats), AVX2 (8), AVX-512 (16), each file built with its own flags
//   bytes per pass   how much of each row one pass over the bag sums in registers (128 B to the
//                    whole row); later passes re-read the bag's rows from cache
//   prefetch hint    T0 (L1), T1 (L2), T2, NTA, or none
//   distance         rows prefetched ahead (8, 16, 32, 64), across bag ends
// A strategy runs only where the row (the padded stride) is a whole number of passes and its
// accumulators fit the registers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace embedkit::bench {

/// One batch of bags in CSR form over a (rows x stride) float table; out is bags x stride.
struct BagArgs {
  const float* table;
  std::size_t stride;  // floats per row (multiple of 16)
  const std::uint32_t* ids;
  const std::uint64_t* offsets;  // bags + 1 entries
  std::size_t bags;
  float* out;
};

struct BagStrategy {
  std::string name;  // e.g. "avx512/256B/T1/d32"
  void (*run)(const BagArgs&);
  std::size_t pass_bytes;  // 0: the whole row in one pass
  std::size_t vector_bytes;
  std::size_t registers;  // accumulators one pass needs
};

/// The strategies this CPU can run for rows of `row_bytes` (all widths it supports).
std::vector<BagStrategy> bag_strategies(std::size_t row_bytes);

// Per instruction set (bag_limit_sse.cpp, _avx2.cpp, _avx512.cpp).
std::vector<BagStrategy> bag_strategies_sse(std::size_t row_bytes);
std::vector<BagStrategy> bag_strategies_avx2(std::size_t row_bytes);
std::vector<BagStrategy> bag_strategies_avx512(std::size_t row_bytes);

}  // namespace embedkit::bench
