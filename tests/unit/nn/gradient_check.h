// Helpers for the contextual layer's tests: random inputs, a loss that is a dot product with
// fixed weights (so that its gradient is the backward pass of those weights), and its central
// difference.
#pragma once

#include <algorithm>
#include <random>
#include <span>
#include <vector>

namespace embedkit::nn::gradient_check {

inline std::vector<float> random_values(std::size_t n, unsigned seed, float scale = 1.0F) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0F, scale);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

inline double dot(std::span<const float> a, std::span<const float> b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

// Copies `from` into a parameter (its size fixed); false when the sizes differ.
inline bool set(std::span<float> parameter, const std::vector<float>& from) {
  if (parameter.size() != from.size()) return false;
  std::copy(from.begin(), from.end(), parameter.begin());
  return true;
}

// The central difference of `loss` in `value`, moved by +-h.
template <class Loss>
double numeric_gradient(float& value, Loss&& loss, float h = 1e-2F) {
  const float kept = value;
  value = kept + h;
  const double up = loss();
  value = kept - h;
  const double down = loss();
  value = kept;
  return (up - down) / (2.0 * static_cast<double>(h));
}

}  // namespace embedkit::nn::gradient_check
