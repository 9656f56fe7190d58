// Correlation coefficients for word-similarity evaluation, as scipy.stats computes them.
#pragma once

#include <span>

namespace embedkit {

/// Pearson's r. NaN when fewer than two values or either side is constant.
[[nodiscard]] double pearson(std::span<const double> x, std::span<const double> y);

/// Spearman's rho: Pearson's r of the ranks, tied values sharing their average rank.
[[nodiscard]] double spearman(std::span<const double> x, std::span<const double> y);

}  // namespace embedkit
