#include "embedkit/nn/gelu.h"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "embedkit/core/error.h"

namespace embedkit::nn {

namespace {

void check_sizes(std::size_t a, std::size_t b, const char* what) {
  EMBEDKIT_CHECK(a == b, ArgumentError, fmt::format("{}: {} values against {}", what, a, b));
}

}  // namespace

void gelu(std::span<const float> x, std::span<float> y) {
  check_sizes(x.size(), y.size(), "gelu");
  for (std::size_t i = 0; i < x.size(); ++i) {
    const float v = x[i];
    y[i] = 0.5F * v * (1.0F + std::erf(v * std::numbers::sqrt2_v<float> / 2.0F));
  }
}

void gelu_backward(std::span<const float> x, std::span<const float> dy, std::span<float> dx) {
  check_sizes(x.size(), dy.size(), "gelu's backward");
  check_sizes(x.size(), dx.size(), "gelu's backward");
  const float density = 0.5F * std::numbers::inv_sqrtpi_v<float> * std::numbers::sqrt2_v<float>;  // 1 / sqrt(2 pi)
  for (std::size_t i = 0; i < x.size(); ++i) {
    const float v = x[i];
    const float cdf = 0.5F * (1.0F + std::erf(v * std::numbers::sqrt2_v<float> / 2.0F));
    dx[i] = dy[i] * (cdf + v * density * std::exp(-0.5F * v * v));
  }
}

}  // namespace embedkit::nn
