// Byte-pair encoding training (Sennrich et al. 2016) on word counts: start from the characters,
// then repeatedly add the most frequent adjacent pair as a new symbol. The same trainer makes
// WordPiece vocabularies (with a "##" continuing-subword prefix, as Hugging Face's does). A pair
// whose merge would not be a valid piece (piece_rules.h) is never counted, as in SentencePiece's
// BPE trainer; PieceRules::length_only gives Hugging Face's trainers' behaviour.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "piece_rules.h"
#include "word_counts.h"

namespace embedkit::tokenize {

struct BpeTrainerOptions {
  std::size_t vocab_size = 32000;
  std::vector<std::string> special_tokens;   ///< the first ids
  std::vector<std::string> initial_alphabet; ///< always in the vocabulary (byte-level: all 256)
  std::string continuing_prefix;             ///< "##" for WordPiece: symbols inside a word carry it
  double character_coverage = 1.0;           ///< rarer characters are left out (never merged)
  PieceRules rules;                          ///< the pieces merges may make (the ## prefix counts)
  std::size_t min_frequency = 2;
  std::size_t threads = 0;
};

struct BpeVocabulary {
  std::vector<std::string> tokens;                         ///< by id
  std::vector<std::pair<std::string, std::string>> merges; ///< in the order learned
};

/// Learns merges from `words` until the vocabulary has `vocab_size` tokens, no pair occurs
/// min_frequency times, or none is left. Ties between equally frequent pairs go to the pair of
/// smaller ids (Hugging Face's rule), so the result is deterministic.
/// `on_progress(tokens so far)`.
[[nodiscard]] BpeVocabulary train_bpe(const std::vector<WordCount>& words, const BpeTrainerOptions& options,
                                      const std::function<void(std::size_t)>& on_progress);

}  // namespace embedkit::tokenize
