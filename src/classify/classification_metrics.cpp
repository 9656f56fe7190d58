#include "embedkit/classify/classification_metrics.h"

#include <algorithm>

#include <fmt/format.h>

#include "embedkit/core/error.h"

namespace embedkit {

ClassificationReport evaluate_classifier(const TextClassifier& model, const LabeledData& data, std::size_t k,
                                         float threshold) {
  EMBEDKIT_CHECK(k >= 1, ArgumentError, "k must be at least 1");
  ClassificationReport report;
  report.k = k;
  report.examples = data.examples.size();
  for (std::uint32_t l = 0; l < model.label_count(); ++l) report.per_label.push_back({.label = std::string(model.label(l))});
  auto index_of = [&](const std::string& label) -> std::size_t {
    if (const auto id = model.find_label(label)) return *id;
    for (std::size_t i = model.label_count(); i < report.per_label.size(); ++i) {
      if (report.per_label[i].label == label) return i;
    }
    report.per_label.push_back({.label = label});
    return report.per_label.size() - 1;
  };
  // Gold label indices first (this may add unseen labels), then the matrix.
  std::vector<std::vector<std::size_t>> gold(data.examples.size());
  for (std::size_t i = 0; i < data.examples.size(); ++i) {
    for (const auto& l : data.examples[i].labels) gold[i].push_back(index_of(l));
  }
  const std::size_t labels = report.per_label.size();
  report.confusion.assign(labels, std::vector<std::size_t>(labels, 0));

  const auto predictions = model.predict_all(data, std::max<std::size_t>(k, 1), threshold);
  std::size_t top1_correct = 0, hits = 0, predicted_total = 0, gold_total = 0;
  for (std::size_t i = 0; i < data.examples.size(); ++i) {
    const auto& g = gold[i];
    const auto& p = predictions[i];
    gold_total += g.size();
    predicted_total += p.size();
    for (const auto& s : p) hits += static_cast<std::size_t>(std::count(g.begin(), g.end(), s.label));
    for (const std::size_t l : g) ++report.per_label[l].support;
    if (p.empty()) continue;  // below the threshold: no prediction
    const std::size_t top = p.front().label;
    ++report.per_label[top].predicted;
    if (std::find(g.begin(), g.end(), top) != g.end()) {
      ++top1_correct;
      ++report.per_label[top].correct;
    }
    if (!g.empty()) ++report.confusion[g.front()][top];
  }
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  report.accuracy = ratio(static_cast<double>(top1_correct), static_cast<double>(report.examples));
  report.precision_at_k = ratio(static_cast<double>(hits), static_cast<double>(predicted_total));
  report.recall_at_k = ratio(static_cast<double>(hits), static_cast<double>(gold_total));
  double f1_sum = 0;
  std::size_t f1_labels = 0;
  for (auto& m : report.per_label) {
    m.precision = ratio(static_cast<double>(m.correct), static_cast<double>(m.predicted));
    m.recall = ratio(static_cast<double>(m.correct), static_cast<double>(m.support));
    m.f1 = ratio(2 * m.precision * m.recall, m.precision + m.recall);
    if (m.support > 0 || m.predicted > 0) {
      f1_sum += m.f1;
      ++f1_labels;
    }
  }
  report.macro_f1 = ratio(f1_sum, static_cast<double>(f1_labels));
  return report;
}

}  // namespace embedkit
