#include "embedkit/nn/dropout.h"

#include <fmt/format.h>

#include <cmath>

#include "embedkit/core/error.h"

namespace embedkit::nn {

Dropout::Dropout(float p) : p_(p) {
  EMBEDKIT_CHECK(std::isfinite(p) && p >= 0.0F && p < 1.0F, ArgumentError,
                 fmt::format("dropout must be at least 0 and below 1, not {}", p));
}

void Dropout::forward(std::span<float> x, SplitMix64& rng, std::vector<float>& mask) const {
  mask.clear();
  if (p_ == 0.0F) return;
  const float keep = 1.0F / (1.0F - p_);
  mask.resize(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    mask[i] = rng.uniform() < p_ ? 0.0F : keep;
    x[i] *= mask[i];
  }
}

void Dropout::backward(std::span<float> dy, const std::vector<float>& mask) const {
  if (p_ == 0.0F) return;
  EMBEDKIT_CHECK(mask.size() == dy.size(), ArgumentError,
                 fmt::format("dropout's backward: a mask of {} values for {}", mask.size(), dy.size()));
  for (std::size_t i = 0; i < dy.size(); ++i) dy[i] *= mask[i];
}

}  // namespace embedkit::nn
