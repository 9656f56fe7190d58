// How well a classifier does on labeled data: accuracy, per-label precision/recall/F1, the
// confusion matrix, and fastText's P@k / R@k for multi-label data (part of embedkit::train).
//
//   auto report = embedkit::evaluate_classifier(model, test, /*k=*/1);
//   fmt::print("accuracy {:.4f}\n", report.accuracy);
//
// Definitions (N examples, gold label sets G_i, top-k predictions P_i):
//   accuracy   fraction of examples whose most probable label is in G_i (= P@1 for one label each)
//   P@k        sum |P_i ∩ G_i| / sum |P_i|      R@k   sum |P_i ∩ G_i| / sum |G_i|   (as fastText's test)
//   per label  from the top-1 predictions: precision = correct / predicted, recall = correct / support
//   confusion  rows: each example's first gold label; columns: its top-1 prediction.
// Gold labels the model never saw count as errors; they are listed after the model's labels.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "embedkit/classify/labeled_data.h"
#include "embedkit/classify/text_classifier.h"

namespace embedkit {

struct LabelMetrics {
  std::string label;
  std::size_t support = 0;    ///< examples with this gold label
  std::size_t predicted = 0;  ///< examples predicted (top-1) as this label
  std::size_t correct = 0;
  double precision = 0, recall = 0, f1 = 0;
};

struct ClassificationReport {
  std::size_t examples = 0;
  std::size_t k = 1;
  double accuracy = 0;
  double precision_at_k = 0;
  double recall_at_k = 0;
  double macro_f1 = 0;
  std::vector<LabelMetrics> per_label;             ///< model labels, then unseen gold labels
  std::vector<std::vector<std::size_t>> confusion; ///< [gold][predicted], same order as per_label
};

/// Throws ArgumentError when k is 0.
[[nodiscard]] ClassificationReport evaluate_classifier(const TextClassifier& model, const LabeledData& data,
                                                       std::size_t k = 1, float threshold = 0.0F);

}  // namespace embedkit
