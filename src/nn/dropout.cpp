#include "embedkit/nn/dropout.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

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
  // Each 64-bit draw decides two values (32 bits each: p to 2^-32), then one vectorizable pass
  // applies the mask (one draw and a branch per value were a tenth of a layer's training time).
  const auto threshold = static_cast<std::uint32_t>(std::min(4294967295.0, std::ldexp(static_cast<double>(p_), 32)));
  const std::size_t n = x.size();
  mask.resize(n);
  std::size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    const std::uint64_t r = rng.next();
    mask[i] = static_cast<std::uint32_t>(r) < threshold ? 0.0F : keep;
    mask[i + 1] = static_cast<std::uint32_t>(r >> 32U) < threshold ? 0.0F : keep;
  }
  if (i < n) mask[i] = static_cast<std::uint32_t>(rng.next()) < threshold ? 0.0F : keep;
  for (std::size_t j = 0; j < n; ++j) x[j] *= mask[j];
}

void Dropout::backward(std::span<float> dy, const std::vector<float>& mask) const {
  if (p_ == 0.0F) return;
  EMBEDKIT_CHECK(mask.size() == dy.size(), ArgumentError,
                 fmt::format("dropout's backward: a mask of {} values for {}", mask.size(), dy.size()));
  for (std::size_t i = 0; i < dy.size(); ++i) dy[i] *= mask[i];
}

}  // namespace embedkit::nn
