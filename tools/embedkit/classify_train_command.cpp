// embedkit classify train: train a text classifier (fastText's supervised mode, on embedkit's
// embedding layer), optionally searching its hyperparameters on a validation file, and save it.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "classify_flags.h"
#include "commands.h"
#include "embedkit/classify/model_selection.h"
#include "embedkit/core/error.h"
#include "embedkit/classify/text_classifier.h"
#include "human_format.h"
#include "option_ranges.h"
#include "output_paths.h"
#include "progress_bar.h"

namespace embedkit::cli {
namespace {

struct ClassifyTrainFlags {
  std::string input, output;
  DataFlags data;
  ModelFlags model;
  std::string autotune_validation;
  double autotune_duration = 300;
  std::string checkpoint, resume;
  bool quiet = false, progress = false, json = false;
};

void run(ClassifyTrainFlags& flags) {
  ClassifierOptions options = flags.model.resolve();
  options.tokenizer = flags.data.tokenizer_record();
  options.checkpoint = flags.checkpoint;
  options.resume = flags.resume;
  if (!flags.checkpoint.empty()) {
    refuse_same_file(flags.checkpoint, "--checkpoint", flags.input, "--input");
    refuse_same_file(flags.checkpoint, "--checkpoint", flags.output, "--output");
    refuse_same_file(flags.checkpoint, "--checkpoint", options.pretrained, "--pretrained");
    check_writable(flags.checkpoint, "--checkpoint");
    refuse_foreign_checkpoint(flags.checkpoint, "--checkpoint", "embedkit.classifier");
  }
  refuse_same_file(flags.output, "--output", flags.resume, "--resume");
  EMBEDKIT_CHECK(flags.resume.empty() || flags.autotune_validation.empty(), ArgumentError,
                 "--resume continues one run; --autotune-validation searches many: use one of them");
  // Before any training: the model must be writable and must not replace an input.
  (void)file_output(flags.output, "--output", "the model");
  refuse_same_file(flags.output, "--output", flags.input, "--input");
  refuse_same_file(flags.output, "--output", flags.autotune_validation, "--autotune-validation");
  refuse_same_file(flags.output, "--output", options.pretrained, "--pretrained");
  check_writable(flags.output, "--output");
  const auto start = std::chrono::steady_clock::now();
  const LabeledData data = flags.data.read(flags.input);
  std::optional<TextClassifier> model;
  nlohmann::json summary;
  if (!flags.autotune_validation.empty()) {
    const LabeledData validation = flags.data.read(flags.autotune_validation);
    AutotuneResult tuned =
        autotune(data, validation, options, {.seconds = flags.autotune_duration, .seed = options.seed},
                 [&](const AutotuneTrial& t, bool best) {
                   const auto& o = t.options;
                   if (flags.json) {
                     fmt::print(stderr, "{}\n",
                                nlohmann::json{{"event", "trial"},
                                               {"accuracy", t.accuracy},
                                               {"lr", o.learning_rate},
                                               {"dim", o.dim},
                                               {"epochs", o.epochs},
                                               {"word_ngrams", o.word_ngrams},
                                               {"seconds", t.seconds},
                                               {"best", best}}
                                    .dump());
                   } else if (!flags.quiet) {
                     fmt::print(stderr,
                                "trial: accuracy {:.4f}  lr {:.3f}  dim {}  epochs {}  word-ngrams {}"
                                "  ({:.1f} s){}\n",
                                t.accuracy, o.learning_rate, o.dim, o.epochs, o.word_ngrams, t.seconds,
                                best ? "  best so far" : "");
                   }
                 });
    const auto& b = tuned.best_trial;
    summary["autotune"] = {{"trials", tuned.trials.size()}, {"validation_accuracy", b.accuracy},
                           {"lr", b.options.learning_rate}, {"dim", b.options.dim},
                           {"epochs", b.options.epochs},    {"word_ngrams", b.options.word_ngrams}};
    if (!flags.quiet && !flags.json) {
      fmt::print(stderr,
                 "autotune: best of {} trials: validation accuracy {:.4f} with --lr {:.3f} --dim {} --epochs {} "
                 "--word-ngrams {}\n",
                 tuned.trials.size(), b.accuracy, b.options.learning_rate, b.options.dim, b.options.epochs,
                 b.options.word_ngrams);
    }
    model.emplace(std::move(*tuned.best));
  } else {
    ProgressBar bar("training", !flags.quiet && !flags.json && (flags.progress || ProgressBar::stderr_is_terminal()),
                    ProgressBar::Units::work);
    model.emplace(
        TextClassifier::train(data, options, progress_callbacks(bar, flags.json, flags.quiet, options.epochs)));
    bar.finish();
  }
  model->save(flags.output);
  const bool transformer = model->options().encoder == ClassifierEncoder::transformer;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary.update({{"event", "done"},
                  {"output", flags.output},
                  {"examples", data.examples.size()},
                  {"labels", model->label_count()},
                  {"words", model->word_count()},
                  {"ngram_rows", model->bucket_rows()},
                  {"dim", model->dim()},
                  {"encoder", classifier_encoder_name(model->options().encoder)},
                  {"optimizer", transformer ? "adamw" : classifier_optimizer_name(model->options().optimizer)},
                  {"lr", std::stod(fmt::format("{:g}", model->options().learning_rate))},  // 0.01, not 0.0099999998
                  {"seconds", seconds}});
  if (flags.json) {
    fmt::print(stderr, "{}\n", summary.dump());
  } else if (!flags.quiet) {
    const std::string how =
        transformer ? fmt::format("transformer: {} layers of {} heads, {} positions; AdamW + lazy Adam",
                                  model->options().transformer.layers, model->options().transformer.heads,
                                  nn::position_kind_name(model->options().transformer.positions))
                    : std::string(classifier_optimizer_name(model->options().optimizer));
    fmt::print(stderr, "wrote {}: {} labels, {} words + {} n-gram rows x {}, from {} examples in {:.2f} s ({}, lr {:g})\n",
               printable(flags.output), model->label_count(), group_digits(model->word_count()),
               group_digits(model->bucket_rows()), model->dim(), group_digits(data.examples.size()), seconds, how,
               model->options().learning_rate);
  }
}

}  // namespace

void add_classify_train_command(CLI::App& classify) {
  auto flags = std::make_shared<ClassifyTrainFlags>();
  CLI::App* cmd = classify.add_subcommand("train", "Train a classifier and save it (native format)");
  cmd->add_option("-i,--input", flags->input, "Labeled training data")->required();
  cmd->add_option("-o,--output", flags->output, "Where to write the model")->required();
  add_model_flags(*cmd, flags->model);
  add_data_flags(*cmd, flags->data);
  cmd->add_option("--autotune-validation", flags->autotune_validation,
                  "Search lr, dim, epochs and word n-grams for the best accuracy on this labeled file");
  cmd->add_option("--autotune-duration", flags->autotune_duration, "Seconds the search may take")
      ->check(real_number(0, 604800, Ends::open_low))
      ->capture_default_str();
  cmd->add_option("--checkpoint", flags->checkpoint,
                  "transformer: write the model here at the end of every epoch (a model, and a place to resume)");
  cmd->add_option("--resume", flags->resume,
                  "transformer: continue a --checkpoint on the same data (its settings apply; --threads is this run's)");
  cmd->add_flag("-q,--quiet", flags->quiet, "No progress, no summary");
  cmd->add_flag("--progress", flags->progress, "Draw progress even when stderr is not a terminal");
  cmd->add_flag("--json", flags->json, "Progress and summary as JSON lines on stderr");
  cmd->footer(
      std::string(
          "Examples:\n"
          "  embedkit classify train -i train.txt -o model.ekv                      # fastText's defaults\n"
          "  embedkit classify train -i train.txt -o model.ekv --word-ngrams 2 --lr 0.5 --epochs 10\n"
          "  embedkit classify train -i train.tsv -o model.ekv --pretrained wiki.vec --unfreeze-after 2\n"
          "  embedkit classify train -i train.txt -o model.ekv --autotune-validation dev.txt --autotune-duration 60\n"
          "\n"
          "Defaults are fastText's supervised ones: dim 100, 5 epochs, lr 0.1, words only, softmax.\n"
          "Only n-gram buckets that occur in the data get rows, so --word-ngrams 2 costs memory in\n"
          "proportion to the data, not to --bucket. --pretrained fills the word rows from a vector file\n"
          "and prints how many words it covered; --freeze keeps them fixed, --unfreeze-after N\n"
          "fine-tunes them after N epochs.\n\n") +
      std::string(kDataHelp));
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
