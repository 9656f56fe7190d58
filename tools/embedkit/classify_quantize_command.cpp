// embedkit classify quantize: a smaller classifier (fastText's `quantize`): the rows of largest
// norm kept, retrained, and stored as codes.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "classify_flags.h"
#include "commands.h"
#include "embedkit/classify/classification_metrics.h"
#include "embedkit/classify/text_classifier.h"
#include "embedkit/core/error.h"
#include "human_format.h"
#include "option_choices.h"
#include "option_ranges.h"
#include "output_paths.h"
#include "progress_bar.h"

namespace embedkit::cli {
namespace {

struct ClassifyQuantizeFlags {
  std::string model, output, input, test;
  std::string codec = "pq";
  ClassifierQuantization q;
  bool retrain = false;
  DataFlags data;
  bool quiet = false, progress = false, json = false;
};


void run(ClassifyQuantizeFlags& flags) {
  EMBEDKIT_CHECK(!flags.retrain || !flags.input.empty(), ArgumentError,
                 "--retrain trains on the training data again: give it with --input FILE");
  refuse_same_file(flags.output, "--output", flags.model, "model");
  refuse_same_file(flags.output, "--output", flags.input, "--input");
  check_writable(flags.output, "--output");
  flags.q.codec = parse_codec(flags.codec);
  const auto start = std::chrono::steady_clock::now();
  const TextClassifier model = TextClassifier::load(flags.model);
  flags.data.check_model(model);
  std::optional<LabeledData> train, test;
  if (flags.retrain) train = flags.data.read(flags.input);
  if (!flags.test.empty()) test = flags.data.read(flags.test);
  const std::size_t epochs = flags.q.retrain_epochs > 0 ? flags.q.retrain_epochs : model.options().epochs;
  ProgressBar bar("retraining",
                  flags.retrain && !flags.quiet && !flags.json && (flags.progress || ProgressBar::stderr_is_terminal()),
                  ProgressBar::Units::work);
  const TextClassifier small =
      model.quantize(flags.q, train ? &*train : nullptr, progress_callbacks(bar, flags.json, flags.quiet, epochs));
  bar.finish();
  small.save(flags.output);
  const bool retrained = flags.retrain && small.word_count() + small.bucket_rows() < model.word_count() + model.bucket_rows();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  nlohmann::json out{{"model", flags.model},
                     {"output", flags.output},
                     {"codec", small.compressed_rows()->description()},
                     {"rows_before", model.word_count() + model.bucket_rows()},
                     {"rows_after", small.word_count() + small.bucket_rows()},
                     {"file_bytes_before", file_bytes(flags.model)},
                     {"file_bytes_after", file_bytes(flags.output)},
                     {"retrained", retrained},
                     {"seconds", seconds}};
  if (test) {
    const double before = evaluate_classifier(model, *test).accuracy;
    const double after = evaluate_classifier(small, *test).accuracy;
    out["test"] = {{"file", flags.test}, {"examples", test->examples.size()}, {"accuracy_before", before},
                   {"accuracy_after", after}, {"change", after - before}};
  }
  if (flags.json) {
    fmt::print("{}\n", out.dump(2));
    return;
  }
  if (flags.quiet) return;
  const auto before = out["file_bytes_before"].get<std::uint64_t>(), after = out["file_bytes_after"].get<std::uint64_t>();
  fmt::print("wrote {}: {} rows of {} as {}{} ({:.1f} s)\n", printable(flags.output),
             group_digits(out["rows_after"].get<std::size_t>()), group_digits(out["rows_before"].get<std::size_t>()),
             out["codec"].get<std::string>(),
             retrained        ? ", retrained"
             : flags.retrain ? " (not retrained: the cutoff kept every row, as fastText does then)"
                             : "",
             seconds);
  fmt::print("  file  {} -> {}  ({:.1f}x smaller)\n", human_bytes(static_cast<double>(before)),
             human_bytes(static_cast<double>(after)), static_cast<double>(before) / static_cast<double>(std::max<std::uint64_t>(after, 1)));
  if (test) {
    const auto& t = out["test"];
    fmt::print("  accuracy on {}: {:.4f} -> {:.4f} ({:+.4f})\n", printable(flags.test), t["accuracy_before"].get<double>(),
               t["accuracy_after"].get<double>(), t["change"].get<double>());
  }
}

}  // namespace

void add_classify_quantize_command(CLI::App& classify) {
  auto flags = std::make_shared<ClassifyQuantizeFlags>();
  CLI::App* cmd = classify.add_subcommand("quantize", "Make a classifier smaller (fastText's quantize)");
  cmd->add_option("model", flags->model, "A model from 'classify train'")->required();
  cmd->add_option("-o,--output", flags->output, "Where to write the smaller model")->required();
  cmd->add_option("--cutoff", flags->q.cutoff,
                  "Keep only the N embedding rows (words, n-grams) of largest norm (0 = all)")
      ->check(whole_number(0, kMaxRows))
      ->capture_default_str();
  cmd->add_flag("--retrain", flags->retrain, "Train the kept rows and the output layer again on --input");
  cmd->add_option("-i,--input", flags->input, "Training data, for --retrain");
  cmd->add_option("--epochs", flags->q.retrain_epochs, "Retraining epochs (0 = the model's)")
      ->check(whole_number(0, 100000));
  cmd->add_option("--lr", flags->q.retrain_learning_rate, "Retraining learning rate (0 = the model's)")
      ->check(real_number(0, 1e6));
  choices(cmd->add_option("--codec", flags->codec, "How rows are stored: pq, int8, int4 or f16"),
          {"pq", "int8", "int4", "f16"})
      ->capture_default_str();
  cmd->add_option("--dsub", flags->q.dsub, "pq: values per sub-vector, one byte each (fastText's -dsub)")
      ->check(whole_number(1, 100000))
      ->capture_default_str();
  cmd->add_flag("--qnorm", flags->q.separate_norms, "pq: keep each row's norm apart (fastText's -qnorm)");
  cmd->add_option("--test", flags->test, "Labeled data to measure the accuracy before and after on");
  cmd->add_option("--threads", flags->q.threads, "Threads (0 = all cores)")->check(whole_number(0, 1024));
  cmd->add_option("--seed", flags->q.seed, "Seed of the codebooks' k-means")->capture_default_str();
  cmd->add_flag("--progress", flags->progress, "Draw the retraining progress bar even when stderr is not a terminal");
  cmd->add_flag("--json", flags->json, "Print the report as one JSON object");
  cmd->add_flag("-q,--quiet", flags->quiet, "Print nothing on success");
  add_data_flags(*cmd, flags->data);
  cmd->footer(
      "Examples:\n"
      "  embedkit classify quantize model.ekc -o model-small.ekc --cutoff 100000 --retrain -i train.txt --qnorm\n"
      "  embedkit classify quantize model.ekc -o model-small.ekc --codec int8 --test dev.txt\n"
      "\n"
      "As fastText's quantize: --cutoff keeps the rows of largest norm (and the end-of-sentence row);\n"
      "--retrain then trains them and the output layer again, when the cutoff dropped rows (with\n"
      "the model's optimizer, epochs and learning rate unless --epochs / --lr say otherwise); the\n"
      "rows are stored as product-quantization codes (--dsub values per byte) or another codec.\n"
      "The output layer stays float. The smaller model predicts with exactly the rows its file\n"
      "holds; every classify command reads it as any model.\n\n" +
      std::string(kDataHelp));
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
