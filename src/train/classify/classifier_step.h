// Private to embedkit::train: what both classifier training paths share, the encoded examples
// and the loss of one example (the output layer's step, and the step for the bag's output).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "classify/classifier_model.h"
#include "embedkit/classify/text_classifier.h"
#include "kernels/kernels.h"
#include "train/objectives/classifier_losses.h"

namespace embedkit::detail {

using ClassifierModelImpl = TextClassifier::Impl;

/// Every example once as feature rows (words, then n-gram buckets) and label ids.
struct EncodedExamples {
  std::vector<TokenId> features;          // all examples back to back
  std::vector<std::uint64_t> offsets;     // examples + 1
  std::vector<std::uint32_t> targets;     // label ids, back to back
  std::vector<std::uint64_t> target_offsets;

  [[nodiscard]] std::size_t size() const noexcept { return offsets.size() - 1; }
  [[nodiscard]] std::span<const TokenId> features_of(std::size_t e) const {
    return {features.data() + offsets[e], offsets[e + 1] - offsets[e]};
  }
  [[nodiscard]] std::span<const std::uint32_t> targets_of(std::size_t e) const {
    return {targets.data() + target_offsets[e], target_offsets[e + 1] - target_offsets[e]};
  }
};

/// The loss of one example whose bag gives `hidden`: updates the output layer (or, with
/// `output_step`, accumulates its step there), accumulates the step for `hidden` into `grad`
/// (contract of objectives/classifier_losses.h), and returns the loss. `scores`: one float per label.
inline float classifier_example_loss(ClassifierModelImpl& model, const float* hidden, std::span<const std::uint32_t> targets,
                                     float lr, float* grad, float* scores, float* output_step = nullptr) {
  const kernels::KernelTable& k = kernels::kernels();
  float* out = model.output.data();
  const std::size_t stride = model.output.stride();
  const std::size_t dim = model.dim();
  const std::size_t labels = model.labels.size();
  switch (model.options.loss) {
    case ClassifierLoss::softmax:
      return softmax_loss(hidden, out, stride, labels, targets, lr, grad, scores, dim, k, output_step);
    case ClassifierLoss::one_vs_all:
      return one_vs_all_loss<TableSigmoid>(hidden, out, stride, labels, targets, lr, grad, dim, k, output_step);
    case ClassifierLoss::hierarchical_softmax:
      return hierarchical_softmax_loss<TableSigmoid>(hidden, out, stride, *model.tree, targets, lr, grad, dim, k,
                                                     output_step);
  }
  return 0.0F;
}

/// Trains `model` (its input bag and output layer set up) on `examples` in mini-batches through
/// the layer's sparse optimizers (options.optimizer adagrad or adam).
void train_in_batches(ClassifierModelImpl& model, const EncodedExamples& examples, const ClassifierCallbacks& callbacks);

}  // namespace embedkit::detail
