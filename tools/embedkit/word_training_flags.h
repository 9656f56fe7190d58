// The flags of word-vector training shared by `embedkit train` and `embedkit sweep-dim` (all but
// --dim, the output and resuming): the model, its loss, window, negatives, epochs, subwords,
// threads, seed and how the text splits into words.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>

#include "embedkit/train/word_vector_trainer.h"

namespace embedkit::cli {

struct WordTrainingFlags {
  WordVectorOptions options;
  std::uint32_t minn = 3;
  std::uint32_t maxn = 6;
  std::uint64_t bucket = 2000000;

  /// Settles options.subwords / options.subword from --minn, --maxn and --bucket (as fastText:
  /// --maxn 0 or --bucket 0 turns subwords off).
  void resolve();
};

/// Registers the flags on `cmd`; `flags` must outlive parsing.
void add_word_training_flags(CLI::App& cmd, WordTrainingFlags& flags);

}  // namespace embedkit::cli
