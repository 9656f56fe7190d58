// Subword tokenizers: text -> ids with no unknown words, from a Hugging Face `tokenizer.json`
// (BPE, byte-level BPE, WordPiece, Unigram, WordLevel) or a SentencePiece `.model` (BPE, Unigram).
//
//   auto tok = embedkit::SubwordTokenizer::load("tokenizer.json");   // or "spm.model"
//   embedkit::Encoding e = tok->encode("Héllo world!");
//   e.ids;        // {101, 7592, 2088, 999, 102}
//   e.pieces;     // {"[CLS]", "hello", "world", "!", "[SEP]"}
//   e.offsets;    // byte ranges in the text: {0,0} {0,6} {7,12} {12,13} {0,0}
//   tok->decode(e.ids);                                               // "hello world!"
//
// Each file is read the way the library that wrote it reads it, so the ids are the same as
// theirs (tests: known answers from Hugging Face's `tokenizers` and SentencePiece's `spm_encode`).
// Offsets are byte ranges into the text given to encode() (SentencePiece's convention); a
// caller that wants Hugging Face's code-point offsets converts them with code_point_offsets().
// A tokenizer is immutable after load: one instance may serve many threads.
//
// Unigram models also give their n best segmentations, and any model but WordPiece/WordLevel a
// random one (subword regularization: SentencePiece's SampleEncode, BPE-dropout):
//   auto best = tok->encode_nbest("Hello world", 5);   // 5 segmentations, best first, with scores
//   embedkit::SubwordEncodeOptions o;
//   o.sampling = embedkit::SubwordSampling{.alpha = 0.1, .seed = 7};
//   tok->encode("Hello world", o);                      // a different segmentation per seed
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace embedkit {

/// One text's tokens: parallel arrays, one entry per token.
struct Encoding {
  std::vector<std::int32_t> ids;
  std::vector<std::string> pieces;  ///< the vocabulary's string of each id ("##ing", "▁the", "<0xE2>")
  /// [begin, end) byte range of each token in the original text. Special tokens a post-processor
  /// adds have {0, 0}; byte-fallback tokens of one character share that character's range
  /// (SentencePiece's way: the last byte token has the range, the others an empty one at its start).
  std::vector<std::pair<std::size_t, std::size_t>> offsets;
  std::vector<std::uint8_t> type_ids;      ///< 0 for the first sequence, 1 for a pair's second
  std::vector<std::uint8_t> special_mask;  ///< 1 for tokens a post-processor added ([CLS], </s>)

  [[nodiscard]] std::size_t size() const noexcept { return ids.size(); }
};

/// A random segmentation instead of the best one (subword regularization), as SentencePiece's
/// SampleEncode(text, nbest_size, alpha). The random numbers cannot be the libraries' own, but
/// the distribution is: see the tests, which check it against exact probabilities.
struct SubwordSampling {
  /// Unigram: the smoothing exponent; a segmentation is drawn with probability proportional to
  /// exp(alpha * its score), i.e. P(segmentation)^alpha (0: all equally likely; large: the
  /// best). Finite, >= 0. BPE: the probability of skipping each merge (BPE-dropout), in [0, 1]
  /// (0: the plain result, 1: characters, or bytes for byte-level BPE).
  double alpha = 0.1;
  /// Unigram only (BPE ignores it), as SentencePiece's: negative draws from every segmentation
  /// (forward filtering, backward sampling), 0 or 1 returns the best one, n > 1 draws from the
  /// n best (encode_nbest) with weights exp(alpha * score). At most 1024.
  int nbest_size = -1;
  std::uint64_t seed = 0;
  /// Which of the seed's independent streams to draw from. encode_batch() gives text i stream
  /// `stream + i`, so that a batch's result depends on (texts, seed, stream) only, never on the
  /// thread count, and encode(texts[i]) with stream + i repeats it; a corpus encoded in batches
  /// passes each batch the number of texts before it. The second text of a pair (encode_pair
  /// without a pair-aware post-processor) draws from stream ~stream.
  std::uint64_t stream = 0;
};

/// What encode() does beyond segmenting.
struct SubwordEncodeOptions {
  bool add_special_tokens = true;  ///< run the post-processor ([CLS] ... [SEP], <s> ... </s>)
  /// Set: a random segmentation (see SubwordSampling); ArgumentError for models that have none
  /// (WordPiece, WordLevel, SentencePiece's WORD and CHAR) and for a bad alpha or nbest_size.
  std::optional<SubwordSampling> sampling;
};

/// One of encode_nbest()'s segmentations.
struct ScoredEncoding {
  Encoding encoding;
  /// The sum of the scores (log-probabilities) of its pieces, an unknown piece counting as the
  /// lowest score - 10. SentencePiece sums in float, from the last piece to the first.
  double score = 0;
};

/// The kind of file a tokenizer came from.
enum class TokenizerFormat { huggingface_json, sentencepiece_model };

/// A subword tokenizer loaded from a file (see file comment).
class SubwordTokenizer {
 public:
  virtual ~SubwordTokenizer() = default;

  /// Reads `path`: a SentencePiece model (protobuf) or a Hugging Face tokenizer.json, told apart
  /// by content. Throws IoError when unreadable and FormatError naming the file and the problem
  /// when it is not a valid tokenizer (a model refers to a piece it lacks, truncated protobuf...).
  [[nodiscard]] static std::unique_ptr<SubwordTokenizer> load(const std::string& path);
  /// As load(), from bytes already in memory; `name` is used in error messages.
  [[nodiscard]] static std::unique_ptr<SubwordTokenizer> from_bytes(std::string_view bytes,
                                                                    const std::string& name);

  /// The tokens of `text` (UTF-8; ill-formed bytes are handled as the original library does:
  /// U+FFFD in SentencePiece, a FormatError for tokenizer.json, whose library takes only strings).
  [[nodiscard]] virtual Encoding encode(std::string_view text, const SubwordEncodeOptions& options = {}) const = 0;
  /// A pair of texts (BERT's "[CLS] A [SEP] B [SEP]"), where the post-processor defines one.
  [[nodiscard]] virtual Encoding encode_pair(std::string_view first, std::string_view second,
                                             const SubwordEncodeOptions& options = {}) const;
  /// The `n` best segmentations of `text` (1 <= n <= 1024), best first: fewer when the text has
  /// fewer. SentencePiece models give SentencePiece's NBestEncode list, in its order and with its
  /// scores (its quirks too: n = 1 is the plain encode() with score 0, and its float search may
  /// put two segmentations a rounding apart out of order); tokenizer.json Unigram
  /// models the n best combinations of each pre-tokenized word's segmentations (scores in double;
  /// Hugging Face's library has no n-best to compare with). Throws ArgumentError for n out of
  /// range, for options.sampling set, and for models that are not Unigram.
  [[nodiscard]] virtual std::vector<ScoredEncoding> encode_nbest(std::string_view text, std::size_t n,
                                                                 const SubwordEncodeOptions& options = {}) const;
  /// Many texts, on `threads` threads (0 = all cores); the result is the same for any count
  /// (with sampling too: text i draws from stream sampling.stream + i of the seed).
  [[nodiscard]] std::vector<Encoding> encode_batch(std::span<const std::string_view> texts,
                                                   const SubwordEncodeOptions& options = {},
                                                   std::size_t threads = 0) const;

  /// The text of `ids` as the original library's decoder writes it.
  [[nodiscard]] virtual std::string decode(std::span<const std::int32_t> ids,
                                           bool skip_special_tokens = true) const = 0;

  [[nodiscard]] virtual std::size_t vocab_size() const noexcept = 0;
  /// The piece of `id`; ArgumentError when out of range.
  [[nodiscard]] virtual std::string_view id_to_piece(std::int32_t id) const = 0;
  /// The id of `piece`, or nullopt when it is not in the vocabulary.
  [[nodiscard]] virtual std::optional<std::int32_t> piece_to_id(std::string_view piece) const = 0;

  [[nodiscard]] virtual TokenizerFormat format() const noexcept = 0;
  /// "BPE", "WordPiece", "Unigram", "WordLevel" (the model inside).
  [[nodiscard]] virtual std::string_view model_type() const noexcept = 0;
};

/// `offsets` (byte ranges into `text`) as code-point ranges, as Hugging Face's Python and Node
/// bindings convert them: each byte offset becomes the index of the character it falls in (the
/// text's end, the character count). ArgumentError for a range beyond the text.
[[nodiscard]] std::vector<std::pair<std::size_t, std::size_t>> code_point_offsets(
    std::string_view text, std::span<const std::pair<std::size_t, std::size_t>> offsets);

}  // namespace embedkit
