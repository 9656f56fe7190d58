// embedkit classify cv: k-fold cross-validation of a classifier, for data without a test split.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "classify_flags.h"
#include "commands.h"
#include "embedkit/classify/model_selection.h"
#include "human_format.h"
#include "option_ranges.h"

namespace embedkit::cli {
namespace {

struct ClassifyCvFlags {
  std::string input;
  DataFlags data;
  ModelFlags model;
  CrossValidationOptions cv;
  bool json = false, quiet = false;
};

void run(ClassifyCvFlags& flags) {
  const ClassifierOptions options = flags.model.resolve();
  const LabeledData data = flags.data.read(flags.input);
  const auto result = cross_validate(data, options, flags.cv, [&](std::size_t fold, double accuracy) {
    if (!flags.quiet && !flags.json)
      fmt::print(stderr, "fold {}/{}: accuracy {:.4f}\n", fold + 1, flags.cv.folds, accuracy);
  });
  double seconds = 0;
  for (const double s : result.fold_seconds) seconds += s;
  if (flags.json) {
    fmt::print("{}\n", nlohmann::json{{"folds", flags.cv.folds},
                                      {"examples", data.examples.size()},
                                      {"accuracy", result.mean_accuracy},
                                      {"stddev", result.stddev_accuracy},
                                      {"fold_accuracy", result.fold_accuracy},
                                      {"training_seconds", seconds}}
                           .dump());
  } else {
    fmt::print("{}-fold cross-validation on {} examples: accuracy {:.4f} +- {:.4f} (training {:.2f} s in all)\n",
               flags.cv.folds, group_digits(data.examples.size()), result.mean_accuracy, result.stddev_accuracy,
               seconds);
  }
}

}  // namespace

void add_classify_cv_command(CLI::App& classify) {
  auto flags = std::make_shared<ClassifyCvFlags>();
  CLI::App* cmd = classify.add_subcommand("cv", "k-fold cross-validation (for data without a test split)");
  cmd->add_option("-i,--input", flags->input, "Labeled data")->required();
  cmd->add_option("--folds", flags->cv.folds, "Number of folds")->check(whole_number(2, 100000))->capture_default_str();
  cmd->add_option("--split-seed", flags->cv.seed, "Seed of the shuffle that deals examples into folds")
      ->check(whole_number(0, UINT64_MAX))
      ->capture_default_str();
  add_model_flags(*cmd, flags->model);
  add_data_flags(*cmd, flags->data);
  cmd->add_flag("--json", flags->json, "Print a JSON object (accuracy, stddev, fold_accuracy)");
  cmd->add_flag("-q,--quiet", flags->quiet, "No per-fold lines");
  cmd->footer(
      "Examples:\n"
      "  embedkit classify cv -i reviews.txt --folds 10 --word-ngrams 2\n"
      "  embedkit classify cv -i rt-polarity.txt --encoding cp1252 --json\n\n" +
      std::string(kDataHelp));
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
