// A SentencePiece `.model` as a SubwordTokenizer: the same ids, byte offsets and decoded text
// as SentencePiece 0.1.97 (`spm_encode`, the Python module) for Unigram, BPE, WORD and CHAR
// models.
//
//   auto tok = SentencePieceTokenizer::from_bytes(read_whole_file("spm.model"), "spm.model");
//   Encoding e = tok->encode("Hello world");   // e.ids {..}, e.pieces {"▁Hello", "▁world"}
//   tok->decode(e.ids);                         // "Hello world"
//
// What encode() does, as SentencePiece does it:
//   1. normalise (sentencepiece_normalizer.h), keeping a map back to the original bytes;
//   2. segment the normalised text: Unigram by the Viterbi path of the piece scores (user-defined
//      pieces get a bonus that makes them win), BPE by merging the adjacent pair whose joined
//      string is the best-scoring piece (an UNUSED piece found that way is split back into the
//      pair it came from), WORD by "▁"-words, CHAR by characters;
//   3. a run of unknown characters becomes one unknown token, or with byte_fallback one
//      <0xXX> token per UTF-8 byte, the last of which carries the character's offsets (the
//      others have an empty range at its start).
// Encoding::pieces are SentencePiece's: a fused unknown run's piece is its normalised text.
// Sampling (SubwordEncodeOptions::sampling) and encode_nbest() are SentencePiece's SampleEncode
// and NBestEncode (sentencepiece_sampling.cpp): Unigram over the node lattice of
// unigram_nbest.h, BPE with SentencePiece's dropout; WORD and CHAR models refuse both.
// SubwordEncodeOptions::add_special_tokens adds nothing: SentencePiece adds <s>/</s> only when
// asked (`--extra_options=bos:eos`), and callers that want them add bos/eos ids themselves.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "embedkit/tokenize/subword_tokenizer.h"
#include "tokenize/piece_prefix_index.h"
#include "tokenize/sentencepiece_model.h"
#include "tokenize/sentencepiece_normalizer.h"
#include "tokenize/symbol_merging.h"
#include "tokenize/unigram_lattice.h"
#include "tokenize/unigram_nbest.h"
#include "tokenize/word_cache.h"

namespace embedkit::tokenize {

class SentencePieceTokenizer final : public SubwordTokenizer {
 public:
  // Its lookup tables hold views into its own pieces: it stays where it was made.
  SentencePieceTokenizer(const SentencePieceTokenizer&) = delete;
  SentencePieceTokenizer& operator=(const SentencePieceTokenizer&) = delete;

  /// Parses a `.model` file's bytes (see parse_sentencepiece_model for what is checked).
  /// Throws FormatError naming `name`.
  [[nodiscard]] static std::unique_ptr<SentencePieceTokenizer> from_bytes(std::string_view bytes,
                                                                          const std::string& name);
  /// From a model already in memory (e.g. one edited after parsing); checked the same way.
  [[nodiscard]] static std::unique_ptr<SentencePieceTokenizer> from_model(SentencePieceModel model,
                                                                          const std::string& name);

  /// See the file comment. Ill-formed UTF-8 becomes U+FFFD per byte, as in SentencePiece.
  [[nodiscard]] Encoding encode(std::string_view text, const SubwordEncodeOptions& options = {}) const override;
  /// SentencePiece's NBestEncode (see SubwordTokenizer::encode_nbest).
  [[nodiscard]] std::vector<ScoredEncoding> encode_nbest(std::string_view text, std::size_t n,
                                                         const SubwordEncodeOptions& options = {}) const override;
  /// SentencePiece's decode: "▁" -> ' ', the first piece's leading "▁" dropped (when the model adds
  /// a dummy prefix or removes extra spaces), runs of byte pieces -> their bytes with U+FFFD for
  /// each byte that is not part of a valid character, the unknown piece -> " ⁇ " (unk_surface),
  /// control pieces -> nothing (their piece text when skip_special_tokens is false). Throws
  /// ArgumentError for an id outside [0, vocab_size()).
  [[nodiscard]] std::string decode(std::span<const std::int32_t> ids, bool skip_special_tokens = true) const override;

  [[nodiscard]] std::size_t vocab_size() const noexcept override { return model_.pieces.size(); }
  [[nodiscard]] std::string_view id_to_piece(std::int32_t id) const override;
  /// SentencePiece's PieceToId, except that a missing piece is nullopt rather than the unknown id.
  [[nodiscard]] std::optional<std::int32_t> piece_to_id(std::string_view piece) const override;
  [[nodiscard]] TokenizerFormat format() const noexcept override { return TokenizerFormat::sentencepiece_model; }
  /// "Unigram", "BPE", "WordLevel" (SentencePiece's WORD) or "Char".
  [[nodiscard]] std::string_view model_type() const noexcept override;

  /// The parsed file.
  [[nodiscard]] const SentencePieceModel& model() const noexcept { return model_; }
  /// Writes the model as a `.model` file, atomically (the old file or the new one, never half).
  /// Throws IoError.
  void save(const std::string& path) const;

 private:
  // A piece of the segmentation: bytes [begin, begin + length) of the normalised text.
  struct Segment {
    std::size_t begin;
    std::size_t length;
    std::int32_t id;
  };

  SentencePieceTokenizer(SentencePieceModel model, const std::string& name);

  /// Unigram's best path over the whole of `normalized` (with `margin`: how near it came to a tie).
  [[nodiscard]] std::vector<Segment> segment_unigram(std::string_view normalized, PathMargin* margin = nullptr) const;
  /// BPE over the whole of `normalized` at once (SentencePiece's own order of work).
  [[nodiscard]] std::vector<Segment> segment_bpe_whole(std::string_view normalized,
                                                       const MergeDropout* dropout = nullptr) const;
  /// Unigram or BPE word by word, each word segmented once per thread (a cache); see by_words_.
  [[nodiscard]] std::vector<Segment> segment_by_words(std::string_view normalized) const;
  // Sampling and n-best (sentencepiece_sampling.cpp).
  [[nodiscard]] Encoding encode_sampled(std::string_view text, const SubwordSampling& sampling) const;
  /// SentencePiece's Lattice of `normalized` (PopulateNodes): float scores, a user-defined
  /// piece's bonus counted in characters there.
  [[nodiscard]] UnigramLattice<float> unigram_lattice(std::string_view normalized) const;
  /// SentencePiece's PopulateSentencePieceText: the tokens of `segments` of the normalised text.
  [[nodiscard]] Encoding encoding_of(const SpmNormalizedText& normalized, const std::vector<Segment>& segments) const;
  [[nodiscard]] std::vector<Segment> segment_words(std::string_view normalized) const;
  [[nodiscard]] std::vector<Segment> segment_characters(std::string_view normalized) const;
  // SentencePiece's PieceToId: reserved pieces first, then matchable ones, else the unknown id.
  [[nodiscard]] std::int32_t id_or_unknown(std::string_view piece) const;
  [[nodiscard]] SentencePieceType type_of(std::int32_t id) const noexcept {
    return types_[static_cast<std::size_t>(id)];
  }

  // A word's segments as the word cache keeps them, inline: words of up to 46 bytes and 8 pieces
  // (nearly all), with their Unigram path margin (PathMargin, rounded the safe way).
  static constexpr std::size_t kCachedWordBytes = 46;
  struct CachedSegments {
    CachedPieces pieces;
    float smallest_gap;       // rounded down
    float largest_magnitude;  // rounded up
    float end_score;
    std::uint32_t characters;
  };
  // What segment_by_words() borrows for one sentence: the word cache, and room for the words.
  struct WordScratch {
    WordCache<CachedSegments, kCachedWordBytes> words;
    std::vector<std::pair<std::size_t, std::uint64_t>> starts;
  };
  mutable WordCachePool<WordScratch> word_caches_;

  SentencePieceModel model_;
  std::vector<SentencePieceType> types_;  ///< per id: read for every token, so flat
  SentencePieceNormalizer normalizer_;
  std::unique_ptr<SentencePieceNormalizer> denormalizer_;  // only when the model has one
  /// Normal, user-defined and unused pieces, each with the score a Unigram path adds for it
  /// (user-defined: SentencePiece's bonus; unused: NaN, the lattice skips them).
  PiecePrefixIndex matchable_index_;
  /// BPE and Unigram may segment word by word, each word once per thread (a cache), when that
  /// cannot change the result: no piece holds "▁" after its start (so no merge, and no lattice
  /// node, crosses a word's start) and, for BPE, no user-defined or unused pieces (whose handling
  /// looks across the whole sentence). Unigram also checks each word's path against the rounding
  /// of the sentence's running score (segment_by_words).
  bool by_words_ = false;
  PiecePrefixIndex user_defined_index_;
  std::unordered_map<std::string_view, std::int32_t> matchable_;  // views into model_.pieces
  std::unordered_map<std::string_view, std::int32_t> reserved_;   // unknown, control, byte
  std::array<std::int32_t, 256> byte_ids_{};
  std::int32_t unk_id_ = 0;
  float min_score_ = 0;
  float max_score_ = 0;
};

}  // namespace embedkit::tokenize
