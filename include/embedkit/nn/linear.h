// A fully connected layer, as PyTorch's nn.Linear: y = x W^T + b, W stored out x in (PyTorch's
// layout, so weights copy across), forward and backward as OpenBLAS matrix products (part of
// embedkit::nn).
//
//   embedkit::nn::Linear project(64, 256);        // W, b ~ U(-1/8, 1/8), PyTorch's default
//   project.forward(x, y);                        // x: rows x 64, y: rows x 256
//   project.backward(x, dy, dx, dweight, dbias);  // dx overwritten; dweight, dbias accumulate
// Shapes are checked on every call (ArgumentError).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace embedkit::nn {

class Linear {
 public:
  /// Weights and bias drawn from U(-1/sqrt(in), 1/sqrt(in)) with `seed` (PyTorch's default).
  Linear(std::size_t in, std::size_t out, std::uint64_t seed = 1);

  /// y = x W^T + b: `x` is rows x in(), `y` rows x out().
  void forward(std::span<const float> x, std::span<float> y) const;
  /// From dy (rows x out()), the gradient with respect to y: dx = dy W (overwritten; pass an
  /// empty span when x needs none; it must not overlap dy), dweight += dy^T x (out() x in()),
  /// dbias += the sum of dy's rows.
  void backward(std::span<const float> x, std::span<const float> dy, std::span<float> dx, std::span<float> dweight,
                std::span<float> dbias) const;

  [[nodiscard]] std::size_t in() const noexcept { return in_; }
  [[nodiscard]] std::size_t out() const noexcept { return out_; }
  /// The parameters, in place (their sizes are fixed: out() x in() and out()).
  [[nodiscard]] std::span<float> weight() noexcept { return weight_; }
  [[nodiscard]] std::span<float> bias() noexcept { return bias_; }
  [[nodiscard]] std::span<const float> weight() const noexcept { return weight_; }
  [[nodiscard]] std::span<const float> bias() const noexcept { return bias_; }

 private:
  std::size_t in_, out_;
  std::vector<float> weight_, bias_;
  std::size_t rows_of(std::span<const float> x, const char* what) const;
};

}  // namespace embedkit::nn
