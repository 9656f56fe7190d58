// Layer normalisation (Ba et al. 2016), as PyTorch's nn.LayerNorm over the last dimension:
// each row of x becomes (x - mean) / sqrt(var + eps) * gamma + beta, with the biased variance
// (part of embedkit::nn). Forward and backward written out; the backward needs the forward's
// per-row statistics, which it keeps in a Cache.
//
//   embedkit::nn::LayerNorm norm(64);             // gamma 1, beta 0, eps 1e-5 (PyTorch's)
//   embedkit::nn::LayerNorm::Cache cache;
//   norm.forward(x, y, cache);                    // x, y: rows x 64
//   norm.backward(x, dy, cache, dx, dgamma, dbeta); // dgamma, dbeta accumulate
// Shapes are checked on every call (ArgumentError).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace embedkit::nn {

class LayerNorm {
 public:
  explicit LayerNorm(std::size_t dim, float eps = 1e-5F);

  /// What the backward pass needs from the forward one: each row's mean and 1 / sqrt(var + eps).
  struct Cache {
    std::vector<double> mean, inverse_deviation;  // (double: the backward recomputes the normalised rows)
  };

  /// y = the normalised rows of x (both rows x dim()).
  void forward(std::span<const float> x, std::span<float> y, Cache& cache) const;
  /// dx (overwritten) from dy, the gradient with respect to y; dgamma and dbeta (dim() each)
  /// accumulate the parameters' gradients. `x` and `cache` are the forward pass's.
  void backward(std::span<const float> x, std::span<const float> dy, const Cache& cache, std::span<float> dx,
                std::span<float> dgamma, std::span<float> dbeta) const;

  [[nodiscard]] std::size_t dim() const noexcept { return gamma_.size(); }
  [[nodiscard]] float eps() const noexcept { return eps_; }
  /// The parameters, in place (dim() values each).
  [[nodiscard]] std::span<float> gamma() noexcept { return gamma_; }
  [[nodiscard]] std::span<float> beta() noexcept { return beta_; }
  [[nodiscard]] std::span<const float> gamma() const noexcept { return gamma_; }
  [[nodiscard]] std::span<const float> beta() const noexcept { return beta_; }

 private:
  std::vector<float> gamma_, beta_;
  float eps_;
};

}  // namespace embedkit::nn
