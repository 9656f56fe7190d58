// embedkit tokenize --tokenizer FILE: the subword half of the tokenize command.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "embedkit/tokenize/subword_tokenizer.h"

namespace embedkit::cli {

struct SubwordTokenizeFlags {
  std::string tokenizer;  ///< tokenizer.json or SentencePiece .model
  std::string input = "-";
  std::optional<std::string> text;
  std::optional<std::string> pair;  ///< the second text of a pair (with --text)
  bool json = false;
  bool pieces = false;
  bool offsets = false;
  bool decode = false;
  bool no_special = false;    ///< encode without the post-processor's special tokens
  bool keep_special = false;  ///< --decode keeps special tokens
  std::size_t threads = 0;
  std::optional<std::size_t> nbest;  ///< the n best segmentations of each line (Unigram)
  std::optional<double> sample;      ///< a random segmentation, with this alpha (or BPE dropout)
  int nbest_size = -1;               ///< with sample: SubwordSampling::nbest_size (-1: all)
  std::uint64_t seed = 0;            ///< with sample
};

/// Encodes (or with decode, decodes) as the flags say; one output line per input line.
void run_subword_tokenize(const SubwordTokenizeFlags& flags);

}  // namespace embedkit::cli
