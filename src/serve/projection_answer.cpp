#include <fmt/format.h>

#include <unordered_set>

#include "embedkit/io/text_settings.h"
#include "embedkit/viz/pca.h"
#include "serve/answers.h"
#include "serve/heavy_work.h"
#include "serve/request_fields.h"

namespace embedkit::detail {

using json = nlohmann::json;

namespace {

// A point of the map before projection: the word as asked, its vector, and what else the page
// shows about it.
struct MapWord {
  std::string word;
  QueryWord query;
  std::optional<float> score;  // the cosine to the centre word, for its neighbours
  bool centre = false;
};

std::vector<std::string> comma_separated(const std::string& text) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) words.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return words;
}

}  // namespace

ServiceResponse projection_answer(const ServedModel& model, const ServiceRequest& request,
                                  const ServiceLimits& limits) {
  const WordVectors& wv = model.vectors;
  std::vector<MapWord> points;
  std::size_t dims = 2;
  std::vector<std::string> words;
  if (request.method == "POST") {
    const json body = body_object(request);
    dims = count_field(body, "dims", 2, 2, 3);
    words = string_list(body, "words", limits.max_map_words);
    if (words.empty()) refuse(400, "give 'words': a list of at least 2 words");
  } else {
    require_method(request, "GET");
    dims = count_parameter(request, "dims", 2, 2, 3);
    const bool by_word = request.query.contains("word");
    const bool by_list = request.query.contains("words");
    const bool by_top = request.query.contains("top");
    if (by_word + by_list + by_top > 1) refuse(400, "give one of 'word', 'words' and 'top'");
    if (by_word) {
      // The word and its neighbours, as /neighbors finds them.
      const std::string& word = parameter(request, "word");
      const std::size_t k = count_parameter(request, "k", 20, 1, std::min(limits.max_k, limits.max_map_words - 1));
      QueryWord centre = query_word(wv, word);
      const std::vector<Neighbor> found = model.neighbors_of(centre, k);
      points.push_back({word, std::move(centre), std::nullopt, true});
      for (const Neighbor& n : found) {
        QueryWord q{std::vector<float>(wv.dim()), n.id, WordVectors::Source::in_vocabulary};
        const float* row = model.matrix.view().row_unchecked(n.id);
        std::copy(row, row + wv.dim(), q.vector.begin());
        points.push_back({std::string(wv.words().word(n.id)), std::move(q), n.score, false});
      }
    } else if (by_list) {
      words = comma_separated(parameter(request, "words"));
      if (words.size() > limits.max_map_words) {
        refuse(400, fmt::format("'words' holds {} words; at most {}", words.size(), limits.max_map_words));
      }
    } else {
      const std::size_t top =
          count_parameter(request, "top", std::min<std::size_t>(200, wv.size()), 2, limits.max_map_words);
      for (std::size_t i = 0; i < std::min(top, wv.size()); ++i) {
        words.emplace_back(wv.words().word(static_cast<TokenId>(i)));
      }
    }
  }
  // Listed words: each once (as the model reads it), in the order given.
  std::unordered_set<std::string> seen;
  for (const std::string& w : words) {
    if (seen.insert(query_form(wv, w)).second) points.push_back({w, query_word(wv, w), std::nullopt, false});
  }
  if (points.size() < 2) refuse(400, "a map needs at least 2 different words");

  std::vector<float> rows(points.size() * wv.dim());
  for (std::size_t i = 0; i < points.size(); ++i) {
    std::copy(points[i].query.vector.begin(), points[i].query.vector.end(),
              rows.begin() + static_cast<std::ptrdiff_t>(i * wv.dim()));
  }
  // A map of a word and its neighbours costs next to nothing; thousands of words take turns.
  std::optional<HeavyWork> turn;
  if (points.size() > 500) turn.emplace();
  const Pca pca = principal_components(rows, points.size(), wv.dim(), dims);
  turn.reset();
  json list = json::array();
  for (std::size_t i = 0; i < points.size(); ++i) {
    json p = {{"word", points[i].word},
              {"source", source_name(points[i].query.source)},
              {"coordinates", std::vector<double>(pca.coordinates.begin() + static_cast<std::ptrdiff_t>(i * dims),
                                                  pca.coordinates.begin() + static_cast<std::ptrdiff_t>((i + 1) * dims))}};
    if (points[i].score) p["score"] = *points[i].score;
    if (points[i].centre) p["centre"] = true;
    list.push_back(std::move(p));
  }
  return {200, dump({{"dims", dims}, {"explained_variance", pca.explained_variance_ratio}, {"points", list}})};
}

}  // namespace embedkit::detail
