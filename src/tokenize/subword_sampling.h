// What the tokenizers share for n-best and sampling (SubwordSampling): checks of the options, the
// random stream of a text, and SentencePiece's draw from an n-best list.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <string_view>
#include <vector>

#include "embedkit/core/error.h"
#include "embedkit/core/random.h"
#include "embedkit/tokenize/subword_tokenizer.h"
#include "tokenize/unigram_nbest.h"

namespace embedkit::tokenize {

/// SentencePiece's largest n-best (its Model::NBestEncode clamps to it).
inline constexpr std::size_t kMaxNBest = 1024;

inline void check_nbest_size(std::size_t n) {
  EMBEDKIT_CHECK(n >= 1 && n <= kMaxNBest, ArgumentError,
                 fmt::format("encode_nbest: n = {} is outside [1, {}]", n, kMaxNBest));
}

/// ArgumentError unless `s` suits a model of type `model_type`: Unigram needs a finite alpha >= 0
/// and nbest_size <= 1024, BPE an alpha (the dropout probability) in [0, 1].
inline void check_sampling(const SubwordSampling& s, std::string_view model_type) {
  if (model_type == "BPE") {
    EMBEDKIT_CHECK(s.alpha >= 0 && s.alpha <= 1, ArgumentError,
                   fmt::format("sampling: BPE-dropout's alpha (the probability of skipping a merge) must be in [0, 1], not {}", s.alpha));
    return;
  }
  EMBEDKIT_CHECK(model_type == "Unigram", ArgumentError,
                 fmt::format("sampling: a {} model has a single segmentation (sampling needs Unigram or BPE)", model_type));
  EMBEDKIT_CHECK(std::isfinite(s.alpha) && s.alpha >= 0, ArgumentError,
                 fmt::format("sampling: Unigram's alpha (the smoothing exponent) must be finite and >= 0, not {}", s.alpha));
  EMBEDKIT_CHECK(s.nbest_size <= static_cast<int>(kMaxNBest), ArgumentError,
                 fmt::format("sampling: nbest_size = {} is beyond {}", s.nbest_size, kMaxNBest));
}

/// The random stream of one text (see SubwordSampling::stream).
[[nodiscard]] inline SplitMix64 sampling_rng(const SubwordSampling& s) noexcept {
  return SplitMix64::stream(s.seed, s.stream);
}

/// SentencePiece's SampleEncode with nbest_size > 1: one of the n best, drawn with weights
/// exp(alpha * score).
[[nodiscard]] inline ScoredEncoding draw_from_nbest(std::vector<ScoredEncoding> nbest, double alpha, SplitMix64& rng) {
  std::vector<double> weights;
  weights.reserve(nbest.size());
  for (const ScoredEncoding& e : nbest) weights.push_back(alpha * e.score);
  return std::move(nbest[draw_log_weighted(weights, rng)]);
}

}  // namespace embedkit::tokenize
