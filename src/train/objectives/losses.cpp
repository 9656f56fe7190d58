// fastText's lookup tables behind TableSigmoid (losses.h), built once on first use.
#include "train/objectives/losses.h"

#include <cmath>

namespace embedkit {
namespace detail {

const float* TableSigmoid::sigmoid_table() {
  static const auto* table = [] {
    auto* t = new float[kSize + 1];
    for (int i = 0; i <= kSize; ++i) {
      const float x = static_cast<float>(i * 2) * kMax / kSize - kMax;
      t[i] = 1.0F / (1.0F + std::exp(-x));
    }
    return t;
  }();
  return table;
}

const float* TableSigmoid::log_table() {
  static const auto* table = [] {
    auto* t = new float[kSize + 1];
    for (int i = 0; i <= kSize; ++i) t[i] = std::log((static_cast<float>(i) + 1e-5F) / kSize);
    return t;
  }();
  return table;
}

}  // namespace detail

}  // namespace embedkit
