#include "embedkit/vocab/vocab_builder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "embedkit/core/error.h"
#include "test_files.h"

namespace embedkit {
namespace {

using testing::ScratchDir;

std::vector<std::string> words_of(const Vocabulary& v) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.size(); ++i) out.emplace_back(v.word(static_cast<TokenId>(i)));
  return out;
}

VocabBuildResult build_from(const std::vector<std::string>& tokens, const VocabBuildOptions& options = {}) {
  VocabBuilder builder;
  for (const std::string& t : tokens) builder.add(t);
  return builder.build(options);
}

TEST(VocabBuilder, OrdersByCountThenBytesWithSpecialsFirst) {
  // b:3 a:2 c:2 é:2 Z:1 — ties broken by unsigned byte order ("Z" < "a" < "c" < "é").
  const auto result = build_from({"c", "a", "b", "é", "b", "Z", "a", "c", "b", "é"});
  EXPECT_EQ(words_of(result.vocabulary),
            (std::vector<std::string>{"<pad>", "<unk>", "b", "a", "c", "é", "Z"}));
  EXPECT_EQ(result.vocabulary.count(2), 3U);
  EXPECT_EQ(result.report.tokens, 10U);
  EXPECT_EQ(result.report.distinct, 5U);
}

TEST(VocabBuilder, OrderDoesNotDependOnInputOrder) {
  std::vector<std::string> tokens;
  std::mt19937 rng(3);
  for (int i = 0; i < 5000; ++i) tokens.push_back("w" + std::to_string(rng() % 300));
  const Vocabulary first = build_from(tokens).vocabulary;
  for (int round = 0; round < 3; ++round) {
    std::shuffle(tokens.begin(), tokens.end(), rng);
    EXPECT_EQ(build_from(tokens).vocabulary, first);
  }
}

TEST(VocabBuilder, MinCountAndMaxSizeMoveTokensToUnk) {
  const std::vector<std::string> tokens = {"a", "a", "a", "b", "b", "c", "d"};
  const auto by_count = build_from(tokens, {.min_count = 2});
  EXPECT_EQ(words_of(by_count.vocabulary), (std::vector<std::string>{"<pad>", "<unk>", "a", "b"}));
  EXPECT_EQ(by_count.vocabulary.count(1), 2U) << "<unk> stands for c and d";
  EXPECT_EQ(by_count.report.covered_tokens, 5U);
  EXPECT_EQ(by_count.report.kept_words, 2U);

  const auto by_size = build_from(tokens, {.max_size = 1});
  EXPECT_EQ(words_of(by_size.vocabulary), (std::vector<std::string>{"<pad>", "<unk>", "a"}));
  EXPECT_EQ(by_size.vocabulary.count(1), 4U);
}

TEST(VocabBuilder, SpecialsAreConfigurableAndLiteralSpecialsCountTowardThem) {
  VocabBuilder builder;
  for (const char* t : {"x", "<unk>", "y", "<unk>", "x"}) builder.add(t);
  builder.end_line(true);
  builder.end_line(false);
  builder.add("x");
  builder.end_line(true);
  const auto result = builder.build({.add_bos = true, .add_eos = true});
  EXPECT_EQ(words_of(result.vocabulary),
            (std::vector<std::string>{"<pad>", "<unk>", "<bos>", "<eos>", "x", "y"}));
  EXPECT_EQ(result.vocabulary.count(1), 2U) << "the two literal <unk> tokens";
  EXPECT_EQ(result.vocabulary.count(2), 2U) << "two non-empty lines";
  EXPECT_EQ(result.report.lines, 3U);

  const auto bare = builder.build({.add_pad = false, .add_unk = false});
  EXPECT_EQ(words_of(bare.vocabulary), (std::vector<std::string>{"x", "y"}));
  EXPECT_THROW((void)builder.build({.min_count = 0}), ArgumentError);
}

TEST(VocabBuilder, CountsAreExactWithoutPruning) {
  std::map<std::string, std::uint64_t> truth;
  VocabBuilder builder(1000);
  std::mt19937 rng(11);
  for (int i = 0; i < 20000; ++i) {
    const std::string w = "w" + std::to_string(rng() % 500);
    ++truth[w];
    builder.add(w);
  }
  EXPECT_EQ(builder.prune_events(), 0U);
  for (const auto& [w, n] : truth) EXPECT_EQ(builder.count(w), n) << w;
}

// Zipf-like stream over far more distinct words than the table may hold: every word whose
// true count exceeds the reported error bound must survive, with a count within the bound.
TEST(VocabBuilder, PruningKeepsEveryWordAboveTheErrorBound) {
  std::mt19937 rng(5);
  std::vector<double> weights;
  for (int rank = 1; rank <= 50000; ++rank) weights.push_back(1.0 / rank);
  std::discrete_distribution<int> zipf(weights.begin(), weights.end());
  std::map<std::string, std::uint64_t> truth;
  VocabBuilder builder(2000);
  for (int i = 0; i < 300000; ++i) {
    const std::string w = "w" + std::to_string(zipf(rng));
    ++truth[w];
    builder.add(w);
    ASSERT_LE(builder.distinct(), 2000U);
  }
  ASSERT_GT(builder.prune_events(), 0U) << "the test must exercise pruning";
  const std::uint64_t bound = builder.max_count_error();
  std::size_t above = 0;
  for (const auto& [w, n] : truth) {
    const auto counted = builder.count(w);
    if (counted) {
      EXPECT_LE(*counted, n) << w;
      EXPECT_GE(*counted + bound, n) << w;
    }
    if (n > bound) {
      ++above;
      EXPECT_TRUE(counted.has_value()) << w << " (count " << n << ", bound " << bound << ") was pruned";
    }
  }
  EXPECT_GT(above, 50U) << "bound " << bound << " is too loose to mean anything";
}

// The batched, prefetching path must count exactly like one add() per token, pruning included.
TEST(VocabBuilder, AddBatchEqualsAddOneByOne) {
  std::mt19937 rng(9);
  std::vector<double> weights;
  for (int rank = 1; rank <= 20000; ++rank) weights.push_back(1.0 / rank);
  std::discrete_distribution<int> zipf(weights.begin(), weights.end());
  std::vector<std::string> tokens;
  for (int i = 0; i < 100000; ++i) tokens.push_back("w" + std::to_string(zipf(rng)));
  const std::vector<std::string_view> views(tokens.begin(), tokens.end());

  for (const std::size_t max_entries : {std::size_t{1000}, std::size_t{1'000'000}}) {
    VocabBuilder one(max_entries);
    VocabBuilder batched(max_entries);
    for (const std::string& t : tokens) one.add(t);
    for (std::size_t i = 0; i < views.size(); i += 777) {
      batched.add_batch(std::span(views).subspan(i, std::min<std::size_t>(777, views.size() - i)));
    }
    EXPECT_EQ(batched.tokens(), one.tokens());
    EXPECT_EQ(batched.prune_events(), one.prune_events());
    EXPECT_EQ(batched.max_count_error(), one.max_count_error());
    EXPECT_EQ(batched.build({}).vocabulary, one.build({}).vocabulary) << "max_entries " << max_entries;
  }
}

TEST(BuildVocabulary, ReadsAFileAndRejectsAnEmptyOne) {
  ScratchDir dir;
  const Tokenizer tok({.normalize = {.lowercase = true}});
  const auto result = build_vocabulary(dir.write("c.txt", "The cat\nthe dog\n\nTHE END"), tok, {.add_eos = true});
  EXPECT_EQ(words_of(result.vocabulary),
            (std::vector<std::string>{"<pad>", "<unk>", "<eos>", "the", "cat", "dog", "end"}));
  EXPECT_EQ(result.vocabulary.count(2), 3U);
  EXPECT_EQ(result.report.lines, 4U);
  EXPECT_EQ(result.report.bytes, 24U);
  try {
    (void)build_vocabulary(dir.write("empty.txt", " \n\n"), tok, {});
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("empty.txt: no tokens"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace embedkit
