// The learning rate of a Transformer's training: a linear warm-up from 0 to `base` over the
// first `warmup` steps (Adam's early moments are poor estimates; large first steps can wreck a
// fresh attention layer), then a linear decay to 0 at `total` (BERT's schedule) (part of
// embedkit::train).
//
//   embedkit::WarmupSchedule schedule{.base = 1e-3F, .warmup = 100, .total = 5000};
//   float lr = schedule.at(step);                 // step 0, 1, ... total - 1
#pragma once

#include <algorithm>
#include <cstdint>

namespace embedkit {

struct WarmupSchedule {
  float base = 1e-3F;
  std::uint64_t warmup = 0;  ///< steps of warm-up (0: none)
  std::uint64_t total = 0;   ///< steps in all (0: no decay)

  /// The rate of step `step` (0-based): base * (step + 1) / warmup during the warm-up, then
  /// base * (total - step) / (total - warmup).
  [[nodiscard]] float at(std::uint64_t step) const noexcept {
    if (step < warmup) return base * static_cast<float>(step + 1) / static_cast<float>(warmup);
    if (total <= warmup) return base;
    const std::uint64_t left = total > step ? total - step : 0;
    return base * static_cast<float>(left) / static_cast<float>(total - warmup);
  }
};

}  // namespace embedkit
