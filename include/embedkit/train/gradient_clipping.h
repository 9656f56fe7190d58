// Clipping by the global norm (Pascanu et al. 2013; PyTorch's clip_grad_norm_): when the L2 norm
// of all the gradients together exceeds `max_norm`, every gradient is scaled by max_norm / norm,
// so one bad batch cannot throw the weights far (part of embedkit::train).
//
//   double norm = embedkit::clip_global_norm(gradients, 1.0);  // gradients: spans, dense or a
//                                                              // sparse gradient's values
#pragma once

#include <cmath>
#include <span>

namespace embedkit {

/// Scales `gradients` in place when their global L2 norm exceeds max_norm (max_norm <= 0: never);
/// returns the norm before clipping (NaN or infinity when a gradient is: nothing is scaled then,
/// and the caller stops).
template <class Spans>
double clip_global_norm(Spans&& gradients, double max_norm) {
  double squares = 0;
  for (const std::span<float> g : gradients) {
    for (const float v : g) squares += static_cast<double>(v) * v;
  }
  const double norm = std::sqrt(squares);
  if (max_norm > 0 && std::isfinite(norm) && norm > max_norm) {
    const auto scale = static_cast<float>(max_norm / (norm + 1e-6));
    for (const std::span<float> g : gradients) {
      for (float& v : g) v *= scale;
    }
  }
  return norm;
}

}  // namespace embedkit
