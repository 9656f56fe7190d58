// Private to embedkit::train: draws negative samples from the unigram distribution raised to a
// power: 0.75 by default (Mikolov et al. 2013; fastText uses 0.5). word2vec and fastText draw
// from a table of 10^7-10^8 slots in which each word fills a share proportional to count^power;
// such a table is 40-400 MB, so every draw misses the caches (profiling showed it, with the modulo, as the trainer's largest cost). This
// uses Walker's alias method instead: two arrays of one entry per word (a few hundred KB for a
// typical vocabulary), an exact draw from the same distribution in O(1), with no division.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "embedkit/core/random.h"
#include "embedkit/vocab/vocabulary.h"

namespace embedkit::detail {

class NegativeTable {
 public:
  /// `counts` per word id. Words with count 0 are never drawn. Throws ArgumentError when no
  /// word has a count.
  explicit NegativeTable(std::span<const std::uint64_t> counts, double power = 0.75);

  /// A random word id, drawn with probability count^power / sum.
  [[nodiscard]] TokenId draw(SplitMix64& rng) const noexcept {
    const std::uint64_t r = rng.next();
    // Upper 32 bits pick a column (multiply-shift: no division), the low 24 bits decide between
    // the column's word and its alias.
    const auto column = static_cast<std::size_t>(((r >> 32U) * columns_) >> 32U);
    const auto u = static_cast<std::uint32_t>(r & 0xFFFFFFU);
    return u < threshold_[column] ? static_cast<TokenId>(column) : alias_[column];
  }

  /// The probability of drawing word w (for tests).
  [[nodiscard]] double probability(TokenId w) const noexcept { return probability_[w]; }
  [[nodiscard]] std::size_t words() const noexcept { return columns_; }
  /// How many words can be drawn at all.
  [[nodiscard]] std::size_t drawable() const noexcept { return drawable_; }

 private:
  std::uint64_t columns_;
  std::size_t drawable_ = 0;
  std::vector<std::uint32_t> threshold_;  // per column, in units of 2^-24
  std::vector<TokenId> alias_;
  std::vector<double> probability_;
};

}  // namespace embedkit::detail
