// Private to embedkit::train: what both classifier training paths share: the encoded examples,
// each epoch's order, dropout, the loss of one example (the output layer's step, and the step
// for the bag's output), and progress in the classifier's terms.
#pragma once

#include <cstdint>
#include <numeric>
#include <string>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>
#include <span>
#include <vector>

#include "classify/classifier_model.h"
#include "core/content_hash.h"
#include "embedkit/classify/text_classifier.h"
#include "embedkit/core/error.h"
#include "embedkit/core/random.h"
#include "kernels/kernels.h"
#include "train/hogwild.h"
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

/// A hash of encoded examples (features, labels and where each starts), to tell data apart.
inline std::string examples_hash(const EncodedExamples& e) {
  ContentHash hash;
  auto add = [&](const auto& v) {
    hash.update(std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(v[0])));
  };
  add(e.features);
  add(e.offsets);
  add(e.targets);
  add(e.target_offsets);
  return fmt::format("{:016x}", hash.digest());
}

/// Every example of `data` encoded once: `features(tokens, out)` appends an example's feature
/// rows (the model's features with the caller's bucket-to-row rule), labels become the model's
/// ids. A label the model lacks is a FormatError naming its line.
template <class Features>
EncodedExamples encode_examples(const ClassifierModelImpl& model, const LabeledData& data, Features&& features) {
  std::unordered_map<std::string_view, std::uint32_t> label_id;
  for (std::size_t i = 0; i < model.labels.size(); ++i) label_id[model.labels[i]] = static_cast<std::uint32_t>(i);
  EncodedExamples enc;
  enc.offsets.reserve(data.examples.size() + 1);
  enc.target_offsets.reserve(data.examples.size() + 1);
  enc.offsets.push_back(0);
  enc.target_offsets.push_back(0);
  for (const auto& ex : data.examples) {
    features(ex.tokens, enc.features);
    enc.offsets.push_back(enc.features.size());
    for (const auto& l : ex.labels) {
      const auto found = label_id.find(l);
      EMBEDKIT_CHECK(found != label_id.end(), FormatError,
                     fmt::format("{}:{}: label {:?} is not one of the model's", data.source, ex.line, l));
      enc.targets.push_back(found->second);
    }
    enc.target_offsets.push_back(enc.targets.size());
  }
  return enc;
}

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

/// Epoch `epoch`'s order of the examples: a fresh permutation of 0..order.size()-1 from `seed`.
inline void shuffle_for_epoch(std::vector<std::uint32_t>& order, std::uint64_t seed, std::size_t epoch) {
  std::iota(order.begin(), order.end(), 0U);
  SplitMix64 rng = SplitMix64::stream(seed ^ 0x5EED5EEDULL, epoch);
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.next() % i]);
}

/// Appends to `out` the features that survive dropout (each dropped with probability
/// `dropout`), or one of them at random when none does: a bag is never empty.
inline void append_kept_features(std::span<const TokenId> features, float dropout, SplitMix64& rng,
                                 std::vector<TokenId>& out) {
  if (dropout == 0.0F) {
    out.insert(out.end(), features.begin(), features.end());
    return;
  }
  const std::size_t before = out.size();
  for (const TokenId f : features) {
    if (rng.uniform() >= dropout) out.push_back(f);
  }
  if (out.size() == before) out.push_back(features[rng.next() % features.size()]);
}

/// The runner's progress in the classifier's terms, at `learning_rate`.
inline ClassifierProgress classifier_progress(const HogwildProgress& h, float learning_rate) {
  return {.progress = h.fraction,
          .epoch = h.epoch,
          .examples_per_second = h.work_per_second,
          .learning_rate = learning_rate,
          .loss = h.epoch_loss.empty() ? 0 : h.epoch_loss.back(),
          .seconds = h.seconds,
          .eta_seconds = h.eta_seconds};
}

/// Trains `model` (its input bag and output layer set up) on `examples` in mini-batches through
/// the layer's sparse optimizers (options.optimizer adagrad or adam).
void train_in_batches(ClassifierModelImpl& model, const EncodedExamples& examples, const ClassifierCallbacks& callbacks);

/// Trains `model`'s Transformer (model.transformer set up over its input rows) on `examples`
/// (encoder ids: TextClassifier::Impl::encoder_ids).
void train_transformer(ClassifierModelImpl& model, const EncodedExamples& examples, const ClassifierCallbacks& callbacks);

/// Trains `model` (its layer initialised, its options set) on `examples` with its optimizer:
/// Hogwild SGD, or mini-batches (train_in_batches). Shared by training and quantization's retraining.
void fit_classifier(ClassifierModelImpl& model, const EncodedExamples& examples, const ClassifierCallbacks& callbacks);

}  // namespace embedkit::detail
