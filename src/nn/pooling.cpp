#include "embedkit/nn/pooling.h"

#include <fmt/format.h>

#include <algorithm>

#include "embedkit/core/error.h"

namespace embedkit::nn {

namespace {

void check(std::size_t values, std::size_t dim, std::size_t rows, std::size_t length, const char* what) {
  EMBEDKIT_CHECK(rows > 0 && length >= 1 && length <= rows && values == rows * dim, ArgumentError,
                 fmt::format("{}: {} values for {} rows of {} ({} valid: at least one, at most all)", what, values, rows,
                             dim, length));
}

}  // namespace

void pool(Pooling pooling, std::span<const float> x, std::size_t rows, std::size_t length, std::span<float> out) {
  const std::size_t dim = out.size();
  check(x.size(), dim, rows, length, "pooling");
  if (pooling == Pooling::first) {
    std::copy_n(x.begin(), dim, out.begin());
    return;
  }
  std::fill(out.begin(), out.end(), 0.0F);
  for (std::size_t r = 0; r < length; ++r) {
    for (std::size_t j = 0; j < dim; ++j) out[j] += x[r * dim + j];
  }
  const float inverse = 1.0F / static_cast<float>(length);
  for (float& v : out) v *= inverse;
}

void pool_backward(Pooling pooling, std::span<const float> dout, std::size_t rows, std::size_t length,
                   std::span<float> dx) {
  const std::size_t dim = dout.size();
  check(dx.size(), dim, rows, length, "pooling's backward");
  std::fill(dx.begin(), dx.end(), 0.0F);
  if (pooling == Pooling::first) {
    std::copy_n(dout.begin(), dim, dx.begin());
    return;
  }
  const float inverse = 1.0F / static_cast<float>(length);
  for (std::size_t r = 0; r < length; ++r) {
    for (std::size_t j = 0; j < dim; ++j) dx[r * dim + j] = dout[j] * inverse;
  }
}

}  // namespace embedkit::nn
