// embedkit tokenizer train: learn a subword tokenizer (BPE, byte-level BPE, WordPiece, Unigram)
// from a corpus, written as a Hugging Face tokenizer.json.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "embedkit/core/error.h"
#include "embedkit/tokenize/subword_tokenizer.h"
#include "embedkit/train/tokenizer_training.h"
#include "human_format.h"
#include "option_choices.h"
#include "option_ranges.h"
#include "output_paths.h"
#include "progress_bar.h"

namespace embedkit::cli {
namespace {

struct TokenizerTrainFlags {
  std::string input, output;
  TokenizerTrainingOptions options;
  std::string special_tokens;  // comma-separated
  bool mix_scripts = false;
  bool mix_numbers = false;
  bool json = false;
  bool quiet = false;
  bool progress = false;
};

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t pos = 0; pos <= s.size(); ++pos) {
    if (pos == s.size() || s[pos] == ',') {
      if (pos > start) out.push_back(s.substr(start, pos - start));
      start = pos + 1;
    }
  }
  return out;
}

const char* model_name(TokenizerModel m) {
  switch (m) {
    case TokenizerModel::bpe: return "bpe";
    case TokenizerModel::byte_level_bpe: return "byte-level-bpe";
    case TokenizerModel::wordpiece: return "wordpiece";
    case TokenizerModel::unigram: return "unigram";
  }
  return "?";
}

void run(TokenizerTrainFlags& flags) {
  (void)file_output(flags.output, "--output", "the tokenizer");
  refuse_same_file(flags.output, "--output", flags.input, "--input");
  check_writable(flags.output, "--output");
  TokenizerTrainingOptions options = flags.options;
  options.special_tokens = split_commas(flags.special_tokens);
  options.split_by_script = !flags.mix_scripts;
  options.split_by_number = !flags.mix_numbers;
  const auto start = std::chrono::steady_clock::now();
  ProgressBar bar("training", !flags.quiet && !flags.json && (flags.progress || ProgressBar::stderr_is_terminal()),
                  ProgressBar::Units::work);
  std::string stage;
  const nlohmann::json tokenizer = train_tokenizer(flags.input, options, [&](const TokenizerTrainingProgress& p) {
    if (flags.json) {
      fmt::print(stderr, "{}\n",
                 nlohmann::json{{"event", "progress"}, {"stage", p.stage}, {"progress", p.progress}, {"vocab", p.vocab}}.dump());
      return;
    }
    if (p.stage != stage) {
      stage = p.stage;
    }
    bar.update(static_cast<std::uint64_t>(std::min(1.0, p.progress) * 1e6), 1000000,
               p.vocab ? fmt::format("{}  {} pieces", stage, p.vocab) : stage);
  });
  bar.finish();
  save_tokenizer_json(tokenizer, flags.output);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Read back what was written: the file is the product, so the summary describes the file.
  const auto tok = SubwordTokenizer::load(flags.output);
  if (flags.json) {
    fmt::print("{}\n", nlohmann::json{{"output", flags.output},
                                      {"model", model_name(options.model)},
                                      {"vocab_size", tok->vocab_size()},
                                      {"seconds", seconds}}
                           .dump());
  } else if (!flags.quiet) {
    fmt::print(stderr, "wrote {}: {} tokenizer, {} pieces, in {:.1f} s\n", printable(flags.output),
               model_name(options.model), tok->vocab_size(), seconds);
  }
}

}  // namespace

void add_tokenizer_train_command(CLI::App& group) {
  auto flags = std::make_shared<TokenizerTrainFlags>();
  TokenizerTrainingOptions& o = flags->options;
  CLI::App* cmd = group.add_subcommand("train", "Learn a subword tokenizer from a corpus (writes a tokenizer.json)");
  cmd->add_option("-i,--input", flags->input, "Training text, UTF-8, one sentence or paragraph a line")->required();
  cmd->add_option("-o,--output", flags->output, "Where to write the tokenizer.json")->required();
  choices<TokenizerModel>(cmd->add_option("--model", o.model, "bpe, byte-level-bpe, wordpiece or unigram"),
                          {{"bpe", TokenizerModel::bpe},
                           {"byte-level-bpe", TokenizerModel::byte_level_bpe},
                           {"wordpiece", TokenizerModel::wordpiece},
                           {"unigram", TokenizerModel::unigram}})
      ->default_str("bpe");
  cmd->add_option("--vocab-size", o.vocab_size, "Pieces in the vocabulary, special tokens and characters included")
      ->check(whole_number(1, 1u << 24))
      ->capture_default_str();
  cmd->add_option("--character-coverage", o.character_coverage,
                  "Keep the most frequent characters covering this share of the text (rarer ones: unknown, or "
                  "bytes with --byte-fallback)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--special-tokens", flags->special_tokens,
                  "Comma-separated, given the first ids (default: <unk>,<s>,</s>; WordPiece: "
                  "[PAD],[UNK],[CLS],[SEP],[MASK]; byte-level: <|endoftext|>)");
  cmd->add_option("--max-piece-length", o.max_piece_length, "Longest piece, in characters")
      ->check(whole_number(1, 512))
      ->capture_default_str();
  cmd->add_flag("--split-digits", o.split_digits, "Every digit a piece of its own");
  cmd->add_flag("--no-split-by-script", flags->mix_scripts,
                "bpe/unigram: let a piece mix scripts, letters with punctuation or digits (\"ing,\", \"s1\") or "
                "Latin with Greek; by default none does, as in SentencePiece");
  cmd->add_flag("--no-split-by-number", flags->mix_numbers,
                "bpe/unigram: let digits join letters (\"s1\", \"x86\")");
  cmd->add_flag("--byte-fallback", o.byte_fallback, "bpe/unigram: <0x00>..<0xFF> pieces, so no text is unknown");
  cmd->add_flag("--lower", o.lowercase, "Lowercase the text first (WordPiece: BERT's uncased pipeline)");
  cmd->add_option("--min-frequency", o.min_frequency, "bpe/wordpiece: stop at pairs seen fewer times")
      ->check(whole_number(1, 1u << 30))
      ->capture_default_str();
  cmd->add_option("--max-words", o.max_words, "Read at most this many words of the corpus (0 = all)")
      ->capture_default_str();
  cmd->add_option("--threads", o.threads, "Threads (0 = all cores)")->check(whole_number(0, 256))->capture_default_str();
  cmd->add_flag("--json", flags->json, "Progress as JSON lines on stderr; a JSON summary on stdout");
  cmd->add_flag("-q,--quiet", flags->quiet, "No progress or summary");
  cmd->add_flag("--progress", flags->progress, "Draw the progress bar even when stderr is not a terminal");
  cmd->footer(
      "Examples:\n"
      "  embedkit tokenizer train -i corpus.txt -o tok.json --model unigram --vocab-size 32000\n"
      "  embedkit tokenizer train -i corpus.txt -o bert.json --model wordpiece --vocab-size 30522 --lower\n"
      "  embedkit tokenizer train -i corpus.txt -o gpt.json --model byte-level-bpe --vocab-size 50000\n"
      "  embedkit tokenize --tokenizer tok.json --text 'Subword pieces, never unknown' --pieces\n"
      "  embedkit train -i corpus.txt -o pieces.ekv --tokenizer tok.json   (vectors for the pieces)\n"
      "\n"
      "The corpus is read once, in parallel, into counts of distinct words (NFKC-normalized; bpe and\n"
      "unigram mark word starts with U+2581 as SentencePiece does). bpe and wordpiece then merge the\n"
      "most frequent pair until the vocabulary is full; unigram runs SentencePiece's EM and pruning.\n"
      "bpe and unigram keep SentencePiece's rules for pieces: U+2581 only first, no piece mixes\n"
      "scripts (letters, digits and punctuation, Latin and Greek, ...), so their pieces match\n"
      "spm_train's (--no-split-by-script, --no-split-by-number relax them). byte-level-bpe and\n"
      "wordpiece merge any characters of a word, as Hugging Face's trainers do.\n"
      "The file is a Hugging Face tokenizer.json: Hugging Face's tokenizers and transformers read it.\n");
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
