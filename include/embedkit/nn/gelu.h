// GELU, the Transformer's activation (Hendrycks and Gimpel 2016), exact as PyTorch's default
// (approximate="none"): gelu(x) = x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)); its derivative is
// Phi(x) + x * phi(x), phi the standard normal density (part of embedkit::nn). Computed by a
// vectorized kernel (kernels/gelu_kernels.h) to within about 2e-7 |x| of the exact values.
//
//   embedkit::nn::gelu(x, y);                     // element-wise, y may be x
//   embedkit::nn::gelu_backward(x, dy, dx);       // dx = dy * gelu'(x); dx may be dy
#pragma once

#include <span>

namespace embedkit::nn {

/// y[i] = gelu(x[i]); the same sizes (ArgumentError otherwise).
void gelu(std::span<const float> x, std::span<float> y);
/// dx[i] = dy[i] * gelu'(x[i]), x being the forward pass's input.
void gelu_backward(std::span<const float> x, std::span<const float> dy, std::span<float> dx);

}  // namespace embedkit::nn
