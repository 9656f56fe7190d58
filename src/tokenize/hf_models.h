// Hugging Face tokenizer.json models: BPE (plain and byte-level), WordPiece, Unigram and
// WordLevel. Each turns one pre-tokenized piece into tokens with byte offsets inside the piece.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "embedkit/core/random.h"
#include "embedkit/tokenize/subword_tokenizer.h"

namespace embedkit::tokenize {

/// A model's token: its id, its string (the vocabulary's, or the text of an unknown run), and
/// bytes [begin, end) of the piece it covers.
struct ModelToken {
  std::int32_t id;
  std::string value;
  std::size_t begin;
  std::size_t end;
};

class HfModel {
 public:
  virtual ~HfModel() = default;
  /// Appends the tokens of `piece` (a pre-tokenized word) to `out`. FormatError when the piece
  /// needs an unknown token the model does not have (as the library fails).
  virtual void tokenize(std::string_view piece, std::vector<ModelToken>& out) const = 0;
  /// As tokenize(), a random segmentation (see SubwordSampling; Unigram draws from the lattice,
  /// nbest_size 0 or 1 gives tokenize()'s; BPE drops merges as the library's `dropout` does).
  /// ArgumentError for models with a single segmentation (WordPiece, WordLevel).
  virtual void tokenize_sampled(std::string_view piece, const SubwordSampling& sampling, SplitMix64& rng,
                                std::vector<ModelToken>& out) const;
  /// The `n` best segmentations of `piece`, best first, with their scores (Unigram only;
  /// ArgumentError for the others).
  [[nodiscard]] virtual std::vector<std::pair<std::vector<ModelToken>, double>> tokenize_nbest(std::string_view piece,
                                                                                             std::size_t n) const;
  [[nodiscard]] virtual std::optional<std::int32_t> token_to_id(std::string_view token) const = 0;
  /// The token of `id`, or nullopt outside the vocabulary.
  [[nodiscard]] virtual std::optional<std::string_view> id_to_token(std::int32_t id) const = 0;
  [[nodiscard]] virtual std::size_t vocab_size() const noexcept = 0;
  [[nodiscard]] virtual std::string_view type() const noexcept = 0;
};

/// The model a tokenizer.json "model" object describes; FormatError naming `where` when it is
/// malformed (a merge of tokens missing from the vocabulary, duplicate ids, an unknown type).
[[nodiscard]] std::unique_ptr<HfModel> make_hf_model(const nlohmann::json& spec, const std::string& where);

}  // namespace embedkit::tokenize
