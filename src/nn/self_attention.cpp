#include "embedkit/nn/self_attention.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "embedkit/core/error.h"
#include "kernels/gemm.h"

namespace embedkit::nn {

using kernels::Transpose;

SelfAttention::SelfAttention(std::size_t heads, std::size_t head_dim) : heads_(heads), head_dim_(head_dim) {
  EMBEDKIT_CHECK(heads > 0 && head_dim > 0, ArgumentError,
                 fmt::format("attention needs at least one head of one column, not {} of {}", heads, head_dim));
}

void SelfAttention::check(std::size_t values, std::size_t rows, const char* what) const {
  EMBEDKIT_CHECK(values == rows * width(), ArgumentError,
                 fmt::format("attention: {} has {} values, not {} rows of {}", what, values, rows, width()));
}

void SelfAttention::forward(std::span<const float> q, std::span<const float> k, std::span<const float> v,
                            std::size_t rows, std::size_t length, std::span<float> out, Cache& cache,
                            const Dropout* dropout, SplitMix64* rng) const {
  EMBEDKIT_CHECK(length >= 1 && length <= rows, ArgumentError,
                 fmt::format("attention: {} valid rows of {} (at least one, at most all)", length, rows));
  check(q.size(), rows, "q");
  check(k.size(), rows, "k");
  check(v.size(), rows, "v");
  check(out.size(), rows, "the output");
  const std::size_t width = this->width(), hd = head_dim_;
  const float scale = 1.0F / std::sqrt(static_cast<float>(hd));
  cache.rows = rows;
  cache.length = length;
  cache.probabilities.assign(heads_ * rows * rows, 0.0F);
  const bool drops = dropout != nullptr && rng != nullptr && dropout->p() > 0.0F;
  cache.dropped.clear();
  cache.mask.clear();
  for (std::size_t h = 0; h < heads_; ++h) {
    float* p = cache.probabilities.data() + h * rows * rows;
    // Scores of the valid keys (the padding's columns stay 0: their weight).
    kernels::gemm(Transpose::no, Transpose::yes, rows, length, hd, scale, q.data() + h * hd, width, k.data() + h * hd,
                  width, 0.0F, p, rows);
    for (std::size_t i = 0; i < rows; ++i) {
      float* row = p + i * rows;
      const float top = *std::max_element(row, row + length);
      float sum = 0;
      for (std::size_t j = 0; j < length; ++j) sum += row[j] = std::exp(row[j] - top);
      for (std::size_t j = 0; j < length; ++j) row[j] /= sum;
    }
  }
  if (drops) {
    cache.dropped = cache.probabilities;
    dropout->forward(cache.dropped, *rng, cache.mask);
  }
  const std::vector<float>& weights = drops ? cache.dropped : cache.probabilities;
  for (std::size_t h = 0; h < heads_; ++h) {
    kernels::gemm(Transpose::no, Transpose::no, rows, hd, length, 1.0F, weights.data() + h * rows * rows, rows,
                  v.data() + h * hd, width, 0.0F, out.data() + h * hd, width);
  }
}

void SelfAttention::backward(std::span<const float> q, std::span<const float> k, std::span<const float> v,
                             std::span<const float> dout, const Cache& cache, std::span<float> dq,
                             std::span<float> dk, std::span<float> dv) const {
  const std::size_t rows = cache.rows, length = cache.length, width = this->width(), hd = head_dim_;
  EMBEDKIT_CHECK(cache.probabilities.size() == heads_ * rows * rows && rows > 0, ArgumentError,
                 "attention's backward needs the cache of its forward pass");
  check(q.size(), rows, "q");
  check(k.size(), rows, "k");
  check(v.size(), rows, "v");
  check(dout.size(), rows, "dout");
  check(dq.size(), rows, "dq");
  check(dk.size(), rows, "dk");
  check(dv.size(), rows, "dv");
  const float scale = 1.0F / std::sqrt(static_cast<float>(hd));
  std::fill(dk.begin(), dk.end(), 0.0F);  // (the padding keys' rows get nothing)
  std::fill(dv.begin(), dv.end(), 0.0F);
  std::vector<float> ds(rows * length);
  const bool dropped = !cache.mask.empty();
  for (std::size_t h = 0; h < heads_; ++h) {
    const float* p = cache.probabilities.data() + h * rows * rows;
    const float* used = (dropped ? cache.dropped.data() : cache.probabilities.data()) + h * rows * rows;
    // With the weights used u (p, or p times the dropout mask m): dv = u^T dout; dp = (dout v^T)
    // * m; ds = p * (dp - rowsum(dp * p)); dq = ds k / sqrt(d); dk = ds^T q / sqrt(d) (over the
    // valid keys only).
    kernels::gemm(Transpose::yes, Transpose::no, length, hd, rows, 1.0F, used, rows, dout.data() + h * hd, width,
                  0.0F, dv.data() + h * hd, width);
    kernels::gemm(Transpose::no, Transpose::yes, rows, length, hd, 1.0F, dout.data() + h * hd, width,
                  v.data() + h * hd, width, 0.0F, ds.data(), length);
    if (dropped) {
      const float* m = cache.mask.data() + h * rows * rows;
      for (std::size_t i = 0; i < rows; ++i) {
        for (std::size_t j = 0; j < length; ++j) ds[i * length + j] *= m[i * rows + j];
      }
    }
    for (std::size_t i = 0; i < rows; ++i) {
      const float* pi = p + i * rows;
      float* di = ds.data() + i * length;
      float dot = 0;
      for (std::size_t j = 0; j < length; ++j) dot += di[j] * pi[j];
      for (std::size_t j = 0; j < length; ++j) di[j] = pi[j] * (di[j] - dot);
    }
    kernels::gemm(Transpose::no, Transpose::no, rows, hd, length, scale, ds.data(), length, k.data() + h * hd, width,
                  0.0F, dq.data() + h * hd, width);
    kernels::gemm(Transpose::yes, Transpose::no, length, hd, rows, scale, ds.data(), length, q.data() + h * hd, width,
                  0.0F, dk.data() + h * hd, width);
  }
}

}  // namespace embedkit::nn
