// The BPE trainer: the merges of the textbook example, the limits and piece rules it must
// respect, and a plain recount-everything BPE as the oracle of its incremental counts.
#include "train/tokenize/bpe_trainer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"

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
  const BpeVocabulary short_pieces = train_bpe(textbook(), {.vocab_size = 100, .rules = {.max_chars = 2}, .min_frequency = 1}, {});
  for (const auto& t : short_pieces.tokens) EXPECT_LE(t.size(), 2u) << t;
}

TEST(BpeTrainer, WordPiecePrefixMarksSymbolsInsideWords) {
  const BpeVocabulary v = train_bpe(
      textbook(), {.vocab_size = 23, .continuing_prefix = "##", .rules = PieceRules::length_only(16), .min_frequency = 1}, {});
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

// "▁" word starts, as the Metaspace pre-tokenizer gives them, with letters next to digits and
// punctuation, and Greek.
std::vector<WordCount> mixed() {
  return {{"▁a1", 30}, {"▁x,", 25}, {"▁b2b", 12}, {"▁ab", 3}, {"▁αβ", 9}, {"▁aβ", 8}, {"▁1,000", 7},
          {"▁x86", 6}, {"▁bb,", 5}, {"▁a", 4}, {"▁ba1,", 3}, {"▁xa", 2}};
}

bool has(const BpeVocabulary& v, const std::string& token) {
  return std::find(v.tokens.begin(), v.tokens.end(), token) != v.tokens.end();
}

TEST(BpeTrainer, NeverMergesWhatSentencePieceWouldNotLearn) {
  // Hugging Face's way: "▁" + "a" (45), then "▁a" + "1" (30), "▁" + "x" (33), "▁x" + "," (25), ...
  const BpeVocabulary free = train_bpe(mixed(), {.vocab_size = 60, .rules = PieceRules::length_only(16), .min_frequency = 1}, {});
  EXPECT_TRUE(has(free, "▁a1"));
  EXPECT_TRUE(has(free, "▁x,"));
  EXPECT_TRUE(has(free, "▁aβ"));
  const BpeVocabulary spm = train_bpe(mixed(), {.vocab_size = 60, .min_frequency = 1}, {});
  ASSERT_GT(spm.merges.size(), 5u);
  for (const auto& t : spm.tokens) EXPECT_TRUE(shape_of(t, PieceRules{}).has_value()) << t;
  for (const char* t : {"▁a1", "a1", "▁x,", "x,", "▁aβ", "aβ", "b2", "2b", "b,"}) EXPECT_FALSE(has(spm, t)) << t;
  EXPECT_TRUE(has(spm, "▁x"));
  EXPECT_TRUE(has(spm, "▁αβ"));
  EXPECT_TRUE(has(spm, "▁1,000")) << "digits and punctuation share a script, Common";

  const BpeVocabulary numbers = train_bpe(mixed(), {.vocab_size = 60, .rules = {.split_by_number = false}, .min_frequency = 1}, {});
  EXPECT_TRUE(has(numbers, "▁a1"));
  EXPECT_FALSE(has(numbers, "▁x,"));
}

TEST(BpeTrainer, NoMergeMakesAPieceLongerThanTheLimit) {
  for (std::size_t limit : {1u, 2u, 3u}) {
    const BpeVocabulary v = train_bpe(mixed(), {.vocab_size = 60, .rules = {.max_chars = limit}, .min_frequency = 1}, {});
    for (const auto& t : v.tokens) EXPECT_TRUE(shape_of(t, PieceRules{.max_chars = limit}).has_value()) << t;
    if (limit == 1) {
      EXPECT_TRUE(v.merges.empty());
    }
  }
}

/// BPE the plain way: every round recounts every pair (those whose merge the rules allow) and
/// merges the most frequent, ties to the pair of smaller ids, left to right in each word.
std::vector<std::pair<std::string, std::string>> reference_merges(const std::vector<WordCount>& words,
                                                                  const std::vector<std::string>& alphabet,
                                                                  std::size_t merges, const PieceRules& rules) {
  std::vector<std::string> tokens = alphabet;
  std::map<std::string, int> ids;
  for (std::size_t i = 0; i < tokens.size(); ++i) ids[tokens[i]] = static_cast<int>(i);
  std::vector<std::vector<int>> symbols;
  for (const auto& w : words) {
    symbols.emplace_back();
    for (std::size_t pos = 0; pos < w.word.size(); pos += decode_utf8(w.word, pos).length) {
      symbols.back().push_back(ids.at(w.word.substr(pos, decode_utf8(w.word, pos).length)));
    }
  }
  Merges out;
  while (out.size() < merges) {
    std::map<std::pair<int, int>, std::uint64_t> counts;
    for (std::size_t w = 0; w < words.size(); ++w) {
      for (std::size_t i = 0; i + 1 < symbols[w].size(); ++i) {
        const std::pair<int, int> p{symbols[w][i], symbols[w][i + 1]};
        if (shape_of(tokens[p.first] + tokens[p.second], rules)) counts[p] += words[w].count;
      }
    }
    if (counts.empty()) break;
    auto best = counts.begin();
    for (auto it = counts.begin(); it != counts.end(); ++it) {
      if (it->second > best->second) best = it;  // the map's order: ties keep the smaller pair
    }
    const auto [a, b] = best->first;
    const std::string merged = tokens[a] + tokens[b];
    if (!ids.count(merged)) {
      ids[merged] = static_cast<int>(tokens.size());
      tokens.push_back(merged);
    }
    out.emplace_back(tokens[a], tokens[b]);
    for (auto& s : symbols) {
      for (std::size_t i = 0; i + 1 < s.size(); ++i) {
        if (s[i] == a && s[i + 1] == b) {
          s[i] = ids[merged];
          s.erase(s.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        }
      }
    }
  }
  return out;
}

TEST(BpeTrainer, IncrementalCountsGiveThePlainAlgorithmsMerges) {
  std::vector<WordCount> words = mixed();
  for (auto w : textbook()) words.push_back({"▁" + w.word, w.count});
  words.push_back({"▁aaaa", 5});  // overlapping pairs
  words.push_back({"▁abab", 4});
  std::vector<std::string> alphabet;
  for (const auto& w : words) {
    for (std::size_t pos = 0; pos < w.word.size(); pos += decode_utf8(w.word, pos).length) {
      alphabet.push_back(w.word.substr(pos, decode_utf8(w.word, pos).length));
    }
  }
  std::sort(alphabet.begin(), alphabet.end(), [](const std::string& x, const std::string& y) {
    return decode_utf8(x, 0).code_point < decode_utf8(y, 0).code_point;
  });
  alphabet.erase(std::unique(alphabet.begin(), alphabet.end()), alphabet.end());
  for (const PieceRules& rules : {PieceRules::length_only(16), PieceRules{}, PieceRules{.max_chars = 3}}) {
    const BpeVocabulary v = train_bpe(words, {.vocab_size = alphabet.size() + 200, .rules = rules, .min_frequency = 1}, {});
    EXPECT_EQ(v.merges, reference_merges(words, alphabet, v.merges.size(), rules));
    EXPECT_LT(v.merges.size(), 200u) << "every mergeable pair merged";
    EXPECT_TRUE(reference_merges(words, alphabet, v.merges.size() + 1, rules).size() == v.merges.size());
  }
}

TEST(BpeTrainer, RefusesAVocabularyTooSmallForTheAlphabet) {
  EXPECT_THROW((void)train_bpe(textbook(), {.vocab_size = 5}, {}), ArgumentError);
}

}  // namespace
}  // namespace embedkit::tokenize
