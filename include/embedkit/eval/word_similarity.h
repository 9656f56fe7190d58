// Word-similarity evaluation: how well cosine similarities of word vectors rank word pairs as
// people rated them (WordSim-353, SimLex-999, RG-65, MEN, ...).
//
//   auto pairs = embedkit::read_word_pairs("wordsim353.tsv");
//   auto r = embedkit::evaluate_word_similarity(wv, pairs);   // r.spearman, r.unseen, ...
//
// Files: one pair per line, "word1 word2 score" separated by tabs or spaces; lines starting
// with '#' and blank lines are skipped; CRLF and a missing final newline are fine. Anything else
// is a FormatError naming the file and line.
//
// Defaults follow gensim's KeyedVectors.evaluate_word_pairs, so figures agree with it: only the
// 300,000 most frequent words count as known, matching is case-insensitive (the most frequent
// spelling wins), and a pair with an unknown word is left out and counted as unseen.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/io/word_vectors.h"

namespace embedkit {

struct WordPair {
  std::string first;
  std::string second;
  double score = 0;        ///< the human rating
  std::size_t line = 0;    ///< 1-based line in the file
};

/// Throws IoError when the file cannot be read, FormatError on a malformed line or bad UTF-8.
[[nodiscard]] std::vector<WordPair> read_word_pairs(const std::string& path);
/// The same from the text of such a file; `source` names it in errors.
[[nodiscard]] std::vector<WordPair> parse_word_pairs(std::string_view text, std::string_view source);

enum class UnseenPairs {
  skip,      ///< leave the pair out (gensim's default)
  subwords,  ///< use subword (or tokenizer piece) vectors for unseen words when the model has them, else skip
  zero,      ///< score the pair 0 (gensim's dummy4unknown)
};

struct WordSimilarityOptions {
  std::size_t restrict = 300000;  ///< words beyond the N most frequent count as unseen (0 = all)
  bool case_insensitive = true;
  UnseenPairs unseen = UnseenPairs::skip;
};

struct WordSimilarityResult {
  std::size_t pairs = 0;          ///< pairs in the set
  std::size_t scored = 0;         ///< pairs in the correlations
  std::size_t unseen = 0;         ///< pairs with at least one word outside the known words
  std::size_t from_subwords = 0;  ///< scored pairs that needed a subword vector
  double spearman = 0;            ///< NaN when fewer than two pairs were scored
  double pearson = 0;
  std::vector<double> model_scores;  ///< cosine per scored pair, in file order
};

[[nodiscard]] WordSimilarityResult evaluate_word_similarity(const WordVectors& vectors,
                                                            const std::vector<WordPair>& pairs,
                                                            const WordSimilarityOptions& options = {});

}  // namespace embedkit
