// SentencePieceTokenizer's n-best and sampling: SentencePiece's NBestEncode and SampleEncode.
// Unigram models segment over the node lattice of unigram_nbest.h, built as SentencePiece's
// PopulateNodes builds its Lattice (float scores; a user-defined piece scores
// characters * max_score - 0.1, where the plain encode's optimised Viterbi counts bytes); BPE
// models merge with SentencePiece's dropout.
#include <fmt/format.h>

#include <cmath>

#include "embedkit/core/error.h"
#include "embedkit/core/random.h"
#include "tokenize/sentencepiece_tokenizer.h"
#include "tokenize/subword_sampling.h"
#include "tokenize/unigram_nbest.h"

namespace embedkit::tokenize {
namespace {

// SentencePiece's kUnkPenalty (as in sentencepiece_tokenizer.cpp; named apart for unity builds).
constexpr float kSamplingUnknownPenalty = 10.0F;

std::size_t count_characters(std::string_view s) noexcept {
  std::size_t chars = 0;
  for (std::size_t pos = 0; pos < s.size(); ++chars) pos += utf8_char_length(static_cast<unsigned char>(s[pos]), s.size() - pos);
  return chars;
}

}  // namespace

UnigramLattice<float> SentencePieceTokenizer::unigram_lattice(std::string_view normalized) const {
  return UnigramLattice<float>(
      normalized, min_score_ - kSamplingUnknownPenalty, [&](std::string_view text, std::size_t begin, auto&& emit) {
        matchable_index_.for_each_prefix(text, begin, [&](std::int32_t id, std::size_t length) {
          const SentencePieceEntry& p = model_.pieces[static_cast<std::size_t>(id)];
          if (p.type == SentencePieceType::unused) return;
          float score = p.score;
          if (p.type == SentencePieceType::user_defined) {
            // length * max_score_ - 0.1: the product in float, the difference in double, kept as float.
            score = static_cast<float>(
                static_cast<double>(static_cast<float>(count_characters(p.piece)) * max_score_) - 0.1);
          }
          emit(id, length, score);
        });
      });
}

std::vector<ScoredEncoding> SentencePieceTokenizer::encode_nbest(std::string_view text, std::size_t n,
                                                                 const SubwordEncodeOptions& options) const {
  if (model_.trainer_spec.model_type != SentencePieceModelType::unigram) {
    return SubwordTokenizer::encode_nbest(text, n, options);  // throws
  }
  check_nbest_size(n);
  EMBEDKIT_CHECK(!options.sampling, ArgumentError, "encode_nbest: options.sampling is set (n-best draws nothing)");
  // SentencePiece's NBestEncode: one best is its plain Encode, scored 0.
  if (n == 1) return {{encode(text), 0.0}};
  const SpmNormalizedText normalized = normalizer_.normalize(text);
  if (normalized.text.empty()) return {{encoding_of(normalized, {}), 0.0}};
  UnigramLattice<float> lattice = unigram_lattice(normalized.text);
  std::vector<ScoredEncoding> out;
  std::vector<Segment> segments;
  for (const ScoredPath<float>& path : lattice.nbest(n)) {
    segments.clear();
    for (const LatticeNode& node : path.nodes) {
      segments.push_back({node.begin, node.end - node.begin, node.id == kUnknownNode ? unk_id_ : node.id});
    }
    out.push_back({encoding_of(normalized, segments), static_cast<double>(path.score)});
  }
  return out;
}

Encoding SentencePieceTokenizer::encode_sampled(std::string_view text, const SubwordSampling& sampling) const {
  check_sampling(sampling, model_type());
  SplitMix64 rng = sampling_rng(sampling);
  const bool unigram = model_.trainer_spec.model_type == SentencePieceModelType::unigram;
  // SentencePiece's SampleEncode: nbest_size 0 or 1 is Encode, > 1 a draw from the n best.
  if (unigram && (sampling.nbest_size == 0 || sampling.nbest_size == 1)) return encode(text);
  if (unigram && sampling.nbest_size > 1) {
    return draw_from_nbest(encode_nbest(text, static_cast<std::size_t>(sampling.nbest_size)), sampling.alpha, rng)
        .encoding;
  }
  const SpmNormalizedText normalized = normalizer_.normalize(text);
  if (normalized.text.empty()) return encoding_of(normalized, {});
  std::vector<Segment> segments;
  if (unigram) {
    for (const LatticeNode& node : unigram_lattice(normalized.text).sample(sampling.alpha, rng)) {
      segments.push_back({node.begin, node.end - node.begin, node.id == kUnknownNode ? unk_id_ : node.id});
    }
  } else {
    const MergeDropout dropout{sampling.alpha, &rng, false};
    segments = segment_bpe_whole(normalized.text, &dropout);
  }
  return encoding_of(normalized, segments);
}

}  // namespace embedkit::tokenize
