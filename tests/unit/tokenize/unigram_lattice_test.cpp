#include "tokenize/unigram_lattice.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
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

/// Every segmentation of text[begin..] by brute force, in log space: log-adds the score of each
/// complete path to `log_z` and to `log_mass[id]` of each node on it.
void enumerate(const ToyVocab& vocab, std::string_view text, std::size_t begin, double score,
               std::vector<std::int32_t>& path, double& log_z, std::map<std::int32_t, double>& log_mass) {
  if (begin == text.size()) {
    log_z = lattice_log_add(log_z, score);
    for (std::int32_t id : path) {
      auto [it, fresh] = log_mass.try_emplace(id, -std::numeric_limits<double>::infinity());
      it->second = lattice_log_add(it->second, score);
    }
    return;
  }
  vocab(text, begin, [&](std::int32_t id, std::size_t length, double s) {
    path.push_back(id);
    enumerate(vocab, text, begin + length, score + s, path, log_z, log_mass);
    path.pop_back();
  });
}

TEST(UnigramLattice, MarginalsEqualBruteForceOverEverySegmentation) {
  const ToyVocab base{{{"a", -2.0}, {"b", -2.5}, {"c", -3.0}, {"ab", -2.2}, {"bc", -2.7}, {"abc", -4.0},
                       {"ca", -3.5}, {"cab", -3.1}, {"bca", -5.0}}};
  // The same vocabulary with every score lowered by 300 per character: every path of a text loses
  // the same, so the marginals stay and log Z drops by 300 x length; the sums must then run in
  // log space (the linear kernel would underflow), so both kernels are checked.
  ToyVocab low = base;
  for (auto& [piece, score] : low.pieces) score -= 300.0 * static_cast<double>(piece.size());
  for (const ToyVocab* vocab : {&base, static_cast<const ToyVocab*>(&low)}) {
    for (const std::string text : {"abc", "abcabc", "cabab", "bcabca", "a"}) {
      double log_z_brute = -std::numeric_limits<double>::infinity();
      std::map<std::int32_t, double> log_mass;
      std::vector<std::int32_t> path;
      enumerate(*vocab, text, 0, 0.0, path, log_z_brute, log_mass);
      std::map<std::int32_t, double> got;
      LatticeScratch scratch;
      const double log_z = lattice_marginals(text, -1000.0, *vocab, [&](std::int32_t id, double p) { got[id] += p; }, scratch);
      EXPECT_NEAR(log_z, log_z_brute, 1e-9) << text;
      if (vocab == &low) {
        double base_log_z = -std::numeric_limits<double>::infinity();
        std::map<std::int32_t, double> unused;
        enumerate(base, text, 0, 0.0, path, base_log_z, unused);
        EXPECT_NEAR(log_z, base_log_z - 300.0 * static_cast<double>(text.size()), 1e-9) << text;
      }
      for (std::size_t id = 0; id < vocab->pieces.size(); ++id) {
        const auto i = static_cast<std::int32_t>(id);
        const double expected = log_mass.count(i) ? std::exp(log_mass[i] - log_z_brute) : 0.0;
        EXPECT_NEAR(got[i], expected, 1e-12) << text << " piece " << vocab->pieces[id].first;
      }
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
