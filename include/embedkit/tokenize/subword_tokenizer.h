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

/// What encode() does beyond segmenting.
struct SubwordEncodeOptions {
  bool add_special_tokens = true;  ///< run the post-processor ([CLS] ... [SEP], <s> ... </s>)
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
  /// Many texts, on `threads` threads (0 = all cores); the result is the same for any count.
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
