// Exact nearest neighbours of a query vector among the rows of a table, by cosine (default),
// dot product or Euclidean distance.
//
//   embedkit::NearestNeighbors index(wv.table().view(), wv.size());   // word rows only
//   std::vector<float> q(wv.dim());
//   (void)wv.vector("king", q);
//   for (auto [id, score] : index.search(q, 10, {.exclude = {*wv.words().find("king")}})) ...
//
// The index keeps one float per row (the inverse norm, for cosine), never a normalised copy of
// the table, so it works on memory-mapped tables without touching rows until a search does.
// A search scans every candidate row (multithreaded, SIMD dot products) and keeps the best k in
// per-thread heaps, so results are exact; ties are broken by the lower id, so they are
// deterministic. Scores: cosine in [-1, 1]; dot; for L2 the negated distance (higher is nearer).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "embedkit/table/embedding_table.h"

namespace embedkit {

enum class Similarity { cosine, dot, l2 };

struct Neighbor {
  TokenId id;
  float score;
  friend bool operator==(const Neighbor&, const Neighbor&) = default;
};

struct SearchOptions {
  std::vector<TokenId> exclude;  ///< ids never returned (e.g. the query words)
  std::size_t restrict = 0;      ///< search only rows [0, restrict) (frequent words first); 0 = all
};

class NearestNeighbors {
 public:
  /// Searches rows [0, rows) of `table` (e.g. the words, not the subword buckets). The view must
  /// outlive the index. Throws ArgumentError when rows > table.rows.
  NearestNeighbors(TableView table, std::size_t rows, Similarity similarity = Similarity::cosine);

  /// The k best rows for `query` (dim floats), best first. A zero query under cosine scores 0
  /// everywhere. Throws ArgumentError for a query of the wrong size.
  [[nodiscard]] std::vector<Neighbor> search(std::span<const float> query, std::size_t k,
                                             const SearchOptions& options = {}) const;

  [[nodiscard]] std::size_t rows() const noexcept { return rows_; }

 private:
  TableView table_;
  std::size_t rows_;
  Similarity similarity_;
  std::vector<float> inverse_norms_;  // cosine: 1 / |row| (0 for zero rows); l2: |row|^2
};

}  // namespace embedkit
