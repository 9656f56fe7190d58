// Text -> tokens: UTF-8 check, normalisation, then splitting.
//
//   embedkit::Tokenizer tok({.split = embedkit::Split::words,
//                            .normalize = {.nfkc = true, .lowercase = true}});
//   tok.tokenize("Hello, World!");   // -> {"hello", ",", "world", "!"}
//
// Two splitting rules:
//   - Split::whitespace: tokens are maximal runs of non-whitespace, where whitespace is ASCII
//     whitespace plus Unicode separators (Zs/Zl/Zp, U+0085). Like fastText/word2vec, but Unicode
//     aware (a no-break space separates words too).
//   - Split::words: as whitespace, and every punctuation or symbol character (Unicode categories
//     P* and S*, e.g. , . ! ? ' " ( ) $ € + emoji) becomes a token of its own, as BERT's basic
//     tokenizer and similar NLP pre-tokenizers do: "don't" -> "don" "'" "t", "3.5" -> "3" "." "5".
//     Combining marks stay attached to the character before them.
// Normalisation (NormalizerOptions) runs per whitespace-separated piece, before punctuation
// splitting; whitespace that NFKC produces (e.g. U+00A8 -> " \u0308") also separates tokens.
// Tokens longer than `max_token_bytes` are cut into pieces of at most that many bytes, at code
// point boundaries, so a corrupt multi-megabyte "word" cannot blow up memory downstream.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/core/function_ref.h"
#include "embedkit/core/source_location.h"
#include "embedkit/text/normalizer.h"
#include "embedkit/text/utf8.h"

namespace embedkit {

/// How text is cut into tokens (see file comment).
enum class Split { whitespace, words };

/// Receives each token; the view is only valid during the call.
using TokenSink = FunctionRef<void(std::string_view)>;

/// Cuts valid UTF-8 text into tokens in place of the built-in rules: a subword tokenizer's pieces
/// (embedkit/tokenize/subword_splitter.h), so that vocabularies, word vectors and classifiers
/// can be learned over subword pieces. Implementations are immutable and thread-safe.
class TokenSplitter {
 public:
  virtual ~TokenSplitter() = default;
  virtual void split(std::string_view valid_text, TokenSink sink) const = 0;
  /// What made the tokens (for a model's metadata), e.g. "tokenizer.json (WordPiece)".
  [[nodiscard]] virtual std::string describe() const = 0;
};

/// Everything that decides how raw bytes become tokens.
struct TokenizerOptions {
  Split split = Split::whitespace;
  NormalizerOptions normalize;
  InvalidUtf8 invalid_utf8 = InvalidUtf8::error;
  std::size_t max_token_bytes = 1024;  ///< >= 4; longer tokens are split at code point boundaries
  /// When set, it makes the tokens (its own normalization included): split and normalize are
  /// not used, and tokens are not cut at max_token_bytes.
  std::shared_ptr<const TokenSplitter> splitter;
};

/// Turns text into tokens. Immutable after construction: one instance may serve many threads.
class Tokenizer {
 public:
  /// Throws ArgumentError when max_token_bytes < 4 (one code point must always fit).
  explicit Tokenizer(TokenizerOptions options = {});

  [[nodiscard]] const TokenizerOptions& options() const noexcept { return options_; }

  /// Tokenizes `text`, calling `sink` for each token in order. Newlines are ordinary whitespace
  /// here; CorpusReader reports line structure. `where` names the text in UTF-8 errors.
  /// Throws FormatError on invalid UTF-8 under InvalidUtf8::error.
  void tokenize(std::string_view text, TokenSink sink, const SourceLocation& where = {}) const;

  /// Convenience: the tokens of `text` as owned strings.
  [[nodiscard]] std::vector<std::string> tokenize(std::string_view text) const;

  /// As tokenize(), for text already known to be valid UTF-8 (skips the check).
  void tokenize_valid(std::string_view valid_text, TokenSink sink) const;

 private:
  void emit_piece(std::string_view piece, TokenSink sink) const;
  void emit_bounded(std::string_view token, TokenSink sink) const;

  TokenizerOptions options_;
  Normalizer normalizer_;
};

}  // namespace embedkit
