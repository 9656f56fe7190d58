#include "embedkit/table/embedding_table.h"

#include <gtest/gtest.h>

#include <cmath>

#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"

namespace embedkit {
namespace {

TEST(EmbeddingTable, RowsAre64ByteAlignedAndPaddedWithZeros) {
  EmbeddingTable t(10, 300);
  EXPECT_EQ(t.stride(), 304U);
  t.fill_uniform(-1, 1, 1);
  for (TokenId r = 0; r < 10; ++r) {
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.row(r).data()) % 64, 0U);
    for (std::size_t d = 300; d < 304; ++d) EXPECT_EQ(t.data()[r * 304 + d], 0.0F);
  }
}

TEST(EmbeddingTable, InitialisersAreSeededAndThreadCountIndependent) {
  EmbeddingTable a(1000, 17), b(1000, 17), c(1000, 17);
  const int threads = num_threads();
  set_num_threads(1);
  a.fill_normal(0, 1, 42);
  set_num_threads(2);
  b.fill_normal(0, 1, 42);
  set_num_threads(threads);
  c.fill_normal(0, 1, 43);
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a == c);
}

TEST(EmbeddingTable, DistributionsHaveTheRightMoments) {
  EmbeddingTable t(2000, 50);
  t.fill_normal(1.0F, 2.0F, 7);
  double sum = 0, sum_sq = 0;
  for (TokenId r = 0; r < t.rows(); ++r) {
    for (const float x : t.row(r)) {
      sum += x;
      sum_sq += x * x;
    }
  }
  const double n = 2000.0 * 50;
  EXPECT_NEAR(sum / n, 1.0, 0.03);
  EXPECT_NEAR(std::sqrt(sum_sq / n - (sum / n) * (sum / n)), 2.0, 0.03);

  t.fill_uniform(-0.5F, 0.25F, 8);
  float lo = 1, hi = -1;
  for (TokenId r = 0; r < t.rows(); ++r) {
    for (const float x : t.row(r)) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
  }
  EXPECT_GE(lo, -0.5F);
  EXPECT_LT(hi, 0.25F);
  EXPECT_LT(lo, -0.49F);
  EXPECT_GT(hi, 0.24F);

  t.fill_xavier_uniform(9);
  const float bound = std::sqrt(6.0F / 2050.0F);
  for (TokenId r = 0; r < t.rows(); ++r) {
    for (const float x : t.row(r)) ASSERT_LE(std::abs(x), bound);
  }
}

TEST(EmbeddingTable, OutOfRangeIdsNameIdAndSize) {
  EmbeddingTable t(5, 4);
  try {
    (void)t.row(5);
    FAIL();
  } catch (const ArgumentError& e) {
    EXPECT_STREQ(e.what(), "id 5 is out of range for a table of 5 rows");
  }
  const std::vector<TokenId> ids = {0, 4, 7};
  try {
    t.view().check_ids(ids);
    FAIL();
  } catch (const ArgumentError& e) {
    EXPECT_STREQ(e.what(), "id 7 at position 2 is out of range for a table of 5 rows");
  }
  EXPECT_THROW(EmbeddingTable(3, 0), ArgumentError);
}

}  // namespace
}  // namespace embedkit
