// AdamW (Loshchilov & Hutter 2019) for dense parameters: the weights of an encoder and of a
// classifier head, updated every step, beside the sparse optimizers that update only the
// embedding rows a batch touches (part of embedkit::train).
//
//   embedkit::AdamW adamw({.weight_decay = 0.01F});
//   std::vector<embedkit::DenseParameter> parameters = ...;   // values and their gradients
//   adamw.step(parameters, schedule.at(step));
//
// PyTorch's torch.optim.AdamW: decay first (w *= 1 - lr * weight_decay, for the parameters that
// take it), then the Adam step with bias correction, element by element (kernels' adam_row, the
// kernel SparseAdam uses for its rows; epsilon is added to sqrt(v) before the correction, a
// difference of at most epsilon in the denominator). The moments are sized on the first step;
// every later step must pass the same parameters, in the same order and sizes (ArgumentError).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace embedkit {

struct AdamWOptions {
  float beta1 = 0.9F;
  float beta2 = 0.999F;
  float epsilon = 1e-8F;
  float weight_decay = 0.01F;  ///< PyTorch's default
};

struct DenseParameter {
  std::span<float> value;
  std::span<const float> gradient;  ///< value.size() floats
  bool decay = true;                ///< biases and norms usually take no weight decay
};

class AdamW {
 public:
  explicit AdamW(AdamWOptions options = {});
  /// One step of every parameter at `learning_rate`.
  void step(std::span<const DenseParameter> parameters, float learning_rate);
  [[nodiscard]] std::uint64_t steps() const noexcept { return steps_; }

 private:
  AdamWOptions options_;
  std::uint64_t steps_ = 0;
  std::vector<std::vector<float>> moments_;  // per parameter: m, then v
};

}  // namespace embedkit
