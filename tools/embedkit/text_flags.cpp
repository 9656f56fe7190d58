#include "text_flags.h"

#include <string>

#include "option_choices.h"
#include "option_ranges.h"
#include "embedkit/tokenize/subword_splitter.h"

namespace embedkit::cli {

const char* const kTextFlagsHelp =
    "Tokenizing: text must be UTF-8 (--invalid-utf8 replace substitutes U+FFFD for bad bytes\n"
    "instead of stopping with the byte offset). --split whitespace (default) cuts at spaces,\n"
    "tabs and Unicode separators; --split words also makes each punctuation mark or symbol a\n"
    "token ('Hello, world!' -> Hello , world !). --nfkc folds compatibility forms (full-width\n"
    "letters, ligatures), --strip-accents drops accents, --lower lowercases (Unicode-aware).\n"
    "--tokenizer FILE uses a subword tokenizer's pieces instead (a Hugging Face tokenizer.json or a\n"
    "SentencePiece .model; 'embedkit tokenizer train' makes one), so nothing is ever unknown.\n"
    "Use the same flags for 'vocab build' and 'tokenize'.";

void add_text_flags(CLI::App& command, TokenizerOptions& options) {
  CLI::Option* split =
      choices<Split>(command.add_option("--split", options.split, "How to cut text into tokens: whitespace or words"),
                     {{"whitespace", Split::whitespace}, {"words", Split::words}})
          ->default_str("whitespace")
          ->group("Tokenizing");
  CLI::Option* lower = command.add_flag("--lower", options.normalize.lowercase, "Lowercase (Unicode-aware)")->group("Tokenizing");
  CLI::Option* nfkc = command.add_flag("--nfkc", options.normalize.nfkc, "Apply Unicode NFKC normalisation")->group("Tokenizing");
  CLI::Option* strip = command.add_flag("--strip-accents", options.normalize.strip_accents, "Remove accents (é -> e)")
                           ->group("Tokenizing");
  add_invalid_utf8_option(command, options.invalid_utf8)->group("Tokenizing");
  CLI::Option* max_bytes = command.add_option("--max-token-bytes", options.max_token_bytes,
                                              "Split longer tokens at character boundaries")
                               ->check(whole_number(4, std::size_t{1} << 20U))
                               ->type_name("N")
                               ->capture_default_str()
                               ->group("Tokenizing");
  // The tokenizer file brings its own normalization and splitting: the word flags cannot join it.
  command
      .add_option_function<std::string>(
          "--tokenizer",
          [&options](const std::string& path) { options.splitter = subword_splitter(SubwordTokenizer::load(path), path); },
          "Subword tokenizer (Hugging Face tokenizer.json or SentencePiece .model): its pieces are the tokens")
      ->type_name("FILE")
      ->excludes(split)
      ->excludes(lower)
      ->excludes(nfkc)
      ->excludes(strip)
      ->excludes(max_bytes)
      ->group("Tokenizing");
}

CLI::Option* add_invalid_utf8_option(CLI::App& command, InvalidUtf8& policy) {
  return choices<InvalidUtf8>(
             command.add_option("--invalid-utf8", policy,
                                "On bytes that are not UTF-8: error (stop, naming the offset) or replace (U+FFFD)"),
             {{"error", InvalidUtf8::error}, {"replace", InvalidUtf8::replace}})
      ->default_str("error");
}

}  // namespace embedkit::cli
