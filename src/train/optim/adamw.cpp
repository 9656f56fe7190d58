#include "embedkit/train/adamw.h"

#include <fmt/format.h>

#include <cmath>

#include "embedkit/core/error.h"
#include "kernels/kernels.h"

namespace embedkit {

AdamW::AdamW(AdamWOptions options) : options_(options) {
  EMBEDKIT_CHECK(options_.beta1 >= 0 && options_.beta1 < 1 && options_.beta2 >= 0 && options_.beta2 < 1,
                 ArgumentError, fmt::format("betas must be in [0, 1), got {} and {}", options_.beta1, options_.beta2));
  EMBEDKIT_CHECK(options_.weight_decay >= 0 && options_.epsilon >= 0, ArgumentError,
                 "weight decay and epsilon must be >= 0");
}

void AdamW::step(std::span<const DenseParameter> parameters, float learning_rate) {
  EMBEDKIT_CHECK(std::isfinite(learning_rate) && learning_rate >= 0, ArgumentError,
                 fmt::format("learning rate {} must be finite and >= 0", learning_rate));
  if (moments_.empty()) {
    for (const DenseParameter& p : parameters) moments_.emplace_back(2 * p.value.size(), 0.0F);
  }
  EMBEDKIT_CHECK(moments_.size() == parameters.size(), ArgumentError,
                 fmt::format("AdamW: {} parameters this step, {} on the first", parameters.size(), moments_.size()));
  ++steps_;
  const double bias1 = 1.0 - std::pow(static_cast<double>(options_.beta1), static_cast<double>(steps_));
  const double bias2 = 1.0 - std::pow(static_cast<double>(options_.beta2), static_cast<double>(steps_));
  const auto step_size = static_cast<float>(learning_rate * std::sqrt(bias2) / bias1);
  const float keep = 1.0F - learning_rate * options_.weight_decay;
  const auto& k = kernels::kernels();
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const DenseParameter& p = parameters[i];
    const std::size_t n = p.value.size();
    EMBEDKIT_CHECK(p.gradient.size() == n && moments_[i].size() == 2 * n, ArgumentError,
                   fmt::format("AdamW: parameter {} has {} values, {} gradients and {} moments", i, n,
                               p.gradient.size(), moments_[i].size() / 2));
    if (p.decay && options_.weight_decay != 0.0F) {
      for (float& w : p.value) w *= keep;
    }
    float* m = moments_[i].data();
    k.adam_row(p.value.data(), m, m + n, p.gradient.data(), n, options_.beta1, options_.beta2, step_size,
               options_.epsilon);
  }
}

}  // namespace embedkit
