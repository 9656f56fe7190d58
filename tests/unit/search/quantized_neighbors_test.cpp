#include "embedkit/search/quantized_neighbors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"
#include "embedkit/core/random.h"

namespace embedkit {
namespace {

// Rows around 300 cluster centres (as words gather around topics), so that neighbours are
// meaningful rather than all at the same distance.
EmbeddingTable clustered_table(std::size_t rows, std::size_t dim, std::uint64_t seed) {
  EmbeddingTable centres(300, dim);
  centres.fill_normal(0, 1, seed);
  EmbeddingTable table(rows, dim);
  table.fill_normal(0, 0.6F, seed + 1);
  SplitMix64 rng(seed + 2);
  for (TokenId r = 0; r < rows; ++r) {
    const auto c = centres.row(static_cast<TokenId>(rng.next() % 300));
    for (std::size_t d = 0; d < dim; ++d) table.row(r)[d] += c[d];
  }
  return table;
}

TEST(QuantizedNearestNeighbors, RecallAgainstExactSearchAndExactScores) {
  const EmbeddingTable table = clustered_table(40000, 100, 3);
  const NearestNeighbors exact(table.view(), 40000);
  const QuantizedNearestNeighbors quantized(table.view(), 40000);
  EXPECT_EQ(quantized.memory_bytes(), 40000U * 128 + 40000 * 4);
  std::size_t found = 0, wanted = 0;
  for (TokenId q = 0; q < 40000; q += 397) {
    const std::vector<TokenId> exclude = {q};
    const auto want = exact.search(table.row(q), 10, {.exclude = exclude});
    const auto got = quantized.search(table.row(q), 10, {.exclude = exclude});
    ASSERT_EQ(got.size(), 10U);
    for (const Neighbor& n : got) {
      EXPECT_NE(n.id, q);
      const auto hit = std::find_if(want.begin(), want.end(), [&](const Neighbor& w) { return w.id == n.id; });
      if (hit != want.end()) {
        ++found;
        EXPECT_NEAR(n.score, hit->score, 1e-5F);  // re-scored exactly
      }
    }
    EXPECT_TRUE(std::is_sorted(got.begin(), got.end(), [](auto& a, auto& b) { return a.score > b.score; }));
    wanted += want.size();
  }
  EXPECT_GE(static_cast<double>(found) / static_cast<double>(wanted), 0.99);
}

TEST(QuantizedNearestNeighbors, RestrictThreadsAndErrors) {
  const EmbeddingTable table = clustered_table(30000, 37, 9);
  const QuantizedNearestNeighbors index(table.view(), 30000);
  const int saved = num_threads();
  set_num_threads(1);
  const auto one = index.search(table.row(5), 7, {.restrict = 25000});
  set_num_threads(2);
  const auto two = index.search(table.row(5), 7, {.restrict = 25000});
  set_num_threads(saved);
  EXPECT_EQ(one, two);
  for (const Neighbor& n : one) EXPECT_LT(n.id, 25000U);
  EXPECT_EQ(one.front().id, 5U);  // itself, when not excluded
  EXPECT_TRUE(index.search(table.row(5), 0).empty());
  EXPECT_THROW((void)index.search(std::vector<float>(36), 3), ArgumentError);
  EXPECT_THROW(QuantizedNearestNeighbors(table.view(), 30001), ArgumentError);
  // A zero row and a zero query do not break anything.
  EmbeddingTable zeros(3, 40);
  const QuantizedNearestNeighbors z(zeros.view(), 3);
  EXPECT_EQ(z.search(zeros.row(0), 2).size(), 2U);
}

}  // namespace
}  // namespace embedkit
