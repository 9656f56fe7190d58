#include "embedkit/nn/gelu.h"

#include <fmt/format.h>

#include "embedkit/core/error.h"
#include "kernels/kernels.h"

namespace embedkit::nn {

namespace {

void check_sizes(std::size_t a, std::size_t b, const char* what) {
  EMBEDKIT_CHECK(a == b, ArgumentError, fmt::format("{}: {} values against {}", what, a, b));
}

}  // namespace

void gelu(std::span<const float> x, std::span<float> y) {
  check_sizes(x.size(), y.size(), "gelu");
  kernels::kernels().gelu(x.data(), y.data(), x.size());
}

void gelu_backward(std::span<const float> x, std::span<const float> dy, std::span<float> dx) {
  check_sizes(x.size(), dy.size(), "gelu's backward");
  check_sizes(x.size(), dx.size(), "gelu's backward");
  kernels::kernels().gelu_backward(x.data(), dy.data(), dx.data(), x.size());
}

}  // namespace embedkit::nn
