// Text <-> token ids, through a Tokenizer and a Vocabulary.
//
//   embedkit::Encoder enc(vocab, tokenizer);
//   std::vector<embedkit::TokenId> ids = enc.encode("the cat sat", {.add_eos = true});
//   std::string text = enc.decode(ids);   // "the cat sat" (specials skipped by default)
//
// Unknown tokens map to <unk>; without an <unk> entry they are an ArgumentError naming the
// token. decode() joins words with single spaces, so decode(encode(t)) gives back the
// tokenized, normalised text (not the original spacing).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/text/tokenizer.h"
#include "embedkit/vocab/vocabulary.h"

namespace embedkit {

struct EncodeOptions {
  bool add_bos = false;  ///< prepend <bos> (ArgumentError if the vocabulary has none)
  bool add_eos = false;  ///< append <eos> (ArgumentError if the vocabulary has none)
};

struct DecodeOptions {
  bool skip_special = true;  ///< drop <pad>, <bos> and <eos> from the output
};

/// Binds a vocabulary (by reference: it must outlive the encoder) and a tokenizer (copied).
/// Thread-safe: all members are const.
class Encoder {
 public:
  Encoder(const Vocabulary& vocab, Tokenizer tokenizer) : vocab_(vocab), tokenizer_(std::move(tokenizer)) {}
  /// A temporary vocabulary would dangle.
  Encoder(Vocabulary&& vocab, Tokenizer tokenizer) = delete;

  /// Tokenizes `text` and maps each token to its id.
  [[nodiscard]] std::vector<TokenId> encode(std::string_view text, EncodeOptions options = {}) const;

  /// Maps ids back to words joined by single spaces. With skip_special, <pad>, <bos> and <eos>
  /// are dropped (<unk> is kept: it marks where information was lost). Throws ArgumentError on
  /// an out-of-range id.
  [[nodiscard]] std::string decode(std::span<const TokenId> ids, DecodeOptions options = {}) const;

 private:
  const Vocabulary& vocab_;
  Tokenizer tokenizer_;
};

}  // namespace embedkit
