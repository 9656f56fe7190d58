#include "text_flags.h"

#include <string>

#include "option_choices.h"
#include "option_ranges.h"

namespace embedkit::cli {

const char* const kTextFlagsHelp =
    "Tokenizing: text must be UTF-8 (--invalid-utf8 replace substitutes U+FFFD for bad bytes\n"
    "instead of stopping with the byte offset). --split whitespace (default) cuts at spaces,\n"
    "tabs and Unicode separators; --split words also makes each punctuation mark or symbol a\n"
    "token ('Hello, world!' -> Hello , world !). --nfkc folds compatibility forms (full-width\n"
    "letters, ligatures), --strip-accents drops accents, --lower lowercases (Unicode-aware).\n"
    "Use the same flags for 'vocab build' and 'tokenize'.";

void add_text_flags(CLI::App& command, TokenizerOptions& options) {
  choices<Split>(command.add_option("--split", options.split, "How to cut text into tokens: whitespace or words"),
                 {{"whitespace", Split::whitespace}, {"words", Split::words}})
      ->default_str("whitespace")
      ->group("Tokenizing");
  command.add_flag("--lower", options.normalize.lowercase, "Lowercase (Unicode-aware)")->group("Tokenizing");
  command.add_flag("--nfkc", options.normalize.nfkc, "Apply Unicode NFKC normalisation")->group("Tokenizing");
  command.add_flag("--strip-accents", options.normalize.strip_accents, "Remove accents (é -> e)")
      ->group("Tokenizing");
  add_invalid_utf8_option(command, options.invalid_utf8)->group("Tokenizing");
  command.add_option("--max-token-bytes", options.max_token_bytes,
                     "Split longer tokens at character boundaries")
      ->check(whole_number(4, std::size_t{1} << 20U))
      ->type_name("N")
      ->capture_default_str()
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
