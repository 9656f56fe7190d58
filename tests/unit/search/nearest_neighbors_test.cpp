#include "embedkit/search/nearest_neighbors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"

namespace embedkit {
namespace {

// Scores every row the slow way and sorts: the reference the index must equal.
std::vector<Neighbor> brute_force(const EmbeddingTable& t, std::size_t rows, std::span<const float> q, std::size_t k,
                                  Similarity sim, const std::vector<TokenId>& exclude) {
  std::vector<Neighbor> all;
  double qq = 0;
  for (const float x : q) qq += double(x) * x;
  for (TokenId r = 0; r < rows; ++r) {
    if (std::find(exclude.begin(), exclude.end(), r) != exclude.end()) continue;
    double dot = 0, rr = 0;
    for (std::size_t d = 0; d < t.dim(); ++d) {
      dot += double(q[d]) * t.row(r)[d];
      rr += double(t.row(r)[d]) * t.row(r)[d];
    }
    double score = dot;
    if (sim == Similarity::cosine) score = rr > 0 && qq > 0 ? dot / std::sqrt(rr * qq) : 0;
    if (sim == Similarity::l2) score = -std::sqrt(std::max(0.0, qq - 2 * dot + rr));
    all.push_back({r, static_cast<float>(score)});
  }
  std::sort(all.begin(), all.end(), [](const Neighbor& a, const Neighbor& b) {
    return a.score > b.score || (a.score == b.score && a.id < b.id);
  });
  all.resize(std::min(k, all.size()));
  return all;
}

TEST(NearestNeighbors, ExactTopKEqualsBruteForce) {
  const int saved_threads = num_threads();
  EmbeddingTable table(30000, 37);  // enough rows for the multithreaded path
  table.fill_normal(0, 1, 3);
  for (const Similarity sim : {Similarity::cosine, Similarity::dot, Similarity::l2}) {
    const NearestNeighbors index(table.view(), 29000, sim);  // the last rows are not searched
    for (const TokenId q : {TokenId{5}, TokenId{29500}}) {
      const std::vector<TokenId> exclude = {q, 17};
      for (const int threads : {1, 2}) {
        set_num_threads(threads);
        const auto got = index.search(table.row(q), 10, {.exclude = exclude});
        const auto want = brute_force(table, 29000, table.row(q), 10, sim, exclude);
        ASSERT_EQ(got.size(), want.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
          EXPECT_EQ(got[i].id, want[i].id) << "rank " << i;
          EXPECT_NEAR(got[i].score, want[i].score, 1e-4F);
        }
      }
    }
  }
  set_num_threads(saved_threads);
  const NearestNeighbors index(table.view(), 29000);
  EXPECT_EQ(index.search(table.row(3), 5, {.restrict = 100}).back().id < 100, true);
  EXPECT_THROW((void)index.search(std::vector<float>(3), 5), ArgumentError);
  EXPECT_THROW(NearestNeighbors(table.view(), 40000), ArgumentError);
}

// Two threads score blocks of rows at once, each with its own BLAS call. A BLAS that is not safe
// for that (OpenBLAS's serial build, called from two threads at once) returns a wrong product
// now and then; the index must give the one-thread answer on every run, with any build.
TEST(NearestNeighbors, TwoThreadsGiveTheOneThreadAnswerOnEveryRun) {
  const int saved_threads = num_threads();
  EmbeddingTable table(20000, 50);
  table.fill_normal(0, 1, 12);
  std::vector<float> batch;
  for (TokenId q = 0; q < 256; ++q) {
    const auto row = table.row(q * 71);
    batch.insert(batch.end(), row.begin(), row.end());
  }
  const NearestNeighbors index(table.view(), 20000);
  set_num_threads(1);
  const auto want = index.search_batch(batch, 5);
  set_num_threads(2);
  std::size_t differing_runs = 0;
  for (int run = 0; run < 100; ++run) {
    const auto got = index.search_batch(batch, 5);
    bool same = got.size() == want.size();
    for (std::size_t q = 0; same && q < want.size(); ++q) {
      same = got[q].size() == want[q].size();
      for (std::size_t i = 0; same && i < want[q].size(); ++i) {
        same = got[q][i].id == want[q][i].id && got[q][i].score == want[q][i].score;
      }
    }
    differing_runs += same ? 0 : 1;
  }
  set_num_threads(saved_threads);
  EXPECT_EQ(differing_runs, 0U) << "of 100 runs with two threads";
}

TEST(NearestNeighbors, BatchSearchEqualsOneQueryAtATime) {
  const int saved_threads = num_threads();
  EmbeddingTable table(7000, 45);
  table.fill_normal(0, 1, 8);
  const std::size_t queries = 300;  // more than one chunk of the batch path
  std::vector<float> batch;
  std::vector<std::vector<TokenId>> exclude;
  for (std::size_t q = 0; q < queries; ++q) {
    const auto row = table.row(static_cast<TokenId>(q * 23 % 7000));
    batch.insert(batch.end(), row.begin(), row.end());
    exclude.push_back({static_cast<TokenId>(q * 23 % 7000), 42});
  }
  for (const Similarity sim : {Similarity::cosine, Similarity::dot, Similarity::l2}) {
    const NearestNeighbors index(table.view(), 6500, sim);
    for (const int threads : {1, 2}) {
      set_num_threads(threads);
      // 300 queries: matrix products; 5: dot products row by row (the small-batch path).
      for (const auto& [count, restrict] : {std::pair<std::size_t, std::size_t>{queries, 0}, {queries, 1500}, {5, 0}, {5, 1500}}) {
        const auto got = index.search_batch(std::span<const float>(batch).first(count * 45), 6,
                                            std::span(exclude).first(count), restrict);
        ASSERT_EQ(got.size(), count);
        for (std::size_t q = 0; q < count; q += count > 5 ? 37 : 1) {
          const auto want = brute_force(table, restrict > 0 ? restrict : 6500,
                                        std::span<const float>(batch).subspan(q * 45, 45), 6, sim, exclude[q]);
          ASSERT_EQ(got[q].size(), want.size());
          for (std::size_t i = 0; i < want.size(); ++i) {
            EXPECT_EQ(got[q][i].id, want[i].id) << "query " << q << " rank " << i;
            EXPECT_NEAR(got[q][i].score, want[i].score, 2e-4F);
          }
        }
      }
    }
  }
  set_num_threads(saved_threads);
  const NearestNeighbors index(table.view(), 6500);
  EXPECT_THROW((void)index.search_batch(std::vector<float>(44), 3), ArgumentError);
  EXPECT_THROW((void)index.search_batch(batch, 3, std::vector<std::vector<TokenId>>(2)), ArgumentError);
  EXPECT_TRUE(index.search_batch(batch, 0)[0].empty());
}

}  // namespace
}  // namespace embedkit
