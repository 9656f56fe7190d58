// The reference kernels: plain loops, the oracle every SIMD level is tested against.
#include "kernels.h"

#include <cmath>

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

void gather(const float* table, std::size_t stride, const std::uint32_t* ids, std::size_t count,
            float* out, std::size_t out_stride, std::size_t dim) {
  for (std::size_t i = 0; i < count; ++i) {
    const float* row = table + ids[i] * stride;
    float* dst = out + i * out_stride;
    for (std::size_t d = 0; d < dim; ++d) dst[d] = row[d];
  }
}

void bags_sum(const float* table, std::size_t stride, const std::uint32_t* ids, const std::uint64_t* offsets,
              std::size_t bags, std::uint64_t end, const float* weights, std::uint32_t skip, bool mean,
              float* out, std::size_t dim) {
  const std::uint64_t base = offsets[0];
  for (std::size_t b = 0; b < bags; ++b) {
    float* dst = out + b * dim;
    for (std::size_t d = 0; d < dim; ++d) dst[d] = 0.0F;
    const std::uint64_t stop = b + 1 < bags ? offsets[b + 1] : end;
    std::size_t kept = 0;
    for (std::uint64_t i = offsets[b] - base; i < stop - base; ++i) {
      if (ids[i] == skip) continue;
      axpy(weights != nullptr ? weights[i] : 1.0F, table + ids[i] * stride, dst, dim);
      ++kept;
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
  static const KernelTable table{SimdLevel::scalar, dot,    axpy,   scale, gather, bags_sum,
                                 bag_max,           adam_row, dot_i8, logistic_step};
  return table;
}

}  // namespace embedkit::kernels
