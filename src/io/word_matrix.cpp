#include "embedkit/io/word_matrix.h"

#include <cstdint>

namespace embedkit {

WordMatrix::WordMatrix(const WordVectors& vectors, std::size_t rows) {
  const std::size_t words = rows > 0 && rows < vectors.size() ? rows : vectors.size();
  if (!vectors.subwords()) {
    view_ = vectors.table().view();
    view_.rows = words;
    return;
  }
  composed_.emplace(words, vectors.dim());
  EmbeddingTable& table = *composed_;
#pragma omp parallel for schedule(dynamic, 256)
  for (std::int64_t w = 0; w < static_cast<std::int64_t>(words); ++w) {
    vectors.vector(static_cast<TokenId>(w), table.row(static_cast<TokenId>(w)));
  }
  view_ = table.view();
}

}  // namespace embedkit
