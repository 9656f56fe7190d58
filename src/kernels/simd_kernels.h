// Private to embedkit: the kernels written once over a vector-traits type `V`, instantiated by
// avx2.cpp and avx512.cpp (each compiled with its own -m flags). `V` provides:
//   vec, ivec, kWidth, zero(), set1(f), load(p), store(p, v), fmadd(a, b, c) = a*b+c,
//   mul(a, b), hsum(v), iset1(i), max_arg(row, best&, arg&, index)  (strict >, like scalar).
// Remainders shorter than kWidth fall back to scalar loops, so any dim works.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace embedkit::kernels::simd {

// How many rows ahead gather/bag loops prefetch: enough to cover DRAM latency for rows of a
// few hundred bytes, few enough not to evict rows before they are used.
inline constexpr std::size_t kPrefetchRows = 8;

inline void prefetch_row(const float* row, std::size_t dim) {
  for (std::size_t d = 0; d < dim; d += 16) _mm_prefetch(reinterpret_cast<const char*>(row + d), _MM_HINT_T0);
}

template <class V>
float dot(const float* a, const float* b, std::size_t n) {
  typename V::vec acc0 = V::zero(), acc1 = V::zero();
  std::size_t i = 0;
  for (; i + 2 * V::kWidth <= n; i += 2 * V::kWidth) {
    acc0 = V::fmadd(V::load(a + i), V::load(b + i), acc0);
    acc1 = V::fmadd(V::load(a + i + V::kWidth), V::load(b + i + V::kWidth), acc1);
  }
  for (; i + V::kWidth <= n; i += V::kWidth) acc0 = V::fmadd(V::load(a + i), V::load(b + i), acc0);
  float sum = V::hsum(V::add(acc0, acc1));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

template <class V>
void axpy(float alpha, const float* x, float* y, std::size_t n) {
  const typename V::vec a = V::set1(alpha);
  std::size_t i = 0;
  for (; i + V::kWidth <= n; i += V::kWidth) V::store(y + i, V::fmadd(a, V::load(x + i), V::load(y + i)));
  for (; i < n; ++i) y[i] += alpha * x[i];
}

template <class V>
void scale(float alpha, float* x, std::size_t n) {
  const typename V::vec a = V::set1(alpha);
  std::size_t i = 0;
  for (; i + V::kWidth <= n; i += V::kWidth) V::store(x + i, V::mul(a, V::load(x + i)));
  for (; i < n; ++i) x[i] *= alpha;
}

template <class V>
void copy(const float* src, float* dst, std::size_t n) {
  std::size_t i = 0;
  for (; i + V::kWidth <= n; i += V::kWidth) V::store(dst + i, V::load(src + i));
  for (; i < n; ++i) dst[i] = src[i];
}

template <class V>
void gather(const float* table, std::size_t stride, const std::uint32_t* ids, std::size_t count,
            float* out, std::size_t out_stride, std::size_t dim) {
  for (std::size_t i = 0; i < count; ++i) {
    if (i + kPrefetchRows < count) prefetch_row(table + ids[i + kPrefetchRows] * stride, dim);
    copy<V>(table + ids[i] * stride, out + i * out_stride, dim);
  }
}

template <class V>
void bag_sum(const float* table, std::size_t stride, const std::uint32_t* ids, const float* weights,
             std::size_t count, float* out, std::size_t dim) {
  for (std::size_t d = 0; d < dim; ++d) out[d] = 0.0F;
  for (std::size_t i = 0; i < count; ++i) {
    if (i + kPrefetchRows < count) prefetch_row(table + ids[i + kPrefetchRows] * stride, dim);
    axpy<V>(weights != nullptr ? weights[i] : 1.0F, table + ids[i] * stride, out, dim);
  }
}

template <class V>
void bag_max(const float* table, std::size_t stride, const std::uint32_t* ids, std::size_t count,
             float* out, std::uint32_t* arg, std::size_t dim) {
  std::size_t d = 0;
  for (; d + V::kWidth <= dim; d += V::kWidth) {
    typename V::vec best = V::load(table + ids[0] * stride + d);
    typename V::ivec best_arg = V::iset1(0);
    for (std::size_t i = 1; i < count; ++i) {
      V::max_arg(V::load(table + ids[i] * stride + d), best, best_arg, V::iset1(static_cast<std::int32_t>(i)));
    }
    V::store(out + d, best);
    V::istore(arg + d, best_arg);
  }
  for (; d < dim; ++d) {
    out[d] = table[ids[0] * stride + d];
    arg[d] = 0;
    for (std::size_t i = 1; i < count; ++i) {
      const float v = table[ids[i] * stride + d];
      if (v > out[d]) {
        out[d] = v;
        arg[d] = static_cast<std::uint32_t>(i);
      }
    }
  }
}

}  // namespace embedkit::kernels::simd
