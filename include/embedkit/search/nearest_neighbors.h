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
//
// Many queries at once (search_batch) run as blocked matrix products (OpenBLAS sgemm): the table
// is streamed through the cache once for the whole batch instead of once per query.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "embedkit/table/embedding_table.h"

namespace embedkit {

enum class Similarity { cosine, dot, l2 };

/// The cosine of two vectors of the same size, summed in double precision; 0 when either is zero.
[[nodiscard]] double cosine_similarity(std::span<const float> a, std::span<const float> b);

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

  /// The k best rows for each of `count` queries (row-major, count x dim), best first, equal
  /// to search() of each. exclude, when not empty, holds one id list per query.
  [[nodiscard]] std::vector<std::vector<Neighbor>> search_batch(std::span<const float> queries, std::size_t k,
                                                                std::span<const std::vector<TokenId>> exclude = {},
                                                                std::size_t restrict = 0) const;

  /// The building block of batch search: the similarity (as above) of each query to every row
  /// in [0, limit), block by block. visit(thread, first_row, block_rows, scores) gets
  /// count x block_rows scores, row-major, for rows first_row ..; blocks run in parallel and
  /// `thread` (0 .. max_threads()-1) lets the caller keep per-thread state.
  using BlockVisitor = std::function<void(int thread, std::size_t first_row, std::size_t block_rows,
                                          const float* scores)>;
  void score_blocks(std::span<const float> queries, std::size_t limit, const BlockVisitor& visit) const;
  [[nodiscard]] static int max_threads();

  [[nodiscard]] std::size_t rows() const noexcept { return rows_; }
  [[nodiscard]] std::size_t dim() const noexcept { return table_.dim; }
  [[nodiscard]] Similarity similarity() const noexcept { return similarity_; }

 private:
  TableView table_;
  std::size_t rows_;
  Similarity similarity_;
  std::vector<float> inverse_norms_;  // cosine: 1 / |row| (0 for zero rows); l2: |row|^2
};

}  // namespace embedkit
