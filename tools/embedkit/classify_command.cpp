// embedkit classify: the group of text-classifier commands (fastText's supervised mode, on
// embedkit's embedding layer). Each subcommand lives in its own classify_<name>_command.cpp.
#include "commands.h"

namespace embedkit::cli {

void add_classify_commands(CLI::App& app) {
  CLI::App* classify = app.add_subcommand("classify", "Text classification (fastText's supervised mode)");
  classify->require_subcommand(1);
  classify->footer(
      "Examples:\n"
      "  embedkit classify train -i train.txt -o sentiment.ekv --word-ngrams 2 --epochs 10\n"
      "  embedkit classify test sentiment.ekv dev.txt\n"
      "  echo 'a gorgeous , witty film' | embedkit classify predict sentiment.ekv -k 2 --prob\n"
      "  embedkit classify cv -i reviews.txt --folds 10 --encoding cp1252\n");

  add_classify_train_command(*classify);
  add_classify_test_command(*classify);
  add_classify_predict_command(*classify);
  add_classify_cv_command(*classify);
  add_classify_quantize_command(*classify);
}

}  // namespace embedkit::cli
