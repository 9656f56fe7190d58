#include "negative_table.h"

#include <cmath>

#include "embedkit/core/error.h"

namespace embedkit::detail {

NegativeTable::NegativeTable(std::span<const std::uint64_t> counts, double power) : columns_(counts.size()) {
  // (A word never seen weighs 0 at any power, 0 included: pow(0, 0) would be 1.)
  auto weight = [power](std::uint64_t c) { return c == 0 ? 0.0 : std::pow(static_cast<double>(c), power); };
  double total = 0;
  for (const std::uint64_t c : counts) total += weight(c);
  EMBEDKIT_CHECK(total > 0, ArgumentError, "negative sampling needs at least one word with a count");
  const std::size_t n = counts.size();
  probability_.resize(n);
  // Vose's construction: scaled probabilities n * p_w; columns below 1 take their remainder
  // from a column above 1 (its alias).
  std::vector<double> scaled(n);
  std::vector<std::size_t> small, large;
  for (std::size_t w = 0; w < n; ++w) {
    probability_[w] = weight(counts[w]) / total;
    drawable_ += counts[w] > 0;
    scaled[w] = probability_[w] * static_cast<double>(n);
    (scaled[w] < 1.0 ? small : large).push_back(w);
  }
  threshold_.assign(n, 1U << 24U);
  alias_.resize(n);
  for (std::size_t w = 0; w < n; ++w) alias_[w] = static_cast<TokenId>(w);
  while (!small.empty() && !large.empty()) {
    const std::size_t s = small.back();
    small.pop_back();
    const std::size_t l = large.back();
    threshold_[s] = static_cast<std::uint32_t>(std::llround(scaled[s] * (1U << 24U)));
    alias_[s] = static_cast<TokenId>(l);
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // What is left is 1 up to rounding: such columns always return themselves, unless their word
  // cannot be drawn at all (rounding leftovers of zero-count words go to their alias).
  for (const std::size_t w : small) threshold_[w] = counts[w] > 0 ? 1U << 24U : 0U;
  for (const std::size_t w : large) threshold_[w] = 1U << 24U;
  for (std::size_t w = 0; w < n; ++w) {
    if (counts[w] == 0 && threshold_[w] > 0) threshold_[w] = 0;  // never return a word never seen
    if (counts[w] == 0 && counts[alias_[w]] == 0) {
      // Point at any drawable word (its probability mass here is rounding noise).
      for (std::size_t v = 0; v < n; ++v) {
        if (counts[v] > 0) {
          alias_[w] = static_cast<TokenId>(v);
          break;
        }
      }
    }
  }
}

}  // namespace embedkit::detail
