// embedkit tokenizer: the group of subword tokenizer commands. Each subcommand lives in its own
// tokenizer_<name>_command.cpp.
#include "commands.h"

namespace embedkit::cli {

void add_tokenizer_commands(CLI::App& app) {
  CLI::App* group = app.add_subcommand("tokenizer", "Learn subword tokenizers (BPE, WordPiece, Unigram)");
  group->require_subcommand(1);
  group->footer(
      "Examples:\n"
      "  embedkit tokenizer train -i corpus.txt -o tok.json --model unigram --vocab-size 32000\n"
      "  embedkit tokenize --tokenizer tok.json --text 'Subword pieces' --pieces");
  add_tokenizer_train_command(*group);
}

}  // namespace embedkit::cli
