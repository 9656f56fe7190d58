// The reference kernels: plain loops, the oracle every SIMD level is tested against.
#include "gelu_kernels.h"
#include "kernels.h"
#include "code_kernels.h"

#include <algorithm>
#include <cmath>

#include "prefetch.h"

namespace embedkit::kernels {
namespace {

float dot(const float* a, const float* b, std::size_t n) {
  float sum = 0.0F;
  for (std::size_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

void axpy(float alpha, const float* x, float* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

void scale(float alpha, float* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) x[i] *= alpha;
}

// gather and bags_sum prefetch as the SIMD levels do (same rule, same hint): memory, not
// arithmetic, bounds them, so the reference level is a fair fallback too. Values are unaffected.
void gather(const float* table, std::size_t stride, const std::uint32_t* ids, std::size_t count,
            float* out, std::size_t out_stride, std::size_t dim) {
  const std::size_t row_bytes = dim * sizeof(float);
  const std::size_t ahead = prefetch_distance(row_bytes);
  for (std::size_t i = 0; i < count; ++i) {
    if (i + ahead < count) prefetch(table + ids[i + ahead] * stride, row_bytes);
    const float* row = table + ids[i] * stride;
    float* dst = out + i * out_stride;
    for (std::size_t d = 0; d < dim; ++d) dst[d] = row[d];
  }
}

// One pass of a bag: floats [d0, d0 + n) of its rows summed in acc (n <= kPassFloats; with
// n == kPassFloats known at compile time the compiler keeps acc in registers). The first pass
// (`prefetch`) also fetches the rows `ahead` positions on. Returns the rows kept.
constexpr std::size_t kPassFloats = 64;  // 256 bytes, as the SIMD levels (simd_kernels.h)

template <bool FullPass, bool Weighted>
std::size_t sum_pass(const float* table, std::size_t stride, const std::uint32_t* ids, const float* weights,
                     std::size_t begin, std::size_t stop, std::size_t total, std::size_t ahead, bool prefetch,
                     std::size_t row_bytes, std::uint32_t skip, std::size_t d0, std::size_t n, float* dst) {
  const std::size_t count = FullPass ? kPassFloats : n;
  float acc[kPassFloats] = {};
  std::size_t kept = 0;
  for (std::size_t i = begin; i < stop; ++i) {
    if (prefetch && i + ahead < total) kernels::prefetch(table + ids[i + ahead] * stride, row_bytes);
    if (ids[i] == skip) continue;
    ++kept;
    const float* row = table + ids[i] * stride + d0;
    if (Weighted) {
      const float w = weights[i];
      for (std::size_t d = 0; d < count; ++d) acc[d] += w * row[d];
    } else {
      for (std::size_t d = 0; d < count; ++d) acc[d] += row[d];
    }
  }
  for (std::size_t d = 0; d < count; ++d) dst[d0 + d] = acc[d];
  return kept;
}

void bags_sum(const float* table, std::size_t stride, const std::uint32_t* ids, const std::uint64_t* offsets,
              std::size_t bags, std::uint64_t end, const float* weights, std::uint32_t skip, bool mean,
              float* out, std::size_t dim) {
  const std::uint64_t base = offsets[0];
  const std::size_t total = end - base;
  const std::size_t row_bytes = dim * sizeof(float);
  const std::size_t ahead = prefetch_distance(row_bytes);
  for (std::size_t b = 0; b < bags; ++b) {
    float* dst = out + b * dim;
    const std::size_t begin = offsets[b] - base;
    const std::size_t stop = (b + 1 < bags ? offsets[b + 1] : end) - base;
    std::size_t kept = 0;
    for (std::size_t d0 = 0; d0 < dim; d0 += kPassFloats) {
      const std::size_t n = std::min(kPassFloats, dim - d0);
      const bool first = d0 == 0;
      // The four loops differ only in what the compiler can keep in registers (a full pass, no
      // weight multiply); sums and their order are the same.
      const auto pass = n == kPassFloats ? (weights != nullptr ? sum_pass<true, true> : sum_pass<true, false>)
                                         : (weights != nullptr ? sum_pass<false, true> : sum_pass<false, false>);
      const std::size_t k =
          pass(table, stride, ids, weights, begin, stop, total, ahead, first, row_bytes, skip, d0, n, dst);
      if (first) kept = k;
    }
    if (mean && kept > 0) scale(1.0F / static_cast<float>(kept), dst, dim);
  }
}

void bag_max(const float* table, std::size_t stride, const std::uint32_t* ids, std::size_t count,
             float* out, std::uint32_t* arg, std::size_t dim) {
  const float* first = table + ids[0] * stride;
  for (std::size_t d = 0; d < dim; ++d) {
    out[d] = first[d];
    arg[d] = 0;
  }
  for (std::size_t i = 1; i < count; ++i) {
    const float* row = table + ids[i] * stride;
    for (std::size_t d = 0; d < dim; ++d) {
      if (row[d] > out[d]) {
        out[d] = row[d];
        arg[d] = static_cast<std::uint32_t>(i);
      }
    }
  }
}

void adam_row(float* row, float* m, float* v, const float* g, std::size_t n, float b1, float b2, float step,
              float eps) {
  for (std::size_t i = 0; i < n; ++i) {
    m[i] = b1 * m[i] + (1.0F - b1) * g[i];
    v[i] = b2 * v[i] + (1.0F - b2) * g[i] * g[i];
    row[i] -= step * m[i] / (std::sqrt(v[i]) + eps);
  }
}

void dot_i8(const std::int8_t* rows, std::size_t stride, std::size_t count, const std::int8_t* query, std::size_t n,
            std::int32_t* out) {
  for (std::size_t r = 0; r < count; ++r) {
    std::int32_t sum = 0;
    for (std::size_t d = 0; d < n; ++d) sum += std::int32_t{rows[r * stride + d]} * query[d];
    out[r] = sum;
  }
}

void logistic_step(float alpha, float* w, const float* h, float* g, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const float wi = w[i];
    g[i] += alpha * wi;
    w[i] = wi + alpha * h[i];
  }
}

}  // namespace

const KernelTable& scalar_kernels() {
  static const KernelTable table{SimdLevel::scalar,      dot,
                                 axpy,                   scale,
                                 gather,                 bags_sum,
                                 bag_max,                adam_row,
                                 dot_i8,                 logistic_step,
                                 codes::f16_to_f32_scalar, codes::dot_f16_scalar,
                                 codes::i8_to_f32_scalar,  codes::dot_i8_f32_scalar,
                                 elementwise::gelu,        elementwise::gelu_backward};
  return table;
}

}  // namespace embedkit::kernels
