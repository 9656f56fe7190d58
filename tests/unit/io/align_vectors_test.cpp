#include "embedkit/io/align_vectors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "embedkit/core/error.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/table/embedding_bag.h"
#include "embedkit/train/freeze_schedule.h"
#include "embedkit/train/sparse_optimizer.h"
#include "test_files.h"

namespace embedkit {
namespace {

WordVectors pretrained(bool subwords) {
  const std::vector<VocabularyEntry> words = {{"the", 9}, {"Paris", 5}, {"cat", 3}};
  const std::size_t bucket = subwords ? 13 : 0;
  EmbeddingTable table(words.size() + bucket, 4);
  table.fill_normal(1.0F, 0.5F, 3);
  return WordVectors(Vocabulary::from_entries(words), std::move(table),
                     subwords ? std::optional<SubwordOptions>(SubwordOptions{2, 3, bucket}) : std::nullopt);
}

Vocabulary task_vocabulary() {
  return Vocabulary::from_entries(std::vector<VocabularyEntry>{
      {"<pad>", 0}, {"<unk>", 10}, {"the", 100}, {"paris", 20}, {"cats", 7}, {"zzz", 1}});
}

TEST(AlignVectors, ExactCaseFoldedSubwordsAndFilledRows) {
  const WordVectors source = pretrained(true);
  const Vocabulary vocab = task_vocabulary();
  const AlignedVectors aligned = align_vectors(source, vocab, {.seed = 4});
  const AlignReport& r = aligned.report;
  EXPECT_EQ(r.words, 6U);
  EXPECT_EQ(r.padding, 1U);
  EXPECT_EQ(r.exact, 1U);        // the
  EXPECT_EQ(r.case_folded, 1U);  // paris -> Paris
  EXPECT_EQ(r.from_subwords, 3U);  // <unk>, cats, zzz: all have n-grams
  EXPECT_EQ(r.filled, 0U);
  EXPECT_EQ(r.tokens, 138U);
  EXPECT_EQ(r.covered_tokens, 120U);
  EXPECT_EQ(aligned.origin[3], RowOrigin::case_folded);
  std::vector<float> expected(4);
  (void)source.vector("Paris", expected);
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), aligned.table.row(3).begin()));
  (void)source.vector("cats", expected);
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), aligned.table.row(4).begin()));
  for (const float x : aligned.table.row(0)) EXPECT_EQ(x, 0.0F) << "<pad> stays zero";
  EXPECT_NE(r.summary().find("found 2 of 6 words (exact 1, case-folded 1) covering 87.0% of tokens"),
            std::string::npos)
      << r.summary();
}

TEST(AlignVectors, MissingRowsFollowThePolicy) {
  const WordVectors source = pretrained(false);
  const Vocabulary vocab = task_vocabulary();
  const AlignedVectors zeros = align_vectors(source, vocab, {.case_fold = false, .missing = MissingRows::zeros});
  EXPECT_EQ(zeros.report.filled, 4U);  // <unk>, paris (no folding), cats, zzz
  EXPECT_EQ(zeros.report.missing_examples.front(), "paris") << "most frequent missing word first";
  for (const float x : zeros.table.row(5)) EXPECT_EQ(x, 0.0F);
  const AlignedVectors mean = align_vectors(source, vocab, {.missing = MissingRows::mean});
  EXPECT_FLOAT_EQ(mean.table.row(5)[0], (source.table().row(0)[0] + source.table().row(1)[0]) / 2);
  // Random rows: seeded (same seed, same rows) and with the found rows' scale.
  const AlignedVectors a = align_vectors(source, vocab, {.seed = 9});
  const AlignedVectors b = align_vectors(source, vocab, {.seed = 9});
  EXPECT_TRUE(a.table == b.table);
  for (const float x : a.table.row(5)) EXPECT_LT(std::fabs(x), 10.0F);
  EXPECT_THROW((void)align_vectors(source, Vocabulary(), {}), ArgumentError);
}

TEST(AlignVectors, SharedGloveCoverage) {
  const auto path = testing::shared_data("vectors/gensim-testdata/test_glove.txt");
  if (path.empty()) GTEST_SKIP() << "shared vector data is not available";
  const WordVectors glove = load_vectors(path.string());
  const Vocabulary vocab = Vocabulary::from_entries(std::vector<VocabularyEntry>{
      {"<pad>", 0}, {"The", 50}, {"of", 40}, {"embedkit", 1}});
  const AlignedVectors aligned = align_vectors(glove, vocab, {.missing = MissingRows::zeros});
  EXPECT_EQ(aligned.report.exact, 1U);        // of
  EXPECT_EQ(aligned.report.case_folded, 1U);  // The -> the
  EXPECT_EQ(aligned.report.filled, 1U);       // embedkit
}

TEST(FreezeSchedule, FrozenFineTunedAndUnfrozenAfterN) {
  EXPECT_TRUE(FreezeSchedule::fine_tune().trainable_in(0));
  EXPECT_FALSE(FreezeSchedule::frozen().trainable_in(1000000));
  const FreezeSchedule later = FreezeSchedule::unfreeze_after(2);
  EXPECT_FALSE(later.trainable_in(0));
  EXPECT_FALSE(later.trainable_in(1));
  EXPECT_TRUE(later.trainable_in(2));

  // Frozen epochs leave the pretrained rows bit-identical; unfrozen ones train them.
  EmbeddingTable table(5, 3);
  table.fill_uniform(-1, 1, 2);
  EmbeddingBag bag(table.clone(), {.mode = BagMode::sum});
  SparseSgd sgd({.learning_rate = {.base = 0.5F}});
  SparseGradient::Scratch scratch;
  const std::vector<TokenId> ids = {1, 2, 3};
  const std::vector<std::uint64_t> offsets = {0};
  const std::vector<float> grad_out = {1, 1, 1};
  for (std::size_t epoch = 0; epoch < 3; ++epoch) {
    bag.set_trainable(later.trainable_in(epoch));
    sgd.step(bag, {ids, offsets}, grad_out, bag.forward_for_training({ids, offsets}), scratch);
    if (epoch < 2) {
      EXPECT_TRUE(bag.table() == table) << "epoch " << epoch;
    }
  }
  EXPECT_FALSE(bag.table() == table);
}

}  // namespace
}  // namespace embedkit
