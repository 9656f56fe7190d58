// Nearest neighbours searched on a compressed table's codes (compressed_table.h), without
// decoding it: asymmetric distances for product quantization (a table of the query's dot with
// every centroid, then look-ups per row), decoded dots for the scalar codecs. Where the original
// float rows are kept too, the best candidates of the code scan are re-scored exactly.
//
//   const embedkit::CompressedTable codes = embedkit::CompressedTable::encode(table.view(), {.codec = embedkit::Codec::pq});
//   embedkit::CompressedNeighbors approx(codes, words);                        // codes alone: approximate scores
//   embedkit::CompressedNeighbors exact(codes, words, {.rerank_from = table.view()});  // + exact re-ranking
//   for (auto [id, score] : approx.search(query, 10)) ...
//
// Scores follow nearest_neighbors.h (cosine, dot, negated L2 distance) of the rows as the codes
// give them back, or of the original rows when re-ranked. Cosine divides by each decoded row's
// norm, computed once (one float per row). Results equal NearestNeighbors over the decoded table,
// up to float rounding.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "embedkit/search/nearest_neighbors.h"
#include "embedkit/table/compressed_table.h"

namespace embedkit {

struct CompressedSearchSetup {
  Similarity similarity = Similarity::cosine;
  /// The original rows (same shape as the codes), to re-score the code scan's best candidates
  /// exactly; must outlive the index. Without them the scores are the codes'.
  std::optional<TableView> rerank_from;
  std::size_t candidates = 100;  ///< with rerank_from: candidates re-scored (at least k are)
};

class CompressedNeighbors {
 public:
  /// Searches rows [0, rows) of `codes`, which must outlive the index. Throws ArgumentError when
  /// rows > codes.rows() or rerank_from's shape differs from the codes'.
  CompressedNeighbors(const CompressedTable& codes, std::size_t rows, CompressedSearchSetup setup = {});

  /// The k best rows for `query` (dim floats), best first; exclude and restrict as in
  /// NearestNeighbors::search. Throws ArgumentError for a query of the wrong size.
  [[nodiscard]] std::vector<Neighbor> search(std::span<const float> query, std::size_t k,
                                             const SearchOptions& options = {}) const;

  [[nodiscard]] std::size_t rows() const noexcept { return rows_; }

 private:
  const CompressedTable& codes_;
  std::size_t rows_;
  CompressedSearchSetup setup_;
  std::vector<float> row_terms_;    // cosine: 1 / |decoded row|; l2: |decoded row|^2
  std::vector<float> exact_terms_;  // the same of the original rows (re-ranking)
};

}  // namespace embedkit
