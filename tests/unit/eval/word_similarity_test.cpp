#include "embedkit/eval/word_similarity.h"

#include <gtest/gtest.h>

#include <cmath>

#include "embedkit/core/error.h"
#include "embedkit/eval/correlation.h"
#include "embedkit/io/vector_io.h"
#include "test_files.h"

namespace embedkit {
namespace {

using testing::ScratchDir;

// Words along known directions, so every cosine is known: angle(word) in degrees, 2-D.
WordVectors angles(const std::vector<std::pair<std::string, double>>& words) {
  std::vector<VocabularyEntry> entries;
  EmbeddingTable table(words.size(), 2);
  for (std::size_t i = 0; i < words.size(); ++i) {
    entries.push_back({words[i].first, 100 - i});
    const double radians = words[i].second * M_PI / 180;
    table.row(static_cast<TokenId>(i))[0] = static_cast<float>(2 * std::cos(radians));
    table.row(static_cast<TokenId>(i))[1] = static_cast<float>(2 * std::sin(radians));
  }
  return WordVectors(Vocabulary::from_entries(entries), std::move(table));
}

TEST(WordPairs, ReadsCommentsCrlfTabsSpacesAndNoFinalNewline) {
  const ScratchDir dir;
  const auto path = dir.write("pairs.txt", "# header\r\n# Word 1\tWord 2\tHuman\r\ncat\tdog\t7.5\r\n\r\n"
                                           "car  truck   8\ncup tea 1e0");
  const auto pairs = read_word_pairs(path);
  ASSERT_EQ(pairs.size(), 3U);
  EXPECT_EQ(pairs[0].first, "cat");
  EXPECT_EQ(pairs[0].second, "dog");
  EXPECT_EQ(pairs[0].score, 7.5);
  EXPECT_EQ(pairs[0].line, 3U);
  EXPECT_EQ(pairs[2].second, "tea");
  EXPECT_EQ(pairs[2].score, 1.0);
}

TEST(WordPairs, MalformedFilesNameTheLine) {
  const ScratchDir dir;
  auto message = [&](std::string_view contents) {
    try {
      (void)read_word_pairs(dir.write("bad.txt", contents));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("a b 1\nc d\n").find("bad.txt:2: expected 'word1 word2 score', found 2 fields"),
            std::string::npos);
  EXPECT_NE(message("a b 1\nc d high\n").find("bad.txt:2: the score \"high\" is not a number"), std::string::npos);
  EXPECT_NE(message("a b 1\nc\xff d 2\n").find("bad.txt:2: byte 2: invalid UTF-8"), std::string::npos);
  EXPECT_NE(message("# only a comment\n").find("no word pairs"), std::string::npos);
  EXPECT_THROW((void)read_word_pairs(dir.path() / "missing.txt"), IoError);
}

TEST(WordSimilarity, KnownCosinesCaseFoldingRestrictAndUnseenPairs) {
  // cos(cat, dog) = cos 10° , cos(cat, car) = cos 80°, cos(dog, car) = cos 70°, Car is rarer than car.
  const WordVectors wv = angles({{"cat", 0}, {"dog", 10}, {"car", 80}, {"Car", 180}, {"rare", 45}});
  const std::vector<WordPair> pairs = {
      {"CAT", "dog", 9, 1}, {"cat", "car", 1, 2}, {"dog", "car", 3, 3}, {"cat", "zebra", 5, 4}, {"rare", "cat", 4, 5}};
  const WordSimilarityResult r = evaluate_word_similarity(wv, pairs);
  EXPECT_EQ(r.pairs, 5U);
  EXPECT_EQ(r.scored, 4U);
  EXPECT_EQ(r.unseen, 1U);
  ASSERT_EQ(r.model_scores.size(), 4U);
  EXPECT_NEAR(r.model_scores[0], std::cos(10 * M_PI / 180), 1e-6);
  EXPECT_NEAR(r.model_scores[1], std::cos(80 * M_PI / 180), 1e-6);  // "car", not the rarer "Car"
  EXPECT_NEAR(r.model_scores[3], std::cos(45 * M_PI / 180), 1e-6);
  const std::vector<double> gold = {9, 1, 3, 4};
  EXPECT_NEAR(r.spearman, spearman(gold, r.model_scores), 1e-12);
  EXPECT_NEAR(r.spearman, 1.0, 1e-12);  // the ratings rank the pairs as the angles do

  // Only the 4 most frequent words are known: "rare" is unseen now. Case-sensitive: CAT is unseen.
  EXPECT_EQ(evaluate_word_similarity(wv, pairs, {.restrict = 4}).unseen, 2U);
  EXPECT_EQ(evaluate_word_similarity(wv, pairs, {.case_insensitive = false}).unseen, 2U);
  const auto zero = evaluate_word_similarity(wv, pairs, {.unseen = UnseenPairs::zero});
  EXPECT_EQ(zero.scored, 5U);
  EXPECT_EQ(zero.model_scores[3], 0.0);
}

TEST(WordSimilarity, UnseenWordsFromSubwords) {
  const auto path = testing::shared_data("vectors/gensim-testdata/lee_fasttext_new.bin");
  if (path.empty()) GTEST_SKIP() << "shared data not present";
  const WordVectors wv = load_vectors(path.string());
  const std::vector<WordPair> pairs = {{"hundred", "people", 8, 1}, {"hundreds", "zzzunseenword", 2, 2},
                                       {"government", "minister", 6, 3}};
  const auto skip = evaluate_word_similarity(wv, pairs);
  const auto sub = evaluate_word_similarity(wv, pairs, {.unseen = UnseenPairs::subwords});
  EXPECT_EQ(skip.unseen, 1U);
  EXPECT_EQ(sub.unseen, 0U);
  EXPECT_EQ(sub.from_subwords, 1U);
  EXPECT_EQ(sub.scored, 3U);
}

}  // namespace
}  // namespace embedkit
