// Private to embedkit: int8 dot products of many rows against one query, for the
// reduced-precision search path. Included by avx2.cpp and avx512.cpp (AVX-512F implies AVX2;
// byte instructions at 512 bits would need AVX-512BW, and this loop is memory-bound anyway).
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "prefetch.h"

namespace embedkit::kernels::simd {
namespace {  // internal linkage: compiled with different instruction-set flags in each includer

// out[r] = sum_d rows[r * stride + d] * query[d]; n is a multiple of 32, values in [-127, 127]
// (so the pairwise int16 sums of maddubs cannot saturate: 2 * 127 * 127 < 32767).
inline void dot_i8_avx2(const std::int8_t* rows, std::size_t stride, std::size_t count, const std::int8_t* query,
                        std::size_t n, std::int32_t* out) {
  const __m256i ones = _mm256_set1_epi16(1);
  // Rows are read in order, so the hardware prefetcher streams them too; the one row rule here
  // measured the same as the old one line 8 rows ahead and as none (bench/search_bench
  // single_int8_rerank, 100k x 300, 1 thread: 686 / 736 / 671 queries/s, medians of 3, +-10%).
  const std::size_t ahead = prefetch_distance(stride);
  for (std::size_t r = 0; r < count; ++r) {
    const std::int8_t* row = rows + r * stride;
    if (r + ahead < count) prefetch<Hint::l1>(rows + (r + ahead) * stride, n);
    __m256i acc = _mm256_setzero_si256();
    for (std::size_t d = 0; d < n; d += 32) {
      const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + d));
      const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(query + d));
      // |a| * (b with a's sign) = a * b, in the unsigned x signed form maddubs wants.
      const __m256i pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(a, a), _mm256_sign_epi8(b, a));
      acc = _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, ones));
    }
    const __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    const __m128i h = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    out[r] = _mm_cvtsi128_si32(_mm_add_epi32(h, _mm_shuffle_epi32(h, 0xB1)));
  }
}

}  // namespace
}  // namespace embedkit::kernels::simd
