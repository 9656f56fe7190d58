#include "embedkit/viz/word_map.h"

#include <fmt/format.h>

#include <cmath>
#include <unordered_set>

#include "embedkit/core/error.h"
#include "embedkit/io/word_matrix.h"
#include "embedkit/search/nearest_neighbors.h"
#include "embedkit/viz/pca.h"

namespace embedkit {
namespace {

std::string join_words(std::span<const std::string> words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

void scale_to_unit_length(std::span<float> row) {
  double squared = 0;
  for (const float v : row) squared += double(v) * v;
  if (squared == 0) return;
  const auto scale = static_cast<float>(1 / std::sqrt(squared));
  for (float& v : row) v *= scale;
}

}  // namespace

WordMap build_word_map(const WordVectors& vectors, std::span<const std::vector<std::string>> groups,
                       const WordMapOptions& options) {
  const std::size_t dim = vectors.dim();
  const bool with_neighbors = options.neighbors > 0;
  WordMap map;
  std::vector<float> rows;  // one row per point, in point order
  std::unordered_set<std::string> seen;
  std::vector<std::string> unknown;
  std::vector<float> vec(dim);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    EMBEDKIT_CHECK(!groups[g].empty(), ArgumentError, fmt::format("word map group {} has no words", g));
    if (!with_neighbors) map.group_names.push_back(join_words(groups[g]));
    for (const std::string& word : groups[g]) {
      if (!seen.insert(word).second) continue;
      const WordVectors::Source source = vectors.vector(word, vec);
      if (source == WordVectors::Source::unknown) {
        unknown.push_back(word);
        continue;
      }
      if (source == WordVectors::Source::from_subwords) map.from_subwords.push_back(word);
      if (with_neighbors) map.group_names.push_back(word);
      map.points.push_back(
          {.label = word, .group = with_neighbors ? map.group_names.size() - 1 : g, .highlight = with_neighbors});
      rows.insert(rows.end(), vec.begin(), vec.end());
    }
  }
  // Every missing word at once, so that one run shows all the typos.
  EMBEDKIT_CHECK(unknown.empty(), Error,
                 fmt::format("not in the vocabulary (and the model has no subwords): {}", join_words(unknown)));

  if (with_neighbors) {
    const WordMatrix words(vectors, options.restrict);  // with subwords: each word's composed vector
    const NearestNeighbors index(words.view(), words.rows());
    const std::size_t chosen = map.points.size();
    for (std::size_t c = 0; c < chosen; ++c) {
      SearchOptions search;
      if (const auto id = vectors.words().find(map.points[c].label)) search.exclude.push_back(*id);
      // A copy: rows grows below and may move.
      const std::vector<float> query(rows.begin() + static_cast<std::ptrdiff_t>(c * dim),
                                     rows.begin() + static_cast<std::ptrdiff_t>((c + 1) * dim));
      for (const Neighbor& n : index.search(query, options.neighbors, search)) {
        std::string word(vectors.words().word(n.id));
        if (!seen.insert(word).second) continue;
        vectors.vector(n.id, vec);
        map.points.push_back({.label = std::move(word), .group = map.points[c].group});
        rows.insert(rows.end(), vec.begin(), vec.end());
      }
    }
  }
  EMBEDKIT_CHECK(map.points.size() >= 2, ArgumentError,
                 fmt::format("a map needs at least 2 distinct words, got {} (name more words or add neighbours)",
                             map.points.size()));

  if (options.normalize) {
    for (std::size_t p = 0; p < map.points.size(); ++p) scale_to_unit_length(std::span(rows).subspan(p * dim, dim));
  }
  const Pca2d pca = pca_2d(rows, map.points.size(), dim);
  for (std::size_t p = 0; p < map.points.size(); ++p) {
    map.points[p].x = pca.coordinates[p][0];
    map.points[p].y = pca.coordinates[p][1];
  }
  map.explained_variance_ratio = pca.explained_variance_ratio;
  return map;
}

ScatterOptions word_map_plot_options(const WordMap& map, ScatterOptions base) {
  base.x_title = fmt::format("PC1 ({:.1f}% of variance)", 100 * map.explained_variance_ratio[0]);
  base.y_title = fmt::format("PC2 ({:.1f}% of variance)", 100 * map.explained_variance_ratio[1]);
  base.group_names = map.group_names.size() > 1 ? map.group_names : std::vector<std::string>{};
  return base;
}

}  // namespace embedkit
