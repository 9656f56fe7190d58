// Private to embedkit: GELU and its derivative over arrays, as branch-free float arithmetic that
// the compiler vectorizes for each instruction set it is compiled for (scalar.cpp, avx2.cpp,
// avx512.cpp include this): std::erf and std::exp are calls, one value at a time, and were most
// of a Transformer layer's time outside the matrix products.
//
//   erf: Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7);
//   exp: Cody-Waite range reduction to |r| <= ln2 / 2, a degree-6 polynomial, 2^n from the
//        exponent bits (relative error about 2e-7), for arguments in [-87, 0] (below: 0).
// __builtin_bit_cast, not std::bit_cast: a function template would be emitted out of line in an
// unoptimised build, once per including file, and the linker could keep the AVX-512 one for all.
// The exact GELU, x Phi(x), to about 2e-7 |x|: PyTorch's default (erf), not the tanh form.
#pragma once

#include <cstddef>
#include <cstdint>

// (Clang's sanitizer builds run at -O1, where the requested vectorization is off: not a fault.)
#ifdef __clang__
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

namespace embedkit::kernels::elementwise {
// Each including file gets its own copies (internal linkage): one compiled for AVX-512 must
// never stand in for the scalar one, as one definition of an inline function shared by all
// three files could.
namespace {

// e^v for v <= 0 (0 below -87).
inline float exp_nonpositive(float v) {
  const float x = v < -87.0F ? -87.0F : v;
  constexpr float kShift = 12582912.0F;  // 1.5 x 2^23: adding it rounds to an integer in the low bits
  const float shifted = x * 1.44269504088896341F + kShift;
  const float n = shifted - kShift;
  const std::int32_t exponent = __builtin_bit_cast(std::int32_t, shifted) - __builtin_bit_cast(std::int32_t, kShift);
  const float r = (x - n * 0.693359375F) + n * 2.12194440e-4F;  // ln 2 = 0.693359375 - 2.12194440e-4
  float p = 1.0F / 720.0F;
  p = p * r + 1.0F / 120.0F;
  p = p * r + 1.0F / 24.0F;
  p = p * r + 1.0F / 6.0F;
  p = p * r + 0.5F;
  p = p * r + 1.0F;
  p = p * r + 1.0F;
  const float value = p * __builtin_bit_cast(float, (exponent + 127) << 23);
  return v < -87.0F ? 0.0F : value;
}

// Phi(x) = (1 + erf(x / sqrt 2)) / 2, from e = exp(-x^2 / 2) (which the derivative needs too).
inline float normal_cdf(float x, float e) {
  const float a = (x < 0.0F ? -x : x) * 0.70710678118654752F;
  const float t = 1.0F / (1.0F + 0.3275911F * a);
  float poly = 1.061405429F;
  poly = poly * t - 1.453152027F;
  poly = poly * t + 1.421413741F;
  poly = poly * t - 0.284496736F;
  poly = poly * t + 0.254829592F;
  const float erf_a = 1.0F - poly * t * e;
  return 0.5F + (x < 0.0F ? -0.5F : 0.5F) * erf_a;
}

/// y[i] = x[i] Phi(x[i]).
inline void gelu(const float* x, float* y, std::size_t n) {
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i) {
    const float v = x[i];
    y[i] = v * normal_cdf(v, exp_nonpositive(-0.5F * v * v));
  }
}

/// dx[i] = dy[i] (Phi(x[i]) + x[i] phi(x[i])).
inline void gelu_backward(const float* x, const float* dy, float* dx, std::size_t n) {
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i) {
    const float v = x[i];
    const float e = exp_nonpositive(-0.5F * v * v);
    dx[i] = dy[i] * (normal_cdf(v, e) + v * 0.39894228040143268F * e);  // phi = e / sqrt(2 pi)
  }
}

}  // namespace
}  // namespace embedkit::kernels::elementwise

#ifdef __clang__
#pragma clang diagnostic pop
#endif
