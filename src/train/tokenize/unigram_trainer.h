// Unigram language-model training (Kudo 2018), as SentencePiece's trainer does it: seed pieces
// from the frequent substrings of the words, then rounds of EM (expected counts over every
// segmentation) and pruning of the pieces whose loss would cost least, until the vocabulary fits.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "piece_rules.h"
#include "word_counts.h"

namespace embedkit::tokenize {

struct UnigramTrainerOptions {
  std::size_t vocab_size = 32000;            ///< pieces including `special_tokens`
  std::vector<std::string> special_tokens;   ///< the first ids (score 0); the first is the unknown token
  double character_coverage = 0.9995;
  PieceRules rules;                          ///< the pieces allowed: SentencePiece's, by default
  std::size_t seed_size = 1000000;           ///< substrings kept as seeds
  double shrinking_factor = 0.75;            ///< share of pieces kept by each pruning
  std::size_t em_iterations = 2;             ///< EM steps between prunings
  std::size_t threads = 0;
};

/// (piece, log-probability) pairs by id, special tokens first (score 0), then the pieces by
/// descending score; exactly `vocab_size` entries, every character the coverage keeps among them.
/// The result is the same for any thread count. `on_progress(stage, fraction, pieces)` is called
/// with stage "seeds", "em" (after each round of EM; fraction of the way from the seeds to the
/// target size), "done". Words over 65535 bytes are ignored. Throws ArgumentError when the
/// vocabulary cannot hold the special tokens and characters, when the corpus yields fewer pieces
/// than it needs, or when an option is out of range. Memory: about 40 bytes per distinct
/// substring of the words (seed counting) and 8 per seed occurrence in them (the lattices).
[[nodiscard]] std::vector<std::pair<std::string, double>> train_unigram(
    const std::vector<WordCount>& words, const UnigramTrainerOptions& options,
    const std::function<void(const char*, double, std::size_t)>& on_progress);

}  // namespace embedkit::tokenize
