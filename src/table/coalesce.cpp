#include "coalesce.h"

#include <fmt/format.h>

#include "embedkit/core/error.h"

#include <algorithm>

namespace embedkit::detail {

void radix_sort(std::vector<std::uint64_t>& keys) {
  if (keys.size() < 2) return;
  std::uint64_t all_or = 0;
  std::uint64_t all_and = ~std::uint64_t{0};
  for (const std::uint64_t k : keys) {
    all_or |= k;
    all_and &= k;
  }
  const std::uint64_t varying = all_or ^ all_and;  // bits that differ somewhere
  std::vector<std::uint64_t> buffer(keys.size());
  std::vector<std::size_t> count(65537);
  for (unsigned shift = 0; shift < 64; shift += 16) {
    if (((varying >> shift) & 0xFFFFU) == 0) continue;
    std::fill(count.begin(), count.end(), 0);
    for (const std::uint64_t k : keys) ++count[((k >> shift) & 0xFFFFU) + 1];
    for (std::size_t i = 1; i < count.size(); ++i) count[i] += count[i - 1];
    for (const std::uint64_t k : keys) buffer[count[(k >> shift) & 0xFFFFU]++] = k;
    keys.swap(buffer);
  }
}

std::vector<std::uint64_t> row_position_keys(std::span<const TokenId> ids, std::uint64_t skip) {
  EMBEDKIT_CHECK(ids.size() <= UINT32_MAX, ArgumentError,
                 fmt::format("a batch of {} ids is larger than the 2^32 - 1 supported", ids.size()));
  std::vector<std::uint64_t> keys;
  keys.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] == skip) continue;
    keys.push_back((static_cast<std::uint64_t>(ids[i]) << 32U) | i);
  }
  radix_sort(keys);
  return keys;
}

RowGroups group_rows(std::span<const std::uint64_t> sorted_keys) {
  RowGroups groups;
  for (std::size_t j = 0; j < sorted_keys.size(); ++j) {
    const auto row = static_cast<TokenId>(sorted_keys[j] >> 32U);
    if (groups.rows.empty() || groups.rows.back() != row) {
      groups.rows.push_back(row);
      groups.starts.push_back(j);
    }
  }
  groups.starts.push_back(sorted_keys.size());
  return groups;
}

}  // namespace embedkit::detail
