#include "embedkit/viz/word_map.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "embedkit/core/error.h"
#include "embedkit/io/vector_io.h"
#include "test_files.h"

namespace embedkit {
namespace {

using Rows = std::vector<std::vector<float>>;

// Word i is "w<i>" with row i, as a GloVe text file parsed in memory.
WordVectors vectors_of(const Rows& rows) {
  std::string text;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    text += fmt::format("w{}", i);
    for (const float v : rows[i]) text += fmt::format(" {}", v);  // shortest round-trip form
    text += '\n';
  }
  return parse_vectors(text, "test", {.format = VectorFormat::glove});
}

Rows random_rows(std::size_t count, std::size_t dim, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  Rows rows(count, std::vector<float>(dim));
  for (auto& row : rows) {
    for (float& v : row) v = normal(rng);
  }
  return rows;
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, aa = 0, bb = 0;
  for (std::size_t d = 0; d < a.size(); ++d) {
    dot += double(a[d]) * b[d];
    aa += double(a[d]) * a[d];
    bb += double(b[d]) * b[d];
  }
  return dot / std::sqrt(aa * bb);
}

// The `k` words nearest to word `of` by cosine among words [0, among), itself excluded.
std::vector<std::string> brute_force_neighbors(const Rows& rows, std::size_t of, std::size_t k, std::size_t among) {
  std::vector<std::size_t> ids;
  for (std::size_t i = 0; i < among; ++i) {
    if (i != of) ids.push_back(i);
  }
  std::sort(ids.begin(), ids.end(),
            [&](std::size_t a, std::size_t b) { return cosine(rows[of], rows[a]) > cosine(rows[of], rows[b]); });
  std::vector<std::string> words;
  for (std::size_t i = 0; i < k; ++i) words.push_back(fmt::format("w{}", ids[i]));
  return words;
}

std::vector<std::string> labels(const WordMap& map) {
  std::vector<std::string> out;
  for (const auto& p : map.points) out.push_back(p.label);
  return out;
}

double map_distance(const ScatterPoint& a, const ScatterPoint& b) { return std::hypot(a.x - b.x, a.y - b.y); }

double distance(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0;
  for (std::size_t d = 0; d < a.size(); ++d) sum += (a[d] - b[d]) * (a[d] - b[d]);
  return std::sqrt(sum);
}

TEST(WordMap, ChosenWordsComeFirstOnceEachInTheGroupThatNamesThemFirst) {
  const WordVectors wv = vectors_of(random_rows(6, 4, 1));
  const std::vector<std::vector<std::string>> groups = {{"w3", "w1"}, {"w5", "w3", "w0"}};
  const WordMap map = build_word_map(wv, groups);
  EXPECT_EQ(labels(map), (std::vector<std::string>{"w3", "w1", "w5", "w0"}));
  std::vector<std::size_t> group_of;
  for (const auto& p : map.points) {
    group_of.push_back(p.group);
    EXPECT_FALSE(p.highlight) << p.label;  // nothing to tell apart without neighbours
  }
  EXPECT_EQ(group_of, (std::vector<std::size_t>{0, 0, 1, 1}));
  EXPECT_EQ(map.group_names, (std::vector<std::string>{"w3, w1", "w5, w3, w0"}));
  EXPECT_TRUE(map.from_subwords.empty());
}

TEST(WordMap, NeighboursAreTheNearestWordsByCosineInTheirWordsGroup) {
  const Rows rows = random_rows(40, 8, 2);
  const WordVectors wv = vectors_of(rows);
  const std::vector<std::vector<std::string>> groups = {{"w7"}, {"w21"}};
  const WordMap map = build_word_map(wv, groups, {.neighbors = 5});
  // Each chosen word is its own group, named after it and highlighted.
  EXPECT_EQ(map.group_names, (std::vector<std::string>{"w7", "w21"}));
  ASSERT_GE(map.points.size(), 2U);
  EXPECT_EQ(map.points[0].label, "w7");
  EXPECT_EQ(map.points[1].label, "w21");
  EXPECT_TRUE(map.points[0].highlight);
  EXPECT_TRUE(map.points[1].highlight);
  // Then w7's neighbours, then w21's (less any already placed), checked against brute force.
  std::vector<std::string> expected = {"w7", "w21"};
  for (const std::size_t of : {7U, 21U}) {
    for (const std::string& w : brute_force_neighbors(rows, of, 5, rows.size())) {
      if (std::find(expected.begin(), expected.end(), w) == expected.end()) expected.push_back(w);
    }
  }
  EXPECT_EQ(labels(map), expected);
  for (std::size_t p = 2; p < map.points.size(); ++p) {
    EXPECT_FALSE(map.points[p].highlight) << map.points[p].label;
    const std::size_t group = map.points[p].group;
    ASSERT_LT(group, 2U);
    const auto nearest = brute_force_neighbors(rows, group == 0 ? 7 : 21, 5, rows.size());
    EXPECT_NE(std::find(nearest.begin(), nearest.end(), map.points[p].label), nearest.end())
        << map.points[p].label << " is not among the neighbours of its group's word";
  }
}

TEST(WordMap, ANeighbourSharedByTwoWordsIsPlacedOnceInTheFirstWordsGroup) {
  // w0 and w1 both have w2 as their nearest word; w3 is far from everything.
  const Rows rows = {{1, 0, 0}, {1, 0.2F, 0}, {1, 0.1F, 0.01F}, {0, 0, 1}, {-1, 0.5F, 0}};
  const WordMap map =
      build_word_map(vectors_of(rows), std::vector<std::vector<std::string>>{{"w0"}, {"w1"}}, {.neighbors = 1});
  // w0's nearest is w2; w1's nearest is w2 too (already placed): nothing new for w1.
  EXPECT_EQ(labels(map), (std::vector<std::string>{"w0", "w1", "w2"}));
  EXPECT_EQ(map.points[2].group, 0U);
}

TEST(WordMap, RestrictLimitsNeighboursToTheFirstWords) {
  const Rows rows = random_rows(50, 6, 3);
  const WordVectors wv = vectors_of(rows);
  const WordMap map =
      build_word_map(wv, std::vector<std::vector<std::string>>{{"w2"}}, {.neighbors = 4, .restrict = 10});
  std::vector<std::string> expected = {"w2"};
  for (const auto& w : brute_force_neighbors(rows, 2, 4, 10)) expected.push_back(w);
  EXPECT_EQ(labels(map), expected);
  // A chosen word beyond the restricted rows is still placed (restrict only bounds neighbours).
  const WordMap far =
      build_word_map(wv, std::vector<std::vector<std::string>>{{"w40"}}, {.neighbors = 3, .restrict = 10});
  EXPECT_EQ(far.points.size(), 4U);
  for (std::size_t p = 1; p < far.points.size(); ++p) {
    EXPECT_LT(std::stoi(far.points[p].label.substr(1)), 10) << far.points[p].label;
  }
}

// Vectors in a 2-D plane of a 6-D space: a 2-D map can show them exactly, so PCA must keep every
// distance between them (it is a rotation of the plane) and explain all of the variance.
TEST(WordMap, PointsInAPlaneKeepTheirDistances) {
  const std::vector<double> u = {0.5, 0.5, 0.5, 0.5, 0, 0};
  const std::vector<double> v = {0, 0, 0, 0, 0.6, 0.8};
  const std::vector<std::array<float, 2>> ab = {{3, 1}, {-1, 2}, {0.5F, -2}, {2, 2}, {-3, -1.5F}, {1, 0.25F}};
  Rows rows;
  for (const auto& [a, b] : ab) {
    std::vector<float> row(6);
    for (std::size_t d = 0; d < 6; ++d) row[d] = static_cast<float>(a * u[d] + b * v[d]);
    rows.push_back(row);
  }
  const WordVectors wv = vectors_of(rows);
  std::vector<std::string> all;
  for (std::size_t i = 0; i < rows.size(); ++i) all.push_back(fmt::format("w{}", i));
  const std::vector<std::vector<std::string>> groups = {all};

  for (const bool normalize : {false, true}) {
    SCOPED_TRACE(normalize ? "unit vectors" : "vectors as stored");
    const WordMap map = build_word_map(wv, groups, {.normalize = normalize});
    ASSERT_EQ(map.points.size(), rows.size());
    std::vector<std::vector<double>> seen;  // the vectors as the map should see them
    for (const auto& row : rows) {
      std::vector<double> x(row.begin(), row.end());
      if (normalize) {
        const double norm = std::sqrt(std::inner_product(x.begin(), x.end(), x.begin(), 0.0));
        for (double& value : x) value /= norm;
      }
      seen.push_back(x);
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
      for (std::size_t j = i + 1; j < rows.size(); ++j) {
        EXPECT_NEAR(map_distance(map.points[i], map.points[j]), distance(seen[i], seen[j]), 1e-5)
            << map.points[i].label << " - " << map.points[j].label;
      }
    }
    EXPECT_NEAR(map.explained_variance_ratio[0] + map.explained_variance_ratio[1], 1.0, 1e-6);
    EXPECT_GE(map.explained_variance_ratio[0], map.explained_variance_ratio[1]);
  }
}

TEST(WordMap, NormalizingMakesLengthIrrelevant) {
  // Two words in the same direction at different lengths land on the same spot once scaled.
  const Rows rows = {{1, 2, 0}, {10, 20, 0}, {0, 1, 1}, {2, -1, 1}};
  const WordVectors wv = vectors_of(rows);
  const std::vector<std::vector<std::string>> groups = {{"w0", "w1", "w2", "w3"}};
  const WordMap unit = build_word_map(wv, groups);
  EXPECT_NEAR(map_distance(unit.points[0], unit.points[1]), 0, 1e-6);
  const WordMap stored = build_word_map(wv, groups, {.normalize = false});
  EXPECT_GT(map_distance(stored.points[0], stored.points[1]), 10);
}

TEST(WordMap, EveryUnknownWordIsNamed) {
  const WordVectors wv = vectors_of(random_rows(5, 3, 4));
  const std::vector<std::vector<std::string>> groups = {{"w1", "zebra"}, {"yak", "w2"}};
  try {
    (void)build_word_map(wv, groups);
    FAIL() << "no error";
  } catch (const ArgumentError& e) {
    FAIL() << "a word the model lacks is not a bad argument: " << e.what();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "not in the vocabulary (and the model has no subwords): zebra, yak");
  }
}

TEST(WordMap, TooFewWordsOrAnEmptyGroupAreArgumentErrors) {
  const WordVectors wv = vectors_of(random_rows(5, 3, 5));
  EXPECT_THROW((void)build_word_map(wv, std::vector<std::vector<std::string>>{{"w1", "w1"}}), ArgumentError);
  EXPECT_THROW((void)build_word_map(wv, std::vector<std::vector<std::string>>{{"w1"}, {}}), ArgumentError);
  EXPECT_THROW((void)build_word_map(wv, std::vector<std::vector<std::string>>{}), ArgumentError);
  // One word and its neighbours make a map.
  EXPECT_EQ(build_word_map(wv, std::vector<std::vector<std::string>>{{"w1"}}, {.neighbors = 2}).points.size(), 3U);
}

TEST(WordMap, PlotOptionsNameTheAxesAndShowALegendOnlyForSeveralGroups) {
  const WordVectors wv = vectors_of(random_rows(8, 5, 6));
  const WordMap one = build_word_map(wv, std::vector<std::vector<std::string>>{{"w0", "w1", "w2"}});
  const ScatterOptions options = word_map_plot_options(one, {.width = 640, .title = "T"});
  EXPECT_EQ(options.width, 640);
  EXPECT_EQ(options.title, "T");
  EXPECT_TRUE(options.group_names.empty());
  EXPECT_EQ(options.x_title, fmt::format("PC1 ({:.1f}% of variance)", 100 * one.explained_variance_ratio[0]));
  EXPECT_EQ(options.y_title, fmt::format("PC2 ({:.1f}% of variance)", 100 * one.explained_variance_ratio[1]));
  const WordMap two = build_word_map(wv, std::vector<std::vector<std::string>>{{"w0", "w1"}, {"w2"}});
  EXPECT_EQ(word_map_plot_options(two).group_names, (std::vector<std::string>{"w0, w1", "w2"}));
  // The map draws: every point has a label in the SVG.
  const std::string svg = render_scatter_plot(two.points, PlotFormat::svg, word_map_plot_options(two));
  EXPECT_NE(svg.find(">w2</text>"), std::string::npos);
}

}  // namespace
}  // namespace embedkit
