#include "embedkit/nn/linear.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "embedkit/core/error.h"
#include "embedkit/core/random.h"
#include "kernels/gemm.h"

namespace embedkit::nn {

using kernels::Transpose;

Linear::Linear(std::size_t in, std::size_t out, std::uint64_t seed)
    : in_(in), out_(out), weight_(in * out), bias_(out) {
  EMBEDKIT_CHECK(in > 0 && out > 0, ArgumentError, fmt::format("a linear layer of {} x {} has no weights", out, in));
  // (Mixed: the seeds 1, 2, 3 of neighbouring layers must not give shifted copies of one stream.)
  SplitMix64 rng = SplitMix64::stream(seed, 0x4C696E656172ULL);
  const float bound = 1.0F / std::sqrt(static_cast<float>(in));
  for (float& w : weight_) w = (2.0F * rng.uniform() - 1.0F) * bound;
  for (float& b : bias_) b = (2.0F * rng.uniform() - 1.0F) * bound;
}

std::size_t Linear::rows_of(std::span<const float> x, const char* what) const {
  EMBEDKIT_CHECK(x.size() % in_ == 0, ArgumentError,
                 fmt::format("{}: {} values are not rows of {} inputs", what, x.size(), in_));
  return x.size() / in_;
}

void Linear::forward(std::span<const float> x, std::span<float> y) const {
  const std::size_t rows = rows_of(x, "linear layer");
  EMBEDKIT_CHECK(y.size() == rows * out_, ArgumentError,
                 fmt::format("linear layer: {} output values for {} rows of {} outputs", y.size(), rows, out_));
  for (std::size_t r = 0; r < rows; ++r) std::copy(bias_.begin(), bias_.end(), y.begin() + static_cast<std::ptrdiff_t>(r * out_));
  kernels::gemm(Transpose::no, Transpose::yes, rows, out_, in_, 1.0F, x.data(), in_, weight_.data(), in_, 1.0F, y.data(),
                out_);
}

void Linear::backward(std::span<const float> x, std::span<const float> dy, std::span<float> dx,
                      std::span<float> dweight, std::span<float> dbias) const {
  const std::size_t rows = rows_of(x, "linear layer's backward");
  EMBEDKIT_CHECK(dy.size() == rows * out_ && (dx.empty() || dx.size() == x.size()) && dweight.size() == weight_.size() &&
                     dbias.size() == out_,
                 ArgumentError,
                 fmt::format("linear layer's backward: {} rows of {} -> {}: dy has {} values, dx {}, dweight {}, dbias {}",
                             rows, in_, out_, dy.size(), dx.size(), dweight.size(), dbias.size()));
  if (!dx.empty()) {
    kernels::gemm(Transpose::no, Transpose::no, rows, in_, out_, 1.0F, dy.data(), out_, weight_.data(), in_, 0.0F,
                  dx.data(), in_);
  }
  kernels::gemm(Transpose::yes, Transpose::no, out_, in_, rows, 1.0F, dy.data(), out_, x.data(), in_, 1.0F,
                dweight.data(), in_);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t j = 0; j < out_; ++j) dbias[j] += dy[r * out_ + j];
  }
}

}  // namespace embedkit::nn
