#include "embedkit/search/analogy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"

namespace embedkit {
namespace {

std::vector<double> unit(std::span<const float> v) {
  double n = 0;
  for (const float x : v) n += double(x) * x;
  std::vector<double> u(v.begin(), v.end());
  for (double& x : u) x = n > 0 ? x / std::sqrt(n) : 0;
  return u;
}

double cosine(std::span<const float> row, const std::vector<double>& q) {
  const std::vector<double> u = unit(row);
  double qq = 0, d = 0;
  for (std::size_t i = 0; i < q.size(); ++i) {
    d += u[i] * q[i];
    qq += q[i] * q[i];
  }
  return qq > 0 ? d / std::sqrt(qq) : 0;
}

// Both objectives written out plainly over every row.
std::vector<Neighbor> brute_force(const EmbeddingTable& t, std::size_t rows, TokenId a, TokenId b, TokenId c,
                                  AnalogyMethod method, std::size_t k) {
  const auto ua = unit(t.row(a)), ub = unit(t.row(b)), uc = unit(t.row(c));
  std::vector<double> add(t.dim());
  for (std::size_t i = 0; i < t.dim(); ++i) add[i] = ub[i] - ua[i] + uc[i];
  std::vector<Neighbor> all;
  for (TokenId r = 0; r < rows; ++r) {
    if (r == a || r == b || r == c) continue;
    double score = 0;
    if (method == AnalogyMethod::add) {
      score = cosine(t.row(r), add);
    } else {
      const double ca = cosine(t.row(r), ua), cb = cosine(t.row(r), ub), cc = cosine(t.row(r), uc);
      score = ((cb + 1) / 2) * ((cc + 1) / 2) / ((ca + 1) / 2 + 0.001);
    }
    all.push_back({r, static_cast<float>(score)});
  }
  std::sort(all.begin(), all.end(), [](const Neighbor& x, const Neighbor& y) {
    return x.score > y.score || (x.score == y.score && x.id < y.id);
  });
  all.resize(k);
  return all;
}

TEST(AnalogySolver, BothObjectivesEqualBruteForce) {
  EmbeddingTable table(5000, 23);
  table.fill_normal(0, 1, 11);
  const AnalogySolver solver(table.view(), 4800);
  std::vector<AnalogyQuestion> questions;
  std::vector<std::array<TokenId, 3>> ids = {{1, 2, 3}, {4000, 17, 4799}, {9, 9, 10}};
  for (const auto& [a, b, c] : ids) questions.push_back({table.row(a), table.row(b), table.row(c), {a, b, c}});
  const int saved_threads = num_threads();
  for (const AnalogyMethod method : {AnalogyMethod::add, AnalogyMethod::mul}) {
    for (const int threads : {1, 2}) {
      set_num_threads(threads);
      const auto got = solver.solve_batch(questions, 8, method);
      for (std::size_t q = 0; q < ids.size(); ++q) {
        const auto want = brute_force(table, 4800, ids[q][0], ids[q][1], ids[q][2], method, 8);
        ASSERT_EQ(got[q].size(), want.size());
        for (std::size_t i = 0; i < want.size(); ++i) {
          EXPECT_EQ(got[q][i].id, want[i].id) << "question " << q << " rank " << i;
          EXPECT_NEAR(got[q][i].score, want[i].score, 1e-4);
        }
        // Alone or in a batch: the same answers (scores may differ in the last bits, as the
        // matrix products group the sums differently).
        const auto single = solver.solve(questions[q], 8, method);
        ASSERT_EQ(single.size(), got[q].size());
        for (std::size_t i = 0; i < single.size(); ++i) {
          EXPECT_EQ(single[i].id, got[q][i].id);
          EXPECT_NEAR(single[i].score, got[q][i].score, 1e-5);
        }
      }
    }
  }
  set_num_threads(saved_threads);
}

TEST(AnalogySolver, SolvesAPlantedAnalogyAndChecksSizes) {
  // queen = king - man + woman exactly, among unrelated rows.
  EmbeddingTable table(200, 16);
  table.fill_normal(0, 1, 5);
  const float* man = table.row(0).data();
  const float* woman = table.row(1).data();
  const float* king = table.row(2).data();
  std::vector<float> queen(16);
  for (std::size_t i = 0; i < 16; ++i) queen[i] = king[i] - man[i] + woman[i];
  std::copy(queen.begin(), queen.end(), table.row(3).begin());
  const AnalogySolver solver(table.view(), 200);
  const AnalogyQuestion q{table.row(0), table.row(2), table.row(1), {0, 1, 2}};
  EXPECT_EQ(solver.solve(q, 1, AnalogyMethod::add).front().id, 3U);
  // Restricted to rows 0..2, which are the excluded query words: no answer at all.
  EXPECT_TRUE(solver.solve(q, 3, AnalogyMethod::add, 3).empty());
  EXPECT_TRUE(solver.solve(q, 3, AnalogyMethod::mul, 3).empty());
  const std::vector<float> short_vector(5);
  EXPECT_THROW((void)solver.solve({short_vector, table.row(1), table.row(2), {}}, 1), ArgumentError);
}

}  // namespace
}  // namespace embedkit
