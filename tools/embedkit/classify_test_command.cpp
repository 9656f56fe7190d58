// embedkit classify test: accuracy, P@k/R@k, per-label precision/recall/F1 and the confusion
// matrix of a classifier on labeled data.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "classify_flags.h"
#include "commands.h"
#include "embedkit/classify/classification_metrics.h"
#include "embedkit/classify/text_classifier.h"
#include "human_format.h"
#include "option_ranges.h"

namespace embedkit::cli {
namespace {

struct ClassifyTestFlags {
  std::string model, input;
  DataFlags data;
  std::size_t k = 1;
  float threshold = 0;
  bool json = false;
};

void run(ClassifyTestFlags& flags) {
  const TextClassifier model = TextClassifier::load(flags.model);
  flags.data.check_model(model);
  const LabeledData data = flags.data.read(flags.input);
  const ClassificationReport r = evaluate_classifier(model, data, flags.k, flags.threshold);
  if (flags.json) {
    nlohmann::json labels = nlohmann::json::array();
    std::vector<std::string> names;
    for (const auto& m : r.per_label) {
      names.push_back(m.label);
      labels.push_back({{"label", m.label},
                        {"support", m.support},
                        {"predicted", m.predicted},
                        {"correct", m.correct},
                        {"precision", m.precision},
                        {"recall", m.recall},
                        {"f1", m.f1}});
    }
    fmt::print("{}\n", nlohmann::json{{"examples", r.examples},
                                      {"accuracy", r.accuracy},
                                      {"k", r.k},
                                      {"precision_at_k", r.precision_at_k},
                                      {"recall_at_k", r.recall_at_k},
                                      {"macro_f1", r.macro_f1},
                                      {"labels", labels},
                                      {"confusion", {{"labels", names}, {"matrix", r.confusion}}}}
                           .dump(2));
    return;
  }
  fmt::print(
      "examples     {}\naccuracy     {:.4f}\nP@{}          {:.4f}\nR@{}          {:.4f}\nmacro F1     {:.4f}\n\n",
      group_digits(r.examples), r.accuracy, r.k, r.precision_at_k, r.k, r.recall_at_k, r.macro_f1);
  std::vector<std::string> labels;  // as they can be shown
  for (const auto& m : r.per_label) labels.push_back(printable(m.label));
  std::size_t width = 5;
  for (const auto& l : labels) width = std::max(width, l.size());
  fmt::print("{:<{}}  {:>9}  {:>9}  {:>9}  {:>9}\n", "label", width, "precision", "recall", "F1", "support");
  for (std::size_t i = 0; i < r.per_label.size(); ++i) {
    const auto& m = r.per_label[i];
    fmt::print("{:<{}}  {:>9.4f}  {:>9.4f}  {:>9.4f}  {:>9}\n", labels[i], width, m.precision, m.recall, m.f1,
               m.support);
  }
  if (r.per_label.size() <= 20) {
    fmt::print("\nconfusion (rows: gold, columns: predicted)\n{:<{}}", "", width);
    for (const auto& l : labels) fmt::print("  {:>{}}", l, std::max<std::size_t>(l.size(), 6));
    fmt::print("\n");
    for (std::size_t g = 0; g < r.per_label.size(); ++g) {
      fmt::print("{:<{}}", labels[g], width);
      for (std::size_t p = 0; p < r.per_label.size(); ++p) {
        fmt::print("  {:>{}}", r.confusion[g][p], std::max<std::size_t>(labels[p].size(), 6));
      }
      fmt::print("\n");
    }
  }
}

}  // namespace

void add_classify_test_command(CLI::App& classify) {
  auto flags = std::make_shared<ClassifyTestFlags>();
  CLI::App* cmd = classify.add_subcommand("test", "Accuracy, per-label P/R/F1 and confusion matrix on labeled data");
  cmd->add_option("model", flags->model, "A model from 'classify train'")->required();
  cmd->add_option("input", flags->input, "Labeled data ('-' = stdin)")->required();
  cmd->add_option("-k", flags->k, "Labels predicted per example, for P@k and R@k")
      ->check(whole_number(1, kMaxRows))
      ->capture_default_str();
  cmd->add_option("--threshold", flags->threshold, "Ignore predictions below this probability")
      ->check(real_number(0, 1))
      ->capture_default_str();
  cmd->add_flag("--json", flags->json, "Print a JSON object (accuracy, precision_at_k, labels, confusion)");
  add_data_flags(*cmd, flags->data);
  cmd->footer(
      "Examples:\n"
      "  embedkit classify test model.ekv test.txt\n"
      "  embedkit classify test model.ekv test.txt -k 5 --json     # P@5 / R@5 for multi-label data\n\n" +
      std::string(kDataHelp));
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
