// Training subword tokenizers (BPE, byte-level BPE, WordPiece, Unigram) on a corpus, written as
// a Hugging Face tokenizer.json that embedkit, Hugging Face's tokenizers and transformers read
// (part of embedkit::train).
//
//   nlohmann::json tok = embedkit::train_tokenizer("corpus.txt", {.model = TokenizerModel::bpe,
//                                                                .vocab_size = 32000});
//   embedkit::save_tokenizer_json(tok, "tok.json");
//
// The pipeline written with the model: NFKC (and lowercase when asked); then
//   bpe, unigram: SentencePiece's conventions (words start with U+2581 "▁", Metaspace), so the
//                 segmentations compare with spm_train's;
//   byte_level:   GPT-2's (ByteLevel pre-tokenizer, post-processor and decoder: 256 byte
//                 symbols, never an unknown);
//   wordpiece:    BERT's (BertNormalizer, BertPreTokenizer, "##" continuations, [CLS] A [SEP]).
// The corpus is read once, in parallel blocks, into counts of distinct words (what every
// trainer works on), so memory follows the vocabulary of the text, not its length.
//
// bpe and unigram learn only the pieces SentencePiece's trainers may learn: none mixes Unicode
// scripts (letters with digits or punctuation, Latin with Greek: "ing," or "s1" are never
// pieces) and "▁" only starts one, so their segmentations match spm_train's. byte_level and
// wordpiece merge as Hugging Face's trainers do, across any characters of a word.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace embedkit {

enum class TokenizerModel { bpe, byte_level_bpe, wordpiece, unigram };

struct TokenizerTrainingOptions {
  TokenizerModel model = TokenizerModel::bpe;
  std::size_t vocab_size = 32000;     ///< every piece, special tokens and the alphabet included
  double character_coverage = 0.9995; ///< characters kept: the most frequent covering this share
  /// Added first, in this order, with the first ids; empty: <unk> <s> </s> (BERT's five for
  /// WordPiece, <|endoftext|> for byte-level BPE).
  std::vector<std::string> special_tokens;
  std::size_t max_piece_length = 16;  ///< characters in one piece (the ▁ or ## prefix included)
  bool split_digits = false;          ///< every digit its own piece
  /// bpe/unigram: no piece mixes Unicode scripts (Latin, Greek, Han with kana, ..., and Common:
  /// digits, punctuation, symbols), as SentencePiece's split_by_unicode_script (default on).
  bool split_by_script = true;
  /// bpe/unigram, with split_by_script: digits are Common, so never join letters (SentencePiece's
  /// split_by_number); off, a digit joins any script ("s1", "x86").
  bool split_by_number = true;
  bool byte_fallback = false;         ///< bpe/unigram: <0x00>..<0xFF> pieces for characters left out
  bool lowercase = false;
  std::size_t min_frequency = 2;      ///< bpe/wordpiece: merges of pairs seen fewer times stop training
  std::size_t threads = 0;            ///< 0 = all cores
  std::uint64_t max_words = 0;        ///< stop reading once this many words are in (0 = all; blocks of
                                      ///< 1 MiB a thread, so a little more is read)
};

struct TokenizerTrainingProgress {
  std::string stage;     ///< "counting words", "merging", "EM", "pruning"
  double progress = 0;   ///< 0..1 within the stage
  std::size_t vocab = 0; ///< pieces so far
};

/// Trains a tokenizer on the text file at `corpus` (UTF-8; ill-formed bytes are replaced by
/// U+FFFD). Throws IoError / FormatError naming the file, ArgumentError for impossible options
/// (a vocabulary smaller than the special tokens and the alphabet).
[[nodiscard]] nlohmann::json train_tokenizer(const std::string& corpus, const TokenizerTrainingOptions& options,
                                             const std::function<void(const TokenizerTrainingProgress&)>& on_progress = {});

/// Writes `tokenizer` (a tokenizer.json object) to `path` atomically.
void save_tokenizer_json(const nlohmann::json& tokenizer, const std::string& path);

}  // namespace embedkit
