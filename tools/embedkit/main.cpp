// embedkit: the command-line front end. This file only dispatches to subcommands and turns
// errors into a one-line message and a non-zero exit status.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <exception>

#include "commands.h"
#include "embedkit/core/atomic_file.h"
#include "embedkit/core/error.h"
#include "human_format.h"
#include "usage_errors.h"

namespace {

constexpr int kExitUsage = 2;   // bad command line: unknown option, value out of range, options that clash
constexpr int kExitInput = 1;   // bad input data, I/O failure or other runtime error

}  // namespace

int main(int argc, char** argv) {
  // Ctrl-C during a long write leaves no "<output>.tmp.*" file behind.
  embedkit::remove_temporary_files_on_signals();
  CLI::App app{"embedkit: text -> tokens -> ids -> embeddings, end to end."};
  app.require_subcommand(1);
  // Unknown options and commands with the closest real names, choices listed (usage_errors.h).
  app.failure_message(
      [](const CLI::App* root, const CLI::Error& e) { return embedkit::cli::usage_error_message(*root, e); });
  app.set_version_flag("--version", "embedkit 0.1.0");
  app.footer(
      "Examples:\n"
      "  embedkit vocab build --input corpus.txt --min-count 5 --output vocab.tsv\n"
      "  embedkit vocab info vocab.tsv\n"
      "  echo 'Hello, world!' | embedkit tokenize --split words --lower\n"
      "  embedkit train -i corpus.txt -o vectors.ekv\n"
      "  embedkit info glove.6B.100d.txt\n"
      "  embedkit convert cc.en.300.bin cc.ekv\n"
      "  embedkit vectors cc.ekv king unfathomableness\n"
      "  embedkit neighbors cc.ekv king paris -k 5\n"
      "  embedkit analogy cc.ekv man king woman\n"
      "  embedkit similarity cc.ekv cat dog\n"
      "  embedkit eval cc.ekv --similarity wordsim353.tsv --analogy questions-words.txt\n"
      "  embedkit plot cc.ekv --words king,queen,man,woman --words paris,berlin --neighbors 5 -o map.png\n"
      "  embedkit classify train -i train.txt -o sentiment.ekv --word-ngrams 2\n"
      "\n"
      "Run 'embedkit COMMAND --help' for the options and examples of each command.");
  embedkit::cli::add_vocab_commands(app);
  embedkit::cli::add_tokenize_command(app);
  embedkit::cli::add_tokenizer_commands(app);
  embedkit::cli::add_info_command(app);
  embedkit::cli::add_convert_command(app);
  embedkit::cli::add_compress_command(app);
  embedkit::cli::add_vectors_command(app);
  embedkit::cli::add_train_command(app);
  embedkit::cli::add_sweep_dim_command(app);
  embedkit::cli::add_pretrain_command(app);
  embedkit::cli::add_encode_command(app);
  embedkit::cli::add_classify_commands(app);
  embedkit::cli::add_neighbors_command(app);
  embedkit::cli::add_analogy_command(app);
  embedkit::cli::add_similarity_command(app);
  embedkit::cli::add_eval_command(app);
  embedkit::cli::add_plot_command(app);
  embedkit::cli::add_serve_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  } catch (const embedkit::ArgumentError& e) {
    // An option value that run() found wrong (--lr -1, --freeze without --pretrained, ...).
    std::fflush(stdout);
    fmt::print(stderr, "embedkit: error: {}\n", embedkit::cli::printable(e.what()));
    return kExitUsage;
  } catch (const std::exception& e) {
    // Messages quote words and lines from files: escaped, they cannot drive the terminal.
    std::fflush(stdout);
    fmt::print(stderr, "embedkit: error: {}\n", embedkit::cli::run_error_message(app, e));
    return kExitInput;
  }
  return 0;
}
