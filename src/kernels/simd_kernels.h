// Private to embedkit: the kernels written once over a vector-traits type `V`, instantiated by
// avx2.cpp and avx512.cpp (each compiled with its own -m flags). `V` provides:
//   vec, ivec, kWidth, zero(), set1(f), load(p), store(p, v), fmadd(a, b, c) = a*b+c,
//   mul(a, b), sub(a, b), div(a, b), sqrt(a), hsum(v), iset1(i), max_arg(row, best&, arg&, index)  (strict >, like scalar),
//   load_n(p, n) / store_n(p, v, n): the first n < kWidth lanes, masked.
// The small kernels the trainers call per row (dot, axpy, logistic_step) finish a remainder
// shorter than kWidth with one masked step (dim 100 = 6 x 16 + 4: scalar tails cost ~10% of
// training); the others fall back to scalar loops. Either way any dim works.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace embedkit::kernels::simd {

// How far ahead gather/bag loops prefetch: about 8 KiB of rows (16 rows of 128 floats, 6 of
// 300), into L1 (hint T0). Chosen by A/B runs on the 2-core AMD EPYC dev machine (random rows
// of a 512 MB table on huge pages): T0 at ~8 KiB beat T1 at 8 or 16 KiB and T0 at 4 KiB by
// 10-20%, within a run-to-run noise of about as much, so treat it as a default, not a law.
inline std::size_t prefetch_rows(std::size_t dim) {
  const std::size_t rows = 8192 / (dim * sizeof(float) + 1);
  return rows < 4 ? 4 : (rows > 32 ? 32 : rows);
}

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
  if (i < n) acc1 = V::fmadd(V::load_n(a + i, n - i), V::load_n(b + i, n - i), acc1);
  return V::hsum(V::add(acc0, acc1));
}

template <class V>
void axpy(float alpha, const float* x, float* y, std::size_t n) {
  const typename V::vec a = V::set1(alpha);
  std::size_t i = 0;
  for (; i + V::kWidth <= n; i += V::kWidth) V::store(y + i, V::fmadd(a, V::load(x + i), V::load(y + i)));
  if (i < n) V::store_n(y + i, V::fmadd(a, V::load_n(x + i, n - i), V::load_n(y + i, n - i)), n - i);
}

template <class V>
void logistic_step(float alpha, float* w, const float* h, float* g, std::size_t n) {
  const typename V::vec a = V::set1(alpha);
  std::size_t i = 0;
  for (; i + V::kWidth <= n; i += V::kWidth) {
    const typename V::vec wi = V::load(w + i);
    V::store(g + i, V::fmadd(a, wi, V::load(g + i)));
    V::store(w + i, V::fmadd(a, V::load(h + i), wi));
  }
  if (i < n) {
    const std::size_t r = n - i;
    const typename V::vec wi = V::load_n(w + i, r);
    V::store_n(g + i, V::fmadd(a, wi, V::load_n(g + i, r)), r);
    V::store_n(w + i, V::fmadd(a, V::load_n(h + i, r), wi), r);
  }
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
  const std::size_t ahead = prefetch_rows(dim);
  for (std::size_t i = 0; i < count; ++i) {
    if (i + ahead < count) prefetch_row(table + ids[i + ahead] * stride, dim);
    copy<V>(table + ids[i] * stride, out + i * out_stride, dim);
  }
}

// Sums NV vectors' worth of dimensions [d0, d0 + NV * kWidth) over one bag's rows in registers
// (one load per row and vector, no stores until the end). With `prefetch` it also prefetches the
// row `ahead` positions further on, crossing into later bags.
template <class V, int NV>
inline void sum_block(const float* table, std::size_t stride, const std::uint32_t* ids, const float* weights,
                      std::size_t begin, std::size_t stop, std::size_t total, std::size_t ahead, bool prefetch,
                      std::uint32_t skip, std::size_t d0, std::size_t dim, float* dst) {
  typename V::vec acc[NV];
  for (int k = 0; k < NV; ++k) acc[k] = V::zero();
  for (std::size_t i = begin; i < stop; ++i) {
    if (prefetch && i + ahead < total) prefetch_row(table + ids[i + ahead] * stride, dim);
    if (ids[i] == skip) continue;
    const float* row = table + ids[i] * stride + d0;
    if (weights != nullptr) {
      const typename V::vec w = V::set1(weights[i]);
      for (int k = 0; k < NV; ++k) acc[k] = V::fmadd(w, V::load(row + k * V::kWidth), acc[k]);
    } else {
      for (int k = 0; k < NV; ++k) acc[k] = V::add(acc[k], V::load(row + k * V::kWidth));
    }
  }
  for (int k = 0; k < NV; ++k) V::store(dst + d0 + k * V::kWidth, acc[k]);
}

template <class V>
void bags_sum(const float* table, std::size_t stride, const std::uint32_t* ids, const std::uint64_t* offsets,
              std::size_t bags, std::uint64_t end, const float* weights, std::uint32_t skip, bool mean,
              float* out, std::size_t dim) {
  const std::uint64_t base = offsets[0];
  const std::size_t total = end - base;
  const std::size_t ahead = prefetch_rows(dim);
  const std::size_t vectors = dim / V::kWidth;
  for (std::size_t i = 0; i < ahead && i < total; ++i) prefetch_row(table + ids[i] * stride, dim);
  for (std::size_t b = 0; b < bags; ++b) {
    float* dst = out + b * dim;
    const std::size_t begin = offsets[b] - base;
    const std::size_t stop = (b + 1 < bags ? offsets[b + 1] : end) - base;
    // Register blocks of 16, 8, 4, then 1 vectors (one pass over the bag for dim 128 on AVX2:
    // a second pass cost ~25% in A/B runs); the first pass over the bag prefetches.
    std::size_t v = 0;
    bool first = true;
    for (; v + 16 <= vectors; v += 16, first = false) {
      sum_block<V, 16>(table, stride, ids, weights, begin, stop, total, ahead, first, skip, v * V::kWidth, dim, dst);
    }
    for (; v + 8 <= vectors; v += 8, first = false) {
      sum_block<V, 8>(table, stride, ids, weights, begin, stop, total, ahead, first, skip, v * V::kWidth, dim, dst);
    }
    for (; v + 4 <= vectors; v += 4, first = false) {
      sum_block<V, 4>(table, stride, ids, weights, begin, stop, total, ahead, first, skip, v * V::kWidth, dim, dst);
    }
    for (; v < vectors; ++v, first = false) {
      sum_block<V, 1>(table, stride, ids, weights, begin, stop, total, ahead, first, skip, v * V::kWidth, dim, dst);
    }
    std::size_t kept = 0;
    for (std::size_t d = vectors * V::kWidth; d < dim; ++d) dst[d] = 0.0F;
    for (std::size_t i = begin; i < stop; ++i) {
      if (first && i + ahead < total) prefetch_row(table + ids[i + ahead] * stride, dim);
      if (ids[i] == skip) continue;
      ++kept;
      const float w = weights != nullptr ? weights[i] : 1.0F;
      for (std::size_t d = vectors * V::kWidth; d < dim; ++d) dst[d] += w * table[ids[i] * stride + d];
    }
    if (mean && kept > 0) scale<V>(1.0F / static_cast<float>(kept), dst, dim);
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

template <class V>
void adam_row(float* row, float* m, float* v, const float* g, std::size_t n, float b1, float b2, float step,
              float eps) {
  const typename V::vec vb1 = V::set1(b1), vc1 = V::set1(1.0F - b1), vb2 = V::set1(b2), vc2 = V::set1(1.0F - b2);
  const typename V::vec vstep = V::set1(step), veps = V::set1(eps);
  std::size_t i = 0;
  for (; i + V::kWidth <= n; i += V::kWidth) {
    const typename V::vec gi = V::load(g + i);
    const typename V::vec mi = V::fmadd(vc1, gi, V::mul(vb1, V::load(m + i)));
    const typename V::vec vi = V::fmadd(V::mul(vc2, gi), gi, V::mul(vb2, V::load(v + i)));
    V::store(m + i, mi);
    V::store(v + i, vi);
    const typename V::vec update = V::div(V::mul(vstep, mi), V::add(V::sqrt(vi), veps));
    V::store(row + i, V::sub(V::load(row + i), update));
  }
  for (; i < n; ++i) {
    m[i] = b1 * m[i] + (1.0F - b1) * g[i];
    v[i] = b2 * v[i] + (1.0F - b2) * g[i] * g[i];
    row[i] -= step * m[i] / (__builtin_sqrtf(v[i]) + eps);
  }
}

}  // namespace embedkit::kernels::simd
