// Pretrained vectors -> an embedding table for *your* vocabulary, with a report of what matched.
//
//   embedkit::WordVectors glove = embedkit::load_vectors("glove.6B.100d.txt");
//   embedkit::AlignedVectors aligned = embedkit::align_vectors(glove, vocab, {});
//   fmt::print("{}\n", aligned.report.summary());   // "41,203 of 43,112 words found (95.6% of tokens) ..."
//   embedkit::EmbeddingBag bag(std::move(aligned.table), {.mode = embedkit::BagMode::mean});
//
// Row i of the table is vocabulary id i. Each word gets, in this order of preference: its own
// pretrained vector (exact match); the vector of a pretrained word equal to it after Unicode
// lowercasing (the most frequent such word: pretrained files list frequent words first);
// fastText-style subword composition when the pretrained vectors have subwords; otherwise the
// `missing` policy: random (uniform, with the pretrained vectors' per-dimension spread, so new
// rows neither dominate nor vanish), the mean of the found vectors, or zeros. <pad> is zero.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "embedkit/io/word_vectors.h"
#include "embedkit/table/embedding_table.h"
#include "embedkit/vocab/vocabulary.h"

namespace embedkit {

enum class MissingRows { random, mean, zeros };

struct AlignOptions {
  bool case_fold = true;     ///< try lowercased matches when the exact word is missing
  bool use_subwords = true;  ///< build missing words from subwords when the vectors have them
  MissingRows missing = MissingRows::random;
  std::uint64_t seed = 1;    ///< for MissingRows::random
};

/// How each vocabulary row was filled.
enum class RowOrigin : std::uint8_t { exact, case_folded, subwords, filled, padding };

struct AlignReport {
  std::size_t words = 0;         ///< vocabulary entries
  std::size_t exact = 0;
  std::size_t case_folded = 0;
  std::size_t from_subwords = 0;
  std::size_t filled = 0;        ///< by the missing policy
  std::size_t padding = 0;       ///< <pad> rows (zeros)
  std::uint64_t tokens = 0;      ///< sum of the vocabulary's counts (0 when it has none)
  std::uint64_t covered_tokens = 0;  ///< counts of words with a pretrained vector (exact or case-folded)
  std::vector<std::string> missing_examples;  ///< up to 20 filled words, most frequent first

  /// "found 41,203 of 43,112 words (exact 40,100, case-folded 1,103) covering 98.2% of tokens; ..."
  [[nodiscard]] std::string summary() const;
};

struct AlignedVectors {
  EmbeddingTable table;
  std::vector<RowOrigin> origin;  ///< per vocabulary id
  AlignReport report;
};

/// Throws ArgumentError for an empty vocabulary.
[[nodiscard]] AlignedVectors align_vectors(const WordVectors& pretrained, const Vocabulary& vocabulary,
                                           const AlignOptions& options = {});

}  // namespace embedkit
