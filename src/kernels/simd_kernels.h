// Private to embedkit: the kernels written once over a vector-traits type `V`, instantiated by
// avx2.cpp and avx512.cpp (each compiled with its own -m flags). `V` provides:
//   vec, ivec, kWidth, zero(), set1(f), load(p), store(p, v), fmadd(a, b, c) = a*b+c,
//   mul(a, b), sub(a, b), div(a, b), sqrt(a), hsum(v), iset1(i), max_arg(row, best&, arg&, index)  (strict >, like scalar),
//   load_n(p, n) / store_n(p, v, n): the first n < kWidth lanes, masked.
// The small kernels the trainers call per row (dot, axpy, logistic_step) and the bag sums finish
// a remainder shorter than kWidth with one masked step (dim 100 = 6 x 16 + 4: scalar tails cost
// ~10% of training); the others fall back to scalar loops. Either way any dim works.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "prefetch.h"

namespace embedkit::kernels::simd {

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
  const std::size_t row_bytes = dim * sizeof(float);
  const std::size_t ahead = prefetch_distance(row_bytes);
  for (std::size_t i = 0; i < count; ++i) {
    if (i + ahead < count) prefetch(table + ids[i + ahead] * stride, row_bytes);
    copy<V>(table + ids[i] * stride, out + i * out_stride, dim);
  }
}

// Bag sums, the layer's hottest loop: random rows from a table far larger than the caches, so
// the time goes to memory, and what matters is how many rows are in flight. Each row's lines are
// prefetched (kRowHint, into L2) prefetch_distance() rows ahead across bag ends; the bag's sum
// stays in registers, one load per row and vector, in index order (so forward and forward_one
// agree to the bit). A pass over the bag sums kBagPassBytes of each row; the first pass
// prefetches, the later ones find the rows in cache.

// 256 bytes (4 lines) per pass: in the bench's sweep (bench/bag_limit/) on the dev machine, two
// passes over 512-byte rows ran 1.0-1.5x as fast as one pass (never slower) with prefetches into
// L2, and four passes were slower again. A likely reason: one pass asks for all 8 lines of a row
// at once, and demand misses for rows whose prefetch is still in flight crowd it out.
inline constexpr std::size_t kBagPassBytes = 256;

// Sums vectors [d0, d0 + NV * kWidth) of one bag's rows; with `Masked` the last vector holds
// only `lanes` floats. With `prefetch` (the first pass over the bag) it also prefetches the row
// `ahead` positions on (clamped to `last`, the run's final position: no branch). Returns the
// rows kept (ids equal to `skip` are left out).
template <class V, int NV, bool Masked, bool Weighted>
inline std::size_t sum_block(const float* table, std::size_t stride, const std::uint32_t* ids, const float* weights,
                             std::size_t begin, std::size_t stop, std::size_t last, std::size_t ahead, bool prefetch,
                             std::size_t row_bytes, std::uint32_t skip, std::size_t d0, std::size_t lanes, float* dst) {
  typename V::vec acc[NV];
#pragma GCC unroll 16
  for (int k = 0; k < NV; ++k) acc[k] = V::zero();
  std::size_t kept = 0;
  for (std::size_t i = begin; i < stop; ++i) {
    if (prefetch) kernels::prefetch(table + ids[std::min(i + ahead, last)] * stride, row_bytes);
    const std::uint32_t id = ids[i];
    if (id == skip) continue;
    ++kept;
    const float* row = table + id * stride + d0;
#pragma GCC unroll 16
    for (int k = 0; k < NV; ++k) {
      const typename V::vec x = Masked && k == NV - 1 ? V::load_n(row + k * V::kWidth, lanes)
                                                      : V::load(row + k * V::kWidth);
      if constexpr (Weighted) {
        acc[k] = V::fmadd(V::set1(weights[i]), x, acc[k]);
      } else {
        acc[k] = V::add(acc[k], x);
      }
    }
  }
#pragma GCC unroll 16
  for (int k = 0; k < NV; ++k) {
    if (Masked && k == NV - 1) {
      V::store_n(dst + d0 + k * V::kWidth, acc[k], lanes);
    } else {
      V::store(dst + d0 + k * V::kWidth, acc[k]);
    }
  }
  return kept;
}

// One bag's dimensions as passes of kBagPassBytes, then 4, 2, 1 vectors (the last vector masked when dim is
// not a multiple of kWidth); the first block prefetches. Returns the rows kept.
template <class V, bool Weighted>
inline std::size_t sum_bag(const float* table, std::size_t stride, const std::uint32_t* ids, const float* weights,
                           std::size_t begin, std::size_t stop, std::size_t last, std::size_t ahead,
                           std::size_t row_bytes, std::uint32_t skip, std::size_t dim, float* dst) {
  const std::size_t lanes = dim % V::kWidth;
  std::size_t left = (dim + V::kWidth - 1) / V::kWidth;  // vectors, the last one maybe partial
  std::size_t d0 = 0, kept = 0;
  bool first = true;
  auto block = [&]<int NV>() {
    const bool masked = lanes != 0 && left == static_cast<std::size_t>(NV);
    const std::size_t n = masked ? sum_block<V, NV, true, Weighted>(table, stride, ids, weights, begin, stop, last, ahead, first,
                                                          row_bytes, skip, d0, lanes, dst)
                                 : sum_block<V, NV, false, Weighted>(table, stride, ids, weights, begin, stop, last, ahead, first,
                                                           row_bytes, skip, d0, lanes, dst);
    if (first) kept = n;
    first = false;
    d0 += NV * V::kWidth;
    left -= NV;
  };
  constexpr int kPass = static_cast<int>(kBagPassBytes / (V::kWidth * sizeof(float)));
  while (left >= kPass) block.template operator()<kPass>();
  if constexpr (kPass > 4) {
    if (left >= 4) block.template operator()<4>();
  }
  if (left >= 2) block.template operator()<2>();
  if (left >= 1) block.template operator()<1>();
  return kept;
}

template <class V>
void bags_sum(const float* table, std::size_t stride, const std::uint32_t* ids, const std::uint64_t* offsets,
              std::size_t bags, std::uint64_t end, const float* weights, std::uint32_t skip, bool mean,
              float* out, std::size_t dim) {
  const std::uint64_t base = offsets[0];
  const std::size_t total = end - base;
  if (total == 0) {
    for (std::size_t i = 0; i < bags * dim; ++i) out[i] = 0.0F;
    return;
  }
  const std::size_t row_bytes = dim * sizeof(float);
  const std::size_t ahead = prefetch_distance(row_bytes);
  for (std::size_t i = 0; i < ahead && i < total; ++i) prefetch(table + ids[i] * stride, row_bytes);
  for (std::size_t b = 0; b < bags; ++b) {
    float* dst = out + b * dim;
    const std::size_t begin = offsets[b] - base;
    const std::size_t stop = (b + 1 < bags ? offsets[b + 1] : end) - base;
    const std::size_t kept =
        weights != nullptr
            ? sum_bag<V, true>(table, stride, ids, weights, begin, stop, total - 1, ahead, row_bytes, skip, dim, dst)
            : sum_bag<V, false>(table, stride, ids, weights, begin, stop, total - 1, ahead, row_bytes, skip, dim, dst);
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
