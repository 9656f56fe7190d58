#include "serve/served_model.h"

#include <fmt/format.h>

#include "embedkit/io/text_settings.h"
#include "serve/request_fields.h"

namespace embedkit::detail {

ServedModel::ServedModel(WordVectors v)
    : vectors(std::move(v)),
      matrix(vectors),
      index(matrix.view(), matrix.rows()),
      solver(matrix.view(), matrix.rows()),
      batcher(index),
      by_spelling(vectors.size()) {
  for (std::size_t i = 0; i < by_spelling.size(); ++i) by_spelling[i] = static_cast<TokenId>(i);
  std::sort(by_spelling.begin(), by_spelling.end(),
            [&](TokenId a, TokenId b) { return vectors.words().word(a) < vectors.words().word(b); });
}

std::vector<Neighbor> ServedModel::neighbors_of(const QueryWord& word, std::size_t k, std::size_t restrict) const {
  std::vector<TokenId> exclude;
  if (word.id) exclude.push_back(*word.id);
  return batcher.search(word.vector, k, std::move(exclude), restrict);
}

QueryWord query_word(const WordVectors& vectors, const std::string& word) {
  QueryWord q{std::vector<float>(vectors.dim()), std::nullopt, WordVectors::Source::unknown};
  const std::string asked = query_form(vectors, word);
  q.source = vectors.vector(asked, q.vector);
  if (q.source == WordVectors::Source::unknown) {
    refuse(404, fmt::format("'{}' is not in the vocabulary (and the model has no subwords)", word));
  }
  q.id = vectors.words().find(asked);
  return q;
}

const char* source_name(WordVectors::Source source) {
  return source == WordVectors::Source::in_vocabulary ? "in_vocabulary" : "from_subwords";
}

nlohmann::json neighbor_list(const WordVectors& vectors, const std::vector<Neighbor>& found) {
  nlohmann::json list = nlohmann::json::array();
  for (const Neighbor& n : found) list.push_back({{"word", vectors.words().word(n.id)}, {"score", n.score}});
  return list;
}

}  // namespace embedkit::detail
