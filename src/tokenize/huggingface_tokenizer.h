// A Hugging Face tokenizer.json: added tokens, normalizer, pre-tokenizer, model, post-processor
// and decoder, run in the library's order (see subword_tokenizer.h for the interface).
//
// Sampling and n-best (huggingface_sampling.cpp) run the same pipeline with another word
// tokenizer: the model's tokenize_sampled() (no word cache), or its tokenize_nbest() per word,
// combined over the words (unigram_nbest.h's combine_nbest) and replayed once per combination.
// A BPE model's `dropout` is checked but encode() without sampling does not apply it (encode()
// stays a function of the text); sampling with alpha = that dropout does what the library does.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "embedkit/core/function_ref.h"
#include "embedkit/tokenize/subword_tokenizer.h"
#include "hf_decoders.h"
#include "hf_models.h"
#include "hf_normalizers.h"
#include "hf_post_processors.h"
#include "hf_pre_tokenizers.h"
#include "word_cache.h"

namespace embedkit::tokenize {

/// A token the file adds beside the model's vocabulary ([CLS], <mask>, user tokens).
struct AddedToken {
  std::string content;
  std::int32_t id;
  bool special;
  bool single_word;
  bool lstrip;
  bool rstrip;
  bool normalized;
  std::string decoded;  ///< what decode() writes for it, when not `content` (normalized tokens)
};

class HuggingFaceTokenizer final : public SubwordTokenizer {
 public:
  /// Parses `json_text`; FormatError "<name>: ..." when it is not a tokenizer.json we can run.
  static std::unique_ptr<HuggingFaceTokenizer> from_json(std::string_view json_text, const std::string& name);

  Encoding encode(std::string_view text, const SubwordEncodeOptions& options = {}) const override;
  Encoding encode_pair(std::string_view first, std::string_view second,
                       const SubwordEncodeOptions& options = {}) const override;
  std::vector<ScoredEncoding> encode_nbest(std::string_view text, std::size_t n,
                                           const SubwordEncodeOptions& options = {}) const override;
  std::string decode(std::span<const std::int32_t> ids, bool skip_special_tokens = true) const override;
  std::size_t vocab_size() const noexcept override;
  std::string_view id_to_piece(std::int32_t id) const override;
  std::optional<std::int32_t> piece_to_id(std::string_view piece) const override;
  TokenizerFormat format() const noexcept override { return TokenizerFormat::huggingface_json; }
  std::string_view model_type() const noexcept override { return model_->type(); }

  /// The file as read (for writing it back unchanged, or with changes).
  [[nodiscard]] const nlohmann::json& json() const noexcept { return json_; }

 private:
  struct Piece {
    NormalizedText text;
    std::int32_t added_id = -1;  ///< >= 0: the piece is this added token
  };

  /// Turns one pre-tokenized word into the model's tokens (appending to the vector).
  using WordTokenizer = FunctionRef<void(std::string_view, std::vector<ModelToken>&)>;

  HuggingFaceTokenizer() = default;
  /// The tokens of one sequence before post-processing; `tokenize` replaces tokenize_word.
  Encoding encode_sequence(std::string_view text, const WordTokenizer* tokenize = nullptr) const;
  /// encode() and encode_pair() with options.sampling set (huggingface_sampling.cpp).
  Encoding encode_sampled(std::string_view first, const std::string_view* second, const SubwordEncodeOptions& options) const;
  /// Cuts the pieces that are not added tokens yet at the matches of `tokens` (leftmost longest).
  void split_added_tokens(std::vector<Piece>& pieces, const std::vector<std::size_t>& tokens,
                          const std::vector<std::string>& patterns) const;

  // A word's tokens as the word cache keeps them, inline: words of up to 46 bytes and 8 tokens
  // (nearly all), each token's string being its vocabulary entry (tokenize_word checks).
  static constexpr std::size_t kCachedWordBytes = 46;
  using TokenCache = WordCache<CachedPieces, kCachedWordBytes>;

  /// Appends the model's tokens of `word`, from `cache` (recent words) when it has them: words
  /// repeat (Zipf), and segmenting one costs far more than copying its tokens.
  void tokenize_word(std::string_view word, std::vector<ModelToken>& out, TokenCache& cache) const;

  mutable WordCachePool<TokenCache> word_caches_;  ///< lent one per encode_sequence()
  std::size_t vocab_size_ = 0;
  nlohmann::json json_;
  std::vector<AddedToken> added_;
  std::vector<std::size_t> raw_added_;         ///< indices into added_: matched in the raw text
  std::vector<std::size_t> normalized_added_;  ///< matched in normalized text
  std::vector<std::string> raw_patterns_, normalized_patterns_;
  std::unique_ptr<HfNormalizer> normalizer_;
  std::unique_ptr<HfPreTokenizer> pre_tokenizer_;
  std::unique_ptr<HfModel> model_;
  std::unique_ptr<HfPostProcessor> post_processor_;
  std::unique_ptr<HfDecoder> decoder_;
};

}  // namespace embedkit::tokenize
