// embedkit vocab: the group of vocabulary commands. Each subcommand lives in its own
// vocab_<name>_command.cpp.
#include "commands.h"

namespace embedkit::cli {

void add_vocab_commands(CLI::App& app) {
  CLI::App* vocab = app.add_subcommand("vocab", "Build and inspect vocabularies");
  vocab->require_subcommand(1);
  vocab->footer(
      "Examples:\n"
      "  embedkit vocab build --input corpus.txt --min-count 5 --output vocab.tsv\n"
      "  embedkit vocab info vocab.tsv");
  add_vocab_build_command(*vocab);
  add_vocab_info_command(*vocab);
}

}  // namespace embedkit::cli
