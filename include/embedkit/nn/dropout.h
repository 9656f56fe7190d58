// Dropout (Srivastava et al. 2014), inverted as PyTorch's: in training each value is zeroed
// with probability p and the others scaled by 1 / (1 - p), so that evaluation needs nothing
// (part of embedkit::nn). The mask is drawn from a generator the caller owns (one per thread,
// so runs are reproducible) and kept for the backward pass, which applies the same mask.
//
//   embedkit::nn::Dropout dropout(0.1F);
//   std::vector<float> mask;
//   dropout.forward(x, rng, mask);                // in place
//   dropout.backward(dy, mask);                   // in place
#pragma once

#include <span>
#include <vector>

#include "embedkit/core/random.h"

namespace embedkit::nn {

class Dropout {
 public:
  /// 0 <= p < 1 (0: nothing is dropped; forward leaves x alone and the mask empty).
  explicit Dropout(float p);

  /// In place: x[i] *= mask[i], mask[i] 0 (with probability p) or 1 / (1 - p); `mask` is resized
  /// to x (left empty when p is 0).
  void forward(std::span<float> x, SplitMix64& rng, std::vector<float>& mask) const;
  /// In place: dy[i] *= mask[i], the mask of the forward pass (nothing when p is 0).
  void backward(std::span<float> dy, const std::vector<float>& mask) const;
  [[nodiscard]] float p() const noexcept { return p_; }

 private:
  float p_;
};

}  // namespace embedkit::nn
