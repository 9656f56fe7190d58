#include "embedkit/nn/positional_encoding.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "embedkit/core/error.h"

namespace embedkit::nn {

namespace {

// w_i = base^(-2i/dim) for each pair of columns (in double: positions reach the thousands, and
// the angle p w_i must stay exact enough for sin and cos).
std::vector<double> frequencies(std::size_t pairs, std::size_t dim, double base) {
  std::vector<double> w(pairs);
  for (std::size_t i = 0; i < pairs; ++i) {
    w[i] = std::pow(base, -2.0 * static_cast<double>(i) / static_cast<double>(dim));
  }
  return w;
}

void check_rows(std::size_t values, std::size_t width, std::size_t rows, const char* what) {
  EMBEDKIT_CHECK(values == rows * width, ArgumentError,
                 fmt::format("{}: {} values are not {} rows (one per position) of {} columns", what, values, rows,
                             width));
}

}  // namespace

SinusoidalPositions::SinusoidalPositions(std::size_t dim, double base, std::uint32_t cached)
    : frequencies_(frequencies((dim + 1) / 2, dim, base)), odd_(dim % 2 == 1), cached_count_(std::min(cached, kCachedPositions)) {
  EMBEDKIT_CHECK(dim > 0, ArgumentError, "sinusoidal positions need at least one column");
  EMBEDKIT_CHECK(base > 1 && std::isfinite(base), ArgumentError, fmt::format("the base must be > 1, not {}", base));
  cached_.resize(static_cast<std::size_t>(cached_count_) * dim);
  for (std::uint32_t p = 0; p < cached_count_; ++p) encoding(p, std::span<float>(cached_).subspan(p * dim, dim));
}

void SinusoidalPositions::encoding(std::uint32_t position, std::span<float> out) const {
  check_rows(out.size(), dim(), 1, "a sinusoidal encoding");
  for (std::size_t i = 0; i < frequencies_.size(); ++i) {
    const double angle = static_cast<double>(position) * frequencies_[i];
    out[2 * i] = static_cast<float>(std::sin(angle));
    if (2 * i + 1 < out.size()) out[2 * i + 1] = static_cast<float>(std::cos(angle));
  }
}

void SinusoidalPositions::add(std::span<float> x, std::span<const std::uint32_t> positions) const {
  const std::size_t d = dim();
  check_rows(x.size(), d, positions.size(), "sinusoidal positions");
  std::vector<float> row(d);
  for (std::size_t r = 0; r < positions.size(); ++r) {
    const float* pe = row.data();
    if (positions[r] < cached_count_) {
      pe = cached_.data() + static_cast<std::size_t>(positions[r]) * d;
    } else {
      encoding(positions[r], row);
    }
    float* out = x.data() + r * d;
    for (std::size_t j = 0; j < d; ++j) out[j] += pe[j];
  }
}

LearnedPositions::LearnedPositions(std::size_t max_positions, std::size_t dim, std::uint64_t seed, float stddev)
    : table_(max_positions, dim) {
  EMBEDKIT_CHECK(max_positions > 0 && dim > 0, ArgumentError, "learned positions need at least one row and column");
  table_.fill_normal(0.0F, stddev, seed);
}

LearnedPositions::LearnedPositions(EmbeddingTable table) : table_(std::move(table)) {
  EMBEDKIT_CHECK(table_.rows() > 0 && table_.dim() > 0, ArgumentError,
                 "learned positions need at least one row and column");
}

void LearnedPositions::check(std::size_t values, std::span<const std::uint32_t> positions, const char* what) const {
  check_rows(values, dim(), positions.size(), what);
  for (const std::uint32_t p : positions) {
    EMBEDKIT_CHECK(p < max_positions(), ArgumentError,
                   fmt::format("{}: position {} is past the last learned one ({}): sequences of at most {} tokens",
                               what, p, max_positions() - 1, max_positions()));
  }
}

void LearnedPositions::add(std::span<float> x, std::span<const std::uint32_t> positions) const {
  check(x.size(), positions, "learned positions");
  const std::size_t d = dim();
  for (std::size_t r = 0; r < positions.size(); ++r) {
    const float* p = table_.data() + static_cast<std::size_t>(positions[r]) * table_.stride();
    float* out = x.data() + r * d;
    for (std::size_t j = 0; j < d; ++j) out[j] += p[j];
  }
}

void LearnedPositions::backward(std::span<const float> dy, std::span<const std::uint32_t> positions,
                                std::span<float> grad) const {
  check(dy.size(), positions, "learned positions' backward");
  const std::size_t d = dim();
  check_rows(grad.size(), d, max_positions(), "learned positions' gradient");
  for (std::size_t r = 0; r < positions.size(); ++r) {
    float* g = grad.data() + static_cast<std::size_t>(positions[r]) * d;
    const float* in = dy.data() + r * d;
    for (std::size_t j = 0; j < d; ++j) g[j] += in[j];
  }
}

RotaryPositions::RotaryPositions(std::size_t head_dim, double base)
    : frequencies_(frequencies(head_dim / 2, head_dim, base)) {
  EMBEDKIT_CHECK(head_dim > 0 && head_dim % 2 == 0, ArgumentError,
                 fmt::format("rotary positions turn pairs of columns: a head of {} columns must be even", head_dim));
  EMBEDKIT_CHECK(base > 1 && std::isfinite(base), ArgumentError, fmt::format("the base must be > 1, not {}", base));
  const std::size_t pairs = frequencies_.size();
  cached_.resize(kCachedPositions * 2 * pairs);
  for (std::size_t p = 0; p < kCachedPositions; ++p) {
    for (std::size_t i = 0; i < pairs; ++i) {
      const double angle = static_cast<double>(p) * frequencies_[i];
      cached_[(p * 2) * pairs + i] = static_cast<float>(std::cos(angle));
      cached_[(p * 2 + 1) * pairs + i] = static_cast<float>(std::sin(angle));
    }
  }
}

void RotaryPositions::turn(std::span<float> x, std::size_t width, std::span<const std::uint32_t> positions,
                           double sign) const {
  const std::size_t head = head_dim();
  EMBEDKIT_CHECK(width > 0 && width % head == 0, ArgumentError,
                 fmt::format("rotary positions: rows of {} columns are not heads of {}", width, head));
  check_rows(x.size(), width, positions.size(), "rotary positions");
  const std::size_t pairs = frequencies_.size();
  std::vector<float> computed(2 * pairs);
  for (std::size_t r = 0; r < positions.size(); ++r) {
    const float* cosines = computed.data();
    if (positions[r] < kCachedPositions) {
      cosines = cached_.data() + static_cast<std::size_t>(positions[r]) * 2 * pairs;
    } else {
      for (std::size_t i = 0; i < pairs; ++i) {
        const double angle = static_cast<double>(positions[r]) * frequencies_[i];
        computed[i] = static_cast<float>(std::cos(angle));
        computed[pairs + i] = static_cast<float>(std::sin(angle));
      }
    }
    const float* sines = cosines + pairs;
    const auto s = static_cast<float>(sign);  // (the inverse turn: sin(-a) = -sin(a))
    float* row = x.data() + r * width;
    for (std::size_t h = 0; h < width; h += head) {
      for (std::size_t i = 0; i < pairs; ++i) {
        float& a = row[h + 2 * i];
        float& b = row[h + 2 * i + 1];
        const float ra = a * cosines[i] - b * s * sines[i];
        const float rb = a * s * sines[i] + b * cosines[i];
        a = ra;
        b = rb;
      }
    }
  }
}

void RotaryPositions::rotate(std::span<float> x, std::size_t width, std::span<const std::uint32_t> positions) const {
  turn(x, width, positions, 1.0);
}

void RotaryPositions::backward(std::span<float> dy, std::size_t width, std::span<const std::uint32_t> positions) const {
  turn(dy, width, positions, -1.0);
}

}  // namespace embedkit::nn
