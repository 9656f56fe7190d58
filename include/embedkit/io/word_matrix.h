// The word vectors of a WordVectors as one table, the thing to search, compare and plot.
//
// Without subwords that is the stored rows [0, size()), viewed in place (no copy, so a mapped
// native file stays mapped). With fastText-style subwords a word's vector is the mean of its
// own row and its n-gram rows (WordVectors::vector), not its stored row alone; those are
// computed once here, as fastText does before answering nearest-neighbour queries, at the cost
// of a words x dim copy.
//
//   const embedkit::WordMatrix words(wv);
//   const embedkit::NearestNeighbors index(words.view(), words.rows());
#pragma once

#include <optional>

#include "embedkit/io/word_vectors.h"

namespace embedkit {

class WordMatrix {
 public:
  /// Words [0, rows) (0 = all; more than size() = all). `vectors` must outlive this object
  /// when it has no subwords (the view points into it).
  explicit WordMatrix(const WordVectors& vectors, std::size_t rows = 0);

  [[nodiscard]] TableView view() const noexcept { return view_; }
  [[nodiscard]] std::size_t rows() const noexcept { return view_.rows; }
  /// Whether the vectors were composed from subwords (a copy) rather than viewed in place.
  [[nodiscard]] bool composed() const noexcept { return composed_.has_value(); }

 private:
  std::optional<EmbeddingTable> composed_;
  TableView view_;
};

}  // namespace embedkit
