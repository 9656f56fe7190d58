// train_tokenizer: the pipeline for the model, word counts through it, the model's trainer, and
// the tokenizer.json that holds them all.
#include "embedkit/train/tokenizer_training.h"

#include <fmt/format.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "bpe_trainer.h"
#include "embedkit/core/atomic_file.h"
#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"
#include "piece_rules.h"
#include "tokenize/hf_pre_tokenizers.h"
#include "unigram_trainer.h"
#include "word_counts.h"

namespace embedkit {
namespace {

using nlohmann::json;

const char* const kMetaspace = "\u2581";

std::vector<std::string> default_special_tokens(TokenizerModel model) {
  switch (model) {
    case TokenizerModel::wordpiece: return {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    case TokenizerModel::byte_level_bpe: return {"<|endoftext|>"};
    default: return {"<unk>", "<s>", "</s>"};
  }
}

std::vector<std::string> byte_pieces() {
  std::vector<std::string> out;
  for (int b = 0; b < 256; ++b) out.push_back(fmt::format("<0x{:02X}>", b));
  return out;
}

json added_tokens(const std::vector<std::string>& specials) {
  json out = json::array();
  for (std::size_t id = 0; id < specials.size(); ++id) {
    out.push_back({{"id", id}, {"content", specials[id]}, {"single_word", false}, {"lstrip", false},
                   {"rstrip", false}, {"normalized", false}, {"special", true}});
  }
  return out;
}

/// The tokenizer.json around the model: everything but "model".
json pipeline_for(const TokenizerTrainingOptions& o, const std::vector<std::string>& specials) {
  json t{{"version", "1.0"}, {"truncation", nullptr}, {"padding", nullptr}, {"added_tokens", added_tokens(specials)}};
  json digits = {{"type", "Digits"}, {"individual_digits", true}};
  switch (o.model) {
    case TokenizerModel::bpe:
    case TokenizerModel::unigram: {
      json nfkc = {{"type", "NFKC"}};
      t["normalizer"] = o.lowercase ? json{{"type", "Sequence"}, {"normalizers", {nfkc, {{"type", "Lowercase"}}}}} : nfkc;
      json metaspace = {{"type", "Metaspace"}, {"replacement", kMetaspace}, {"prepend_scheme", "always"}, {"split", true}};
      t["pre_tokenizer"] = o.split_digits ? json{{"type", "Sequence"}, {"pretokenizers", {metaspace, digits}}} : metaspace;
      t["post_processor"] = nullptr;
      json decoder = {{"type", "Metaspace"}, {"replacement", kMetaspace}, {"prepend_scheme", "always"}, {"split", true}};
      t["decoder"] = o.byte_fallback
                         ? json{{"type", "Sequence"}, {"decoders", {{{"type", "ByteFallback"}}, decoder}}}
                         : decoder;
      break;
    }
    case TokenizerModel::byte_level_bpe: {
      t["normalizer"] = o.lowercase ? json{{"type", "Lowercase"}} : json();
      json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
      t["pre_tokenizer"] = o.split_digits ? json{{"type", "Sequence"}, {"pretokenizers", {digits, byte_level}}} : byte_level;
      t["post_processor"] = byte_level;
      t["decoder"] = byte_level;
      break;
    }
    case TokenizerModel::wordpiece: {
      t["normalizer"] = {{"type", "BertNormalizer"}, {"clean_text", true}, {"handle_chinese_chars", true},
                         {"strip_accents", nullptr}, {"lowercase", o.lowercase}};
      json bert = {{"type", "BertPreTokenizer"}};
      t["pre_tokenizer"] = o.split_digits ? json{{"type", "Sequence"}, {"pretokenizers", {bert, digits}}} : bert;
      t["decoder"] = {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}};
      break;
    }
  }
  return t;
}

}  // namespace

json train_tokenizer(const std::string& corpus, const TokenizerTrainingOptions& options,
                     const std::function<void(const TokenizerTrainingProgress&)>& on_progress) {
  EMBEDKIT_CHECK(options.vocab_size >= 1 && options.vocab_size <= (1u << 24), ArgumentError,
                 "the vocabulary size must be between 1 and 16,777,216");
  EMBEDKIT_CHECK(options.character_coverage > 0 && options.character_coverage <= 1, ArgumentError,
                 "character coverage must be in (0, 1]");
  EMBEDKIT_CHECK(options.max_piece_length >= 1, ArgumentError, "the longest piece must be at least one character");
  const std::vector<std::string> specials =
      options.special_tokens.empty() ? default_special_tokens(options.model) : options.special_tokens;
  for (std::size_t i = 0; i < specials.size(); ++i) {
    EMBEDKIT_CHECK(!specials[i].empty(), ArgumentError, "a special token is empty");
    for (std::size_t j = 0; j < i; ++j) {
      EMBEDKIT_CHECK(specials[i] != specials[j], ArgumentError,
                     fmt::format("special token \"{}\" is given twice", specials[i]));
    }
  }
  json tokenizer = pipeline_for(options, specials);
  const auto normalizer = tokenize::make_hf_normalizer(tokenizer["normalizer"], "training pipeline");
  const auto pre_tokenizer = tokenize::make_hf_pre_tokenizer(tokenizer["pre_tokenizer"], "training pipeline");
  auto report = [&](const char* stage, double progress, std::size_t vocab) {
    if (on_progress) on_progress({stage, progress, vocab});
  };
  const std::vector<tokenize::WordCount> words =
      tokenize::count_words(corpus, normalizer.get(), pre_tokenizer.get(), options.threads, options.max_words,
                            [&](double p) { report("counting words", p, 0); });
  EMBEDKIT_CHECK(!words.empty(), FormatError, fmt::format("{}: no words to learn from", corpus));

  // SentencePiece's rules for the models that follow its conventions; the others, Hugging Face's.
  const bool sentencepiece_rules = options.model == TokenizerModel::bpe || options.model == TokenizerModel::unigram;
  tokenize::PieceRules rules = tokenize::PieceRules::length_only(options.max_piece_length);
  if (sentencepiece_rules) {
    rules.split_by_script = options.split_by_script;
    rules.split_by_number = options.split_by_number;
    rules.split_digits = options.split_digits;
    rules.boundary_first = true;
  }

  if (options.model == TokenizerModel::unigram) {
    tokenize::UnigramTrainerOptions u;
    u.vocab_size = options.vocab_size;
    u.special_tokens = specials;
    if (options.byte_fallback) {
      for (std::string& b : byte_pieces()) u.special_tokens.push_back(std::move(b));
    }
    u.character_coverage = options.character_coverage;
    u.rules = rules;
    u.threads = options.threads;
    const auto pieces = tokenize::train_unigram(words, u, [&](const char* stage, double p, std::size_t n) {
      report(stage, p, n);
    });
    json vocab = json::array();
    for (const auto& [piece, score] : pieces) vocab.push_back({piece, score});
    tokenizer["model"] = {{"type", "Unigram"}, {"unk_id", 0}, {"vocab", vocab}, {"byte_fallback", options.byte_fallback}};
    return tokenizer;
  }

  tokenize::BpeTrainerOptions b;
  b.vocab_size = options.vocab_size;
  b.special_tokens = specials;
  if (options.byte_fallback && options.model == TokenizerModel::bpe) {
    for (std::string& p : byte_pieces()) b.special_tokens.push_back(std::move(p));
  }
  if (options.model == TokenizerModel::byte_level_bpe) {
    for (int c = 0; c < 256; ++c) {
      std::string s;
      append_utf8(s, tokenize::byte_to_char(static_cast<unsigned char>(c)));
      b.initial_alphabet.push_back(s);
    }
  }
  b.continuing_prefix = options.model == TokenizerModel::wordpiece ? "##" : "";
  b.character_coverage = options.model == TokenizerModel::byte_level_bpe ? 1.0 : options.character_coverage;
  b.rules = rules;
  b.min_frequency = options.min_frequency;
  b.threads = options.threads;
  const tokenize::BpeVocabulary learned =
      tokenize::train_bpe(words, b, [&](std::size_t n) { report("merging", static_cast<double>(n) / static_cast<double>(options.vocab_size), n); });
  json vocab = json::object();
  for (std::size_t id = 0; id < learned.tokens.size(); ++id) vocab[learned.tokens[id]] = id;
  if (options.model == TokenizerModel::wordpiece) {
    const auto unk = std::find(specials.begin(), specials.end(), "[UNK]");
    tokenizer["model"] = {{"type", "WordPiece"}, {"unk_token", unk != specials.end() ? *unk : specials[0]},
                          {"continuing_subword_prefix", "##"}, {"max_input_chars_per_word", 100}, {"vocab", vocab}};
    // BERT's template when the special tokens include [CLS] and [SEP] (at their ids).
    const auto cls = std::find(specials.begin(), specials.end(), "[CLS]");
    const auto sep = std::find(specials.begin(), specials.end(), "[SEP]");
    if (cls != specials.end() && sep != specials.end()) {
      const auto cls_id = cls - specials.begin();
      const auto sep_id = sep - specials.begin();
      auto special = [](const char* id, int type) { return json{{"SpecialToken", {{"id", id}, {"type_id", type}}}}; };
      auto sequence = [](const char* id, int type) { return json{{"Sequence", {{"id", id}, {"type_id", type}}}}; };
      tokenizer["post_processor"] = {
          {"type", "TemplateProcessing"},
          {"single", {special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0)}},
          {"pair", {special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0), sequence("B", 1), special("[SEP]", 1)}},
          {"special_tokens",
           {{"[CLS]", {{"id", "[CLS]"}, {"ids", {cls_id}}, {"tokens", {"[CLS]"}}}},
            {"[SEP]", {{"id", "[SEP]"}, {"ids", {sep_id}}, {"tokens", {"[SEP]"}}}}}}};
    } else {
      tokenizer["post_processor"] = nullptr;
    }
    return tokenizer;
  }
  json merges = json::array();
  for (const auto& [a, c] : learned.merges) merges.push_back({a, c});
  const bool byte_level = options.model == TokenizerModel::byte_level_bpe;
  tokenizer["model"] = {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", byte_level ? json() : json(specials[0])},
                        {"continuing_subword_prefix", nullptr}, {"end_of_word_suffix", nullptr},
                        {"fuse_unk", !byte_level}, {"byte_fallback", options.byte_fallback && !byte_level},
                        {"vocab", vocab}, {"merges", merges}};
  return tokenizer;
}

void save_tokenizer_json(const json& tokenizer, const std::string& path) {
  AtomicFileWriter out(path);
  out.write(tokenizer.dump());
  out.write("\n");
  out.commit();
}

}  // namespace embedkit
