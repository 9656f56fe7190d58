#include "negative_table.h"

#include <fmt/format.h>

#include <cmath>

#include "embedkit/core/error.h"

namespace embedkit::detail {

NegativeTable::NegativeTable(std::span<const std::uint64_t> counts, std::size_t size, double power) {
  double total = 0;
  for (const std::uint64_t c : counts) total += std::pow(static_cast<double>(c), power);
  EMBEDKIT_CHECK(total > 0 && size > 0, ArgumentError, "negative sampling needs at least one word with a count");
  table_.reserve(size);
  // Word w gets round(size * c_w^p / total) slots (at least one if it has a count), in id order.
  for (std::size_t w = 0; w < counts.size(); ++w) {
    if (counts[w] == 0) continue;
    const double share = std::pow(static_cast<double>(counts[w]), power) / total;
    const auto slots = std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(share * static_cast<double>(size))));
    table_.insert(table_.end(), slots, static_cast<TokenId>(w));
  }
}

}  // namespace embedkit::detail
