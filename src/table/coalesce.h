// Private to embedkit: turning per-position gradient contributions into a SparseGradient.
//
// Each position i of a batch adds scale(i) * source(i) to table row ids[i]. Keys
// (row << 32 | position) are radix-sorted, so equal rows become adjacent and, within a row,
// positions stay in batch order: the sums are deterministic and independent of thread count
// (each row's sum is done by one thread, in position order).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "embedkit/table/sparse_gradient.h"
#include "kernels/kernels.h"

namespace embedkit::detail {

/// Sorts 64-bit keys ascending (LSD radix, 16-bit digits; digits that are equal in every key
/// are skipped, so small tables and batches need few passes).
void radix_sort(std::vector<std::uint64_t>& keys);

/// Sorted (row << 32 | position) keys for positions whose id is not `skip` (pass a value >=
/// the table size to skip nothing).
std::vector<std::uint64_t> row_position_keys(std::span<const TokenId> ids, std::uint64_t skip);

/// The unique rows of sorted keys, and where each row's run of keys starts (plus an end).
struct RowGroups {
  std::vector<TokenId> rows;
  std::vector<std::size_t> starts;  // rows.size() + 1 entries
};
RowGroups group_rows(std::span<const std::uint64_t> sorted_keys);

/// Fills `grad`: for each group g and each key k in it (in order), with position p = low 32
/// bits, value(g) += scale(p) * source(p), starting from the first contribution (no zeroing
/// pass). Reuses grad's buffers. Runs groups in parallel.
template <class Source, class Scale>
void coalesce(std::span<const std::uint64_t> keys, const RowGroups& groups, std::size_t dim, Source source,
              Scale scale, SparseGradient& grad) {
  grad.assign(groups.rows, dim);
  const kernels::KernelTable& k = kernels::kernels();
  const auto n = static_cast<std::int64_t>(groups.rows.size());
#pragma omp parallel for schedule(dynamic, 256)
  for (std::int64_t g = 0; g < n; ++g) {
    float* out = grad.value(static_cast<std::size_t>(g)).data();
    const std::size_t first = groups.starts[g];
    const auto p0 = static_cast<std::uint32_t>(keys[first]);
    const float s0 = scale(p0);
    const float* src0 = source(p0);
    for (std::size_t d = 0; d < dim; ++d) out[d] = s0 * src0[d];
    for (std::size_t j = first + 1; j < groups.starts[g + 1]; ++j) {
      const auto p = static_cast<std::uint32_t>(keys[j]);
      k.axpy(scale(p), source(p), out, dim);
    }
  }
}

}  // namespace embedkit::detail
