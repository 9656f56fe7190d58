// Approximate-then-exact cosine search for single queries: an int8 copy of the table (a quarter
// of the float bytes) is scanned first, and the best candidates are re-scored exactly from the
// float rows. A single query is bound by memory bandwidth, so reading 4x fewer bytes answers it
// several times faster than the exact scan, with the same top-k in practice (recall@10 >= 0.99
// with the default 100 candidates on real vectors; see bench/README.md). Scores returned are the
// exact float cosines.
//
//   embedkit::QuantizedNearestNeighbors index(wv.table().view(), wv.size());   // builds the copy
//   auto best = index.search(query, 10, {.exclude = {id}});
//
// Each row is normalised and scaled so its largest |value| maps to 127; the copy costs
// rows x round_up(dim, 32) bytes + one float per row, next to (not instead of) the table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "embedkit/search/nearest_neighbors.h"

namespace embedkit {

struct QuantizedSearchOptions {
  std::vector<TokenId> exclude;  ///< ids never returned
  std::size_t restrict = 0;      ///< search only rows [0, restrict); 0 = all
  std::size_t candidates = 100;  ///< int8 candidates re-scored exactly (at least k are)
};

class QuantizedNearestNeighbors {
 public:
  /// Quantizes rows [0, rows) of `table`, which must outlive the index.
  QuantizedNearestNeighbors(TableView table, std::size_t rows);

  /// The k best rows by exact cosine among the int8 scan's best candidates, best first.
  [[nodiscard]] std::vector<Neighbor> search(std::span<const float> query, std::size_t k,
                                             const QuantizedSearchOptions& options = {}) const;

  [[nodiscard]] std::size_t rows() const noexcept { return rows_; }
  /// Bytes of the int8 copy and its scales.
  [[nodiscard]] std::size_t memory_bytes() const noexcept { return codes_.size() + scales_.size() * sizeof(float); }

 private:
  TableView table_;
  std::size_t rows_;
  std::size_t padded_dim_;             // dim rounded up to 32 (zeros beyond dim)
  std::vector<std::int8_t> codes_;     // rows_ x padded_dim_
  std::vector<float> scales_;          // per row: value = code * scale (of the unit row)
  std::vector<float> inverse_norms_;   // for the exact re-scoring
};

}  // namespace embedkit
