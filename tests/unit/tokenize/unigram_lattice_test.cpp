#include "tokenize/unigram_lattice.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace embedkit::tokenize {
namespace {

/// A toy vocabulary looked up the way the encoders do: every piece that is a prefix of text[begin..].
struct ToyVocab {
  std::vector<std::pair<std::string, double>> pieces;  // by id

  template <typename Emit>
  void operator()(std::string_view text, std::size_t begin, Emit&& emit) const {
    std::vector<std::pair<std::size_t, std::int32_t>> found;  // (length, id), shortest first
    for (std::size_t id = 0; id < pieces.size(); ++id)
      if (text.substr(begin).starts_with(pieces[id].first)) found.emplace_back(pieces[id].first.size(), static_cast<std::int32_t>(id));
    std::sort(found.begin(), found.end());
    for (const auto& [length, id] : found) emit(id, length, pieces[static_cast<std::size_t>(id)].second);
  }
};

/// Every segmentation of text[begin..] by brute force: adds exp(score) of each complete path to
/// `z` and to `mass[(begin, id)]` of each node on it.
void enumerate(const ToyVocab& vocab, std::string_view text, std::size_t begin, double score,
               std::vector<std::pair<std::size_t, std::int32_t>>& path, double& z,
               std::map<std::pair<std::size_t, std::int32_t>, double>& mass) {
  if (begin == text.size()) {
    z += std::exp(score);
    for (const auto& node : path) mass[node] += std::exp(score);
    return;
  }
  vocab(text, begin, [&](std::int32_t id, std::size_t length, double s) {
    path.emplace_back(begin, id);
    enumerate(vocab, text, begin + length, score + s, path, z, mass);
    path.pop_back();
  });
}

TEST(UnigramLattice, MarginalsEqualBruteForceOverEverySegmentation) {
  const ToyVocab vocab{{{"a", -2.0}, {"b", -2.5}, {"c", -3.0}, {"ab", -2.2}, {"bc", -2.7}, {"abc", -4.0},
                        {"ca", -3.5}, {"cab", -3.1}, {"bca", -5.0}}};
  for (const std::string text : {"abc", "abcabc", "cabab", "bcabca", "a"}) {
    double z = 0;
    std::map<std::pair<std::size_t, std::int32_t>, double> mass;
    std::vector<std::pair<std::size_t, std::int32_t>> path;
    enumerate(vocab, text, 0, 0.0, path, z, mass);
    ASSERT_GT(z, 0.0) << text;

    std::map<std::int32_t, double> expected, got;
    for (const auto& [node, m] : mass) expected[node.second] += m / z;
    LatticeScratch scratch;
    const double log_z = lattice_marginals(text, -100.0, vocab, [&](std::int32_t id, double p) { got[id] += p; }, scratch);
    EXPECT_NEAR(log_z, std::log(z), 1e-12) << text;
    for (std::size_t id = 0; id < vocab.pieces.size(); ++id) {
      const auto i = static_cast<std::int32_t>(id);
      EXPECT_NEAR(got[i], expected[i], 1e-12) << text << " piece " << vocab.pieces[id].first;
    }
  }
}

TEST(UnigramLattice, MarginalsCountUnknownCharactersButReportOnlyPieces) {
  // "x" is no piece: an unknown node of unk_score keeps the lattice connected, as in best_segmentation.
  const ToyVocab vocab{{{"a", -1.0}, {"b", -1.0}, {"ab", -1.5}}};
  std::map<std::int32_t, double> got;
  LatticeScratch scratch;
  const double log_z = lattice_marginals("axb", -10.0, vocab, [&](std::int32_t id, double p) { got[id] += p; }, scratch);
  EXPECT_NEAR(log_z, -12.0, 1e-12);
  EXPECT_NEAR(got[0], 1.0, 1e-12);
  EXPECT_NEAR(got[1], 1.0, 1e-12);
  EXPECT_EQ(got.count(2), 0U);
  const auto best = best_segmentation("axb", -10.0, vocab);
  ASSERT_EQ(best.size(), 3U);
  EXPECT_EQ(best[1].id, kUnknownNode);
}

}  // namespace
}  // namespace embedkit::tokenize
