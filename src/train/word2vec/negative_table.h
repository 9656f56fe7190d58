// Private to embedkit::train: draws negative samples from the unigram distribution raised to
// 0.75 (Mikolov et al. 2013), from a table in which word w fills a share of the slots
// proportional to count(w)^0.75, as word2vec and fastText do.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "embedkit/core/random.h"
#include "embedkit/vocab/vocabulary.h"

namespace embedkit::detail {

class NegativeTable {
 public:
  /// `counts` per word id; `size` slots (fastText uses 10M). Words with count 0 never appear.
  NegativeTable(std::span<const std::uint64_t> counts, std::size_t size = 10'000'000, double power = 0.75);

  /// A random word id (uniform over slots).
  [[nodiscard]] TokenId draw(SplitMix64& rng) const noexcept {
    return table_[static_cast<std::size_t>((rng.next() >> 11U) % table_.size())];
  }
  [[nodiscard]] std::span<const TokenId> slots() const noexcept { return table_; }

 private:
  std::vector<TokenId> table_;
};

}  // namespace embedkit::detail
