// The BPE trainer: the merges of the textbook example, and the limits it must respect.
#include "train/tokenize/bpe_trainer.h"

#include <gtest/gtest.h>

#include "embedkit/core/error.h"

namespace embedkit::tokenize {
namespace {

using Merges = std::vector<std::pair<std::string, std::string>>;

// Sennrich et al.'s example: low x5, lower x2, newest x6, widest x3.
std::vector<WordCount> textbook() { return {{"newest", 6}, {"low", 5}, {"widest", 3}, {"lower", 2}}; }

TEST(BpeTrainer, LearnsTheTextbookMergesMostFrequentFirstTiesToTheSmallerPair) {
  const BpeVocabulary v = train_bpe(textbook(), {.vocab_size = 15, .min_frequency = 1}, {});
  // Alphabet d e i l n o r s t w (10), then: e s (9) before s t (9, a larger pair), es t (9),
  // l o (7) before o w (7), lo w (7), then e w (6), the smallest of the pairs seen 6 times.
  ASSERT_EQ(v.merges.size(), 5u);
  EXPECT_EQ(v.merges, (Merges{{"e", "s"}, {"es", "t"}, {"l", "o"}, {"lo", "w"}, {"e", "w"}}));
  EXPECT_EQ(v.tokens.size(), 15u);
  EXPECT_EQ(v.tokens[10], "es");
  EXPECT_EQ(v.tokens[14], "ew");
}

TEST(BpeTrainer, SpecialTokensComeFirstAndCountTowardTheVocabulary) {
  const BpeVocabulary v = train_bpe(textbook(), {.vocab_size = 13, .special_tokens = {"<unk>", "<s>"}, .min_frequency = 1}, {});
  EXPECT_EQ(v.tokens[0], "<unk>");
  EXPECT_EQ(v.tokens[1], "<s>");
  EXPECT_EQ(v.tokens.size(), 13u);
  EXPECT_EQ(v.merges.size(), 1u);
}

TEST(BpeTrainer, StopsBelowTheMinimumFrequencyAndAtTheLongestPiece) {
  const BpeVocabulary rare = train_bpe(textbook(), {.vocab_size = 100, .min_frequency = 7}, {});
  EXPECT_EQ(rare.merges, (Merges{{"e", "s"}, {"es", "t"}, {"l", "o"}, {"lo", "w"}}));
  const BpeVocabulary short_pieces = train_bpe(textbook(), {.vocab_size = 100, .max_piece_length = 2, .min_frequency = 1}, {});
  for (const auto& t : short_pieces.tokens) EXPECT_LE(t.size(), 2u) << t;
}

TEST(BpeTrainer, WordPiecePrefixMarksSymbolsInsideWords) {
  const BpeVocabulary v = train_bpe(textbook(), {.vocab_size = 23, .continuing_prefix = "##", .min_frequency = 1}, {});
  // 20 symbols (10 characters, 10 with ##), then ##e ##s -> ##es, ##es ##t -> ##est, l ##o -> lo.
  EXPECT_EQ(v.merges, (Merges{{"##e", "##s"}, {"##es", "##t"}, {"l", "##o"}}));
  EXPECT_EQ(v.tokens.back(), "lo");
}

TEST(BpeTrainer, RareCharactersAreLeftOutAndNeverMerged) {
  std::vector<WordCount> words = textbook();
  words.push_back({"zz", 1});
  const BpeVocabulary v = train_bpe(words, {.vocab_size = 100, .character_coverage = 0.95, .min_frequency = 1}, {});
  for (const auto& t : v.tokens) EXPECT_EQ(t.find('z'), std::string::npos) << t;
}

TEST(BpeTrainer, RefusesAVocabularyTooSmallForTheAlphabet) {
  EXPECT_THROW((void)train_bpe(textbook(), {.vocab_size = 5}, {}), ArgumentError);
}

}  // namespace
}  // namespace embedkit::tokenize
