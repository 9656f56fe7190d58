#include "embedkit/io/word_matrix.h"

#include <gtest/gtest.h>

#include "embedkit/io/vector_io.h"
#include "test_files.h"

namespace embedkit {
namespace {

TEST(WordMatrix, ViewsPlainVectorsInPlace) {
  EmbeddingTable table(4, 3);
  table.fill_normal(0, 1, 1);
  const WordVectors wv(Vocabulary::from_entries(std::vector<VocabularyEntry>{{"a", 4}, {"b", 3}, {"c", 2}, {"d", 1}}),
                       std::move(table));
  const WordMatrix all(wv);
  EXPECT_FALSE(all.composed());
  EXPECT_EQ(all.view().data, wv.table().view().data);
  EXPECT_EQ(all.rows(), 4U);
  EXPECT_EQ(WordMatrix(wv, 2).rows(), 2U);
}

TEST(WordMatrix, ComposesSubwordVectorsAsFastText) {
  const auto path = testing::shared_data("vectors/gensim-testdata/lee_fasttext_new.bin");
  if (path.empty()) GTEST_SKIP() << "shared data not present";
  const WordVectors wv = load_vectors(path.string());
  ASSERT_TRUE(wv.subwords().has_value());
  const WordMatrix words(wv);
  EXPECT_TRUE(words.composed());
  ASSERT_EQ(words.rows(), wv.size());
  std::vector<float> expected(wv.dim());
  for (const TokenId id : {TokenId{0}, TokenId{7}, static_cast<TokenId>(wv.size() - 1)}) {
    wv.vector(id, expected);
    const float* row = words.view().row_unchecked(id);
    for (std::size_t d = 0; d < wv.dim(); ++d) EXPECT_FLOAT_EQ(row[d], expected[d]);
    // ... which is not the stored row alone.
    EXPECT_NE(row[0], wv.table().row(id)[0]);
  }
  // fastText's printed vector for "hundred" (SOURCES.md), through the matrix.
  const TokenId hundred = *wv.words().find("hundred");
  EXPECT_NEAR(words.view().row_unchecked(hundred)[0], -0.025627F, 1e-4F);
  EXPECT_EQ(WordMatrix(wv, 10).rows(), 10U);
}

}  // namespace
}  // namespace embedkit
