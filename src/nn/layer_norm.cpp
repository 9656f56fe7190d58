#include "embedkit/nn/layer_norm.h"

#include <fmt/format.h>

#include <cmath>

#include "embedkit/core/error.h"

namespace embedkit::nn {

namespace {

std::size_t rows_of(std::size_t values, std::size_t dim, const char* what) {
  EMBEDKIT_CHECK(values % dim == 0, ArgumentError,
                 fmt::format("{}: {} values are not rows of {} columns", what, values, dim));
  return values / dim;
}

void check_size(std::size_t have, std::size_t want, const char* what) {
  EMBEDKIT_CHECK(have == want, ArgumentError, fmt::format("{}: {} values, not {}", what, have, want));
}

}  // namespace

LayerNorm::LayerNorm(std::size_t dim, float eps) : gamma_(dim, 1.0F), beta_(dim, 0.0F), eps_(eps) {
  EMBEDKIT_CHECK(dim > 0, ArgumentError, "layer normalisation needs at least one column");
  EMBEDKIT_CHECK(eps > 0 && std::isfinite(eps), ArgumentError, fmt::format("eps must be > 0, not {}", eps));
}

void LayerNorm::forward(std::span<const float> x, std::span<float> y, Cache& cache) const {
  const std::size_t d = dim(), rows = rows_of(x.size(), d, "layer norm");
  check_size(y.size(), x.size(), "layer norm's output");
  cache.mean.resize(rows);
  cache.inverse_deviation.resize(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    const float* in = x.data() + r * d;
    // Two passes in double: the mean, then the variance around it (no cancellation).
    double sum = 0;
    for (std::size_t j = 0; j < d; ++j) sum += in[j];
    const double mean = sum / static_cast<double>(d);
    double squares = 0;
    for (std::size_t j = 0; j < d; ++j) squares += (in[j] - mean) * (in[j] - mean);
    const double inverse = 1.0 / std::sqrt(squares / static_cast<double>(d) + eps_);
    cache.mean[r] = mean;
    cache.inverse_deviation[r] = inverse;
    float* out = y.data() + r * d;
    for (std::size_t j = 0; j < d; ++j) {
      out[j] = static_cast<float>((in[j] - mean) * inverse) * gamma_[j] + beta_[j];
    }
  }
}

void LayerNorm::backward(std::span<const float> x, std::span<const float> dy, const Cache& cache, std::span<float> dx,
                         std::span<float> dgamma, std::span<float> dbeta) const {
  const std::size_t d = dim(), rows = rows_of(x.size(), d, "layer norm's backward");
  check_size(dy.size(), x.size(), "layer norm's backward: dy");
  check_size(dx.size(), x.size(), "layer norm's backward: dx");
  check_size(cache.mean.size(), rows, "layer norm's backward: the forward pass's rows");
  check_size(dgamma.size(), d, "layer norm's backward: dgamma");
  check_size(dbeta.size(), d, "layer norm's backward: dbeta");
  for (std::size_t r = 0; r < rows; ++r) {
    const float* in = x.data() + r * d;
    const float* g = dy.data() + r * d;
    float* out = dx.data() + r * d;
    const double mean = cache.mean[r], inverse = cache.inverse_deviation[r];
    // With n = (x - mean) * inverse and dn = dy * gamma:
    // dx = inverse * (dn - mean(dn) - n * mean(dn * n)).
    double dn_sum = 0, dn_n_sum = 0;
    for (std::size_t j = 0; j < d; ++j) {
      const auto n = static_cast<float>((in[j] - mean) * inverse);
      const float dn = g[j] * gamma_[j];
      dn_sum += dn;
      dn_n_sum += static_cast<double>(dn) * n;
      dgamma[j] += g[j] * n;
      dbeta[j] += g[j];
    }
    const auto dn_mean = static_cast<float>(dn_sum / static_cast<double>(d));
    const auto dn_n_mean = static_cast<float>(dn_n_sum / static_cast<double>(d));
    for (std::size_t j = 0; j < d; ++j) {
      const auto n = static_cast<float>((in[j] - mean) * inverse);
      out[j] = static_cast<float>(inverse) * (g[j] * gamma_[j] - dn_mean - n * dn_n_mean);
    }
  }
}

}  // namespace embedkit::nn
