// Private to embedkit's server: a vector file being served, with what its answers need built
// once (the search index, the analogy solver, the words in spelling order for prefixes), and
// the reading of query words as the CLI reads them.
#pragma once

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "embedkit/io/word_matrix.h"
#include "embedkit/io/word_vectors.h"
#include "embedkit/search/analogy.h"
#include "embedkit/search/nearest_neighbors.h"
#include "serve/neighbor_batcher.h"

namespace embedkit::detail {

/// A query word's vector as the CLI reads it (normalised as the training text was), its id when
/// it has one, and where the vector came from.
struct QueryWord {
  std::vector<float> vector;
  std::optional<TokenId> id;
  WordVectors::Source source;
};

struct ServedModel {
  explicit ServedModel(WordVectors v);

  /// The k nearest words to a query word, the word itself left out (as the CLI's `neighbors`),
  /// answered together with concurrent queries.
  [[nodiscard]] std::vector<Neighbor> neighbors_of(const QueryWord& word, std::size_t k, std::size_t restrict = 0) const;

  WordVectors vectors;
  WordMatrix matrix;  // what searches compare: with subwords, each word's composed vector
  NearestNeighbors index;
  AnalogySolver solver;
  mutable NeighborBatcher batcher;   // concurrent neighbour queries share one pass
  std::vector<TokenId> by_spelling;  // word ids in byte order of their words, for prefixes
};

/// 404 when the model has no vector for `word` (not in the vocabulary, and no subwords).
[[nodiscard]] QueryWord query_word(const WordVectors& vectors, const std::string& word);

[[nodiscard]] const char* source_name(WordVectors::Source source);

/// [{"word": w, "score": s}, ...]
[[nodiscard]] nlohmann::json neighbor_list(const WordVectors& vectors, const std::vector<Neighbor>& found);

}  // namespace embedkit::detail
