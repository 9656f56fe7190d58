#include "coalesce.h"

#include <fmt/format.h>

#include "embedkit/core/error.h"

namespace embedkit::detail {

void radix_sort(std::vector<std::uint64_t>& keys, std::vector<std::uint64_t>& buffer,
                std::vector<std::size_t>& histogram) {
  if (keys.size() < 2) return;
  std::uint64_t all_or = 0;
  std::uint64_t all_and = ~std::uint64_t{0};
  for (const std::uint64_t k : keys) {
    all_or |= k;
    all_and &= k;
  }
  const std::uint64_t varying = all_or ^ all_and;  // bits that differ somewhere
  buffer.resize(keys.size());
  histogram.resize(65537);
  for (unsigned shift = 0; shift < 64; shift += 16) {
    if (((varying >> shift) & 0xFFFFU) == 0) continue;
    std::fill(histogram.begin(), histogram.end(), 0);
    for (const std::uint64_t k : keys) ++histogram[((k >> shift) & 0xFFFFU) + 1];
    for (std::size_t i = 1; i < histogram.size(); ++i) histogram[i] += histogram[i - 1];
    for (const std::uint64_t k : keys) buffer[histogram[(k >> shift) & 0xFFFFU]++] = k;
    keys.swap(buffer);
  }
}

void sort_and_group(std::span<const TokenId> ids, std::uint64_t skip, SparseGradient::Scratch& scratch) {
  EMBEDKIT_CHECK(ids.size() <= UINT32_MAX, ArgumentError,
                 fmt::format("a batch of {} ids is larger than the 2^32 - 1 supported", ids.size()));
  std::vector<std::uint64_t>& keys = scratch.keys;
  keys.clear();
  keys.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] == skip) continue;
    keys.push_back((static_cast<std::uint64_t>(ids[i]) << 32U) | i);
  }
  radix_sort(keys, scratch.sort_buffer, scratch.histogram);
  group_rows(scratch);
}

void group_rows(SparseGradient::Scratch& scratch) {
  scratch.rows.clear();
  scratch.starts.clear();
  const std::vector<std::uint64_t>& keys = scratch.keys;
  for (std::size_t j = 0; j < keys.size(); ++j) {
    const auto row = static_cast<TokenId>(keys[j] >> 32U);
    if (scratch.rows.empty() || scratch.rows.back() != row) {
      scratch.rows.push_back(row);
      scratch.starts.push_back(j);
    }
  }
  scratch.starts.push_back(keys.size());
}

}  // namespace embedkit::detail
