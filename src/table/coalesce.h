// Private to embedkit: turning per-position gradient contributions into a SparseGradient.
//
// Each position i of a batch adds scale(i) * source(i) to table row ids[i]. Keys
// (row << 32 | position) are radix-sorted, so equal rows become adjacent and, within a row,
// positions stay in batch order: the sums are deterministic and independent of thread count
// (each row's sum is done by one thread, in position order). All working memory lives in the
// gradient's Scratch, so a reused SparseGradient allocates nothing in a steady loop.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "embedkit/table/sparse_gradient.h"
#include "kernels/kernels.h"
#include "kernels/prefetch.h"

namespace embedkit::detail {

/// Sorts 64-bit keys ascending (LSD radix, 16-bit digits; digits that are equal in every key
/// are skipped, so small tables and batches need few passes). `buffer` and `histogram` are
/// working memory, resized as needed.
void radix_sort(std::vector<std::uint64_t>& keys, std::vector<std::uint64_t>& buffer,
                std::vector<std::size_t>& histogram);

/// scratch.keys = sorted (row << 32 | position) keys for positions whose id is not `skip` (pass
/// a value >= the table size to skip nothing); then scratch.rows = the unique rows and
/// scratch.starts = where each row's run of keys starts (plus an end).
void sort_and_group(std::span<const TokenId> ids, std::uint64_t skip, SparseGradient::Scratch& scratch);

/// scratch.rows and scratch.starts from already sorted scratch.keys.
void group_rows(SparseGradient::Scratch& scratch);

/// Fills `grad` from its grouped scratch: for each group g and each key k in it (in order), with
/// position p = low 32 bits, value(g) += scale(p) * source(p), starting from the first
/// contribution (no zeroing pass). Runs groups in parallel, prefetching the sources ahead.
template <class Source, class Scale>
void coalesce(std::size_t dim, Source source, Scale scale, SparseGradient& grad) {
  SparseGradient::Scratch& s = grad.scratch();
  grad.assign(s.rows, dim);
  const std::uint64_t* keys = s.keys.data();
  const std::size_t key_count = s.keys.size();
  const std::size_t* starts = s.starts.data();
  const kernels::KernelTable& k = kernels::kernels();
  const std::size_t row_bytes = dim * sizeof(float);
  const std::size_t ahead = kernels::prefetch_distance(row_bytes);
  const auto n = static_cast<std::int64_t>(s.rows.size());
#pragma omp parallel for schedule(dynamic, 256)
  for (std::int64_t g = 0; g < n; ++g) {
    float* out = grad.value(static_cast<std::size_t>(g)).data();
    const std::size_t first = starts[g];
    const std::size_t last = starts[g + 1];
    for (std::size_t j = first; j < last; ++j) {
      // Sources are rows of grad_out in position order: random here, so fetch them early.
      if (j + ahead < key_count) kernels::prefetch(source(static_cast<std::uint32_t>(keys[j + ahead])), row_bytes);
      const auto p = static_cast<std::uint32_t>(keys[j]);
      if (j == first) {
        const float s0 = scale(p);
        const float* src0 = source(p);
        for (std::size_t d = 0; d < dim; ++d) out[d] = s0 * src0[d];
      } else {
        k.axpy(scale(p), source(p), out, dim);
      }
    }
  }
}

}  // namespace embedkit::detail
