// Word maps: chosen words, and optionally their nearest neighbours, placed in two dimensions by
// PCA and grouped by colour, ready to draw. The computation behind `embedkit plot`.
//
//   const embedkit::WordVectors wv = embedkit::load_vectors("cc.en.300.bin");
//   const std::vector<std::vector<std::string>> groups = {{"king", "queen"}, {"paris", "berlin"}};
//   const embedkit::WordMap map = embedkit::build_word_map(wv, groups, {.neighbors = 5});
//   embedkit::write_scatter_plot(map.points, "map.png", embedkit::word_map_plot_options(map, {.title = "Words"}));
//
// What it computes:
//   - Points, in drawing order: every chosen word first, in the order given (write_scatter_plot
//     places labels in point order, so they get the best spots), then each chosen word's
//     neighbours. A word that comes up again (in a later group, or as a neighbour) is placed
//     once, in the group that reached it first.
//   - Groups: without neighbours, one per list of words, named after its words ("king, queen");
//     with neighbours, one per chosen word, named after it, holding the word (highlighted) and
//     its neighbours.
//   - Neighbours: the K nearest words by cosine among the first `restrict` words (vector files
//     list frequent words first), the word itself excluded; with subwords, among the words'
//     composed vectors (WordMatrix), as fastText answers nearest-neighbour queries.
//   - Coordinates: the vectors, scaled to unit length unless `normalize` is off (cosine's view,
//     where frequent words' long vectors do not push everything else to the middle), projected on
//     their first two principal components (pca_2d: deterministic signs).
//
// Cost: one exact search per chosen word over `restrict` rows (with subwords, composing those
// rows first: restrict x dim floats), then PCA over the points. Thread-safe: no shared state.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "embedkit/io/word_vectors.h"
#include "embedkit/viz/scatter_plot.h"

namespace embedkit {

struct WordMapOptions {
  /// Also place each chosen word's K nearest words (0 = none). Each chosen word is then a group.
  std::size_t neighbors = 0;
  /// Neighbours come from words [0, restrict) only (0 = all words).
  std::size_t restrict = 50000;
  /// Scale every vector to unit length before the projection (zero vectors stay zero).
  bool normalize = true;
};

struct WordMap {
  /// x, y: PCA coordinates; label: the word; group: an index into group_names; highlight: a
  /// chosen word when the map has neighbours. Order as described above.
  std::vector<ScatterPoint> points;
  /// One name per group (see above).
  std::vector<std::string> group_names;
  /// The share of the variance each axis keeps (Pca2d::explained_variance_ratio).
  std::array<double, 2> explained_variance_ratio{};
  /// Chosen words the vocabulary lacks that got their vector from subwords, in order.
  std::vector<std::string> from_subwords;
};

/// Places the words of `groups` (one list per group) and, with options.neighbors, their nearest
/// words. Throws ArgumentError when a group is empty or the map would have fewer than 2 distinct
/// words; Error (neither a format nor an argument problem: the model lacks them) listing every
/// chosen word that has no vector ("not in the vocabulary (and the model has no subwords): a, b").
[[nodiscard]] WordMap build_word_map(const WordVectors& vectors, std::span<const std::vector<std::string>> groups,
                                     const WordMapOptions& options = {});

/// `base` (size, title) completed for drawing `map`: axis titles "PC1 (41.3% of variance)" and
/// "PC2 (...)", and the group names as a legend when there is more than one group (one colour
/// needs no legend).
[[nodiscard]] ScatterOptions word_map_plot_options(const WordMap& map, ScatterOptions base = {});

}  // namespace embedkit
