// The sweep's loop, written once over a vector type (included by the per-ISA files only).
// `V` provides vec, kFloats, zero(), load(p), add(a, b), store(p, v).
#pragma once

#include <immintrin.h>

#include <array>
#include <string>

#include "bag_limit.h"

namespace embedkit::bench::limit {

enum Hint { kT0, kT1, kT2, kNta, kNone };

template <int H>
inline void prefetch_line(const char* p) {
  if constexpr (H == kT0) _mm_prefetch(p, _MM_HINT_T0);
  if constexpr (H == kT1) _mm_prefetch(p, _MM_HINT_T1);
  if constexpr (H == kT2) _mm_prefetch(p, _MM_HINT_T2);
  if constexpr (H == kNta) _mm_prefetch(p, _MM_HINT_NTA);
}

// Sums NV vectors per pass, passes = row / (NV * kFloats); the first pass over each bag also
// prefetches every line of the row `Distance` positions on (the last position when past the end).
template <class V, int NV, int H, int Distance>
void bag_sum(const BagArgs& a) {
  constexpr std::size_t pass_floats = NV * V::kFloats;
  const std::size_t passes = a.stride / pass_floats;
  const std::size_t total = a.offsets[a.bags];
  const std::size_t row_bytes = a.stride * sizeof(float);
  for (std::size_t b = 0; b < a.bags; ++b) {
    const std::size_t begin = a.offsets[b], end = a.offsets[b + 1];
    for (std::size_t p = 0; p < passes; ++p) {
      typename V::vec acc[NV];
#pragma GCC unroll 16
      for (int k = 0; k < NV; ++k) acc[k] = V::zero();
      for (std::size_t i = begin; i < end; ++i) {
        if (H != kNone && p == 0) {
          const std::size_t j = i + Distance < total ? i + Distance : total - 1;
          const char* next = reinterpret_cast<const char*>(a.table + a.ids[j] * a.stride);
          for (std::size_t line = 0; line < row_bytes; line += 64) prefetch_line<H>(next + line);
        }
        const float* row = a.table + a.ids[i] * a.stride + p * pass_floats;
#pragma GCC unroll 16
        for (int k = 0; k < NV; ++k) acc[k] = V::add(acc[k], V::load(row + k * V::kFloats));
      }
      float* dst = a.out + b * a.stride + p * pass_floats;
#pragma GCC unroll 16
      for (int k = 0; k < NV; ++k) V::store(dst + k * V::kFloats, acc[k]);
    }
  }
}

// Every (hint, distance) for a pass of NV vectors, if the row splits into such passes.
template <class V, int NV>
void add_pass(std::vector<BagStrategy>& out, const char* isa, std::size_t row_bytes) {
  constexpr std::size_t pass_bytes = NV * V::kFloats * sizeof(float);
  if (row_bytes % pass_bytes != 0) return;
  const std::string prefix = std::string(isa) + "/" + std::to_string(pass_bytes) + "B/";
  auto add = [&](const char* hint, int distance, void (*run)(const BagArgs&)) {
    out.push_back({prefix + hint + (distance > 0 ? "/d" + std::to_string(distance) : std::string()), run,
                   pass_bytes, V::kFloats * sizeof(float), NV});
  };
  add("none", 0, bag_sum<V, NV, kNone, 0>);
  add("T0", 8, bag_sum<V, NV, kT0, 8>);
  add("T0", 16, bag_sum<V, NV, kT0, 16>);
  add("T0", 32, bag_sum<V, NV, kT0, 32>);
  add("T1", 8, bag_sum<V, NV, kT1, 8>);
  add("T1", 16, bag_sum<V, NV, kT1, 16>);
  add("T1", 32, bag_sum<V, NV, kT1, 32>);
  add("T1", 64, bag_sum<V, NV, kT1, 64>);
  add("T2", 16, bag_sum<V, NV, kT2, 16>);
  add("T2", 32, bag_sum<V, NV, kT2, 32>);
  add("NTA", 16, bag_sum<V, NV, kNta, 16>);
  add("NTA", 32, bag_sum<V, NV, kNta, 32>);
}

}  // namespace embedkit::bench::limit
