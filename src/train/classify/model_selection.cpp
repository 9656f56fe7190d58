#include "embedkit/classify/model_selection.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "embedkit/classify/classification_metrics.h"
#include "embedkit/core/error.h"
#include "embedkit/core/random.h"

namespace embedkit {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

LabeledData subset(const LabeledData& data, std::span<const std::size_t> indices) {
  LabeledData out;
  out.format = data.format;
  out.source = data.source;
  out.examples.reserve(indices.size());
  for (const std::size_t i : indices) {
    EMBEDKIT_CHECK(i < data.examples.size(), ArgumentError,
                   fmt::format("example {} is out of range ({} examples)", i, data.examples.size()));
    out.examples.push_back(data.examples[i]);
  }
  return out;
}

CrossValidationResult cross_validate(const LabeledData& data, const ClassifierOptions& options,
                                     const CrossValidationOptions& cv,
                                     const std::function<void(std::size_t, double)>& on_fold) {
  EMBEDKIT_CHECK(cv.folds >= 2, ArgumentError, fmt::format("--folds {} must be at least 2", cv.folds));
  EMBEDKIT_CHECK(data.examples.size() >= cv.folds, ArgumentError,
                 fmt::format("{}: {} examples cannot make {} folds", data.source, data.examples.size(), cv.folds));
  std::vector<std::size_t> order(data.examples.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  SplitMix64 rng(cv.seed);
  for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng.next() % (i + 1)]);

  CrossValidationResult result;
  for (std::size_t f = 0; f < cv.folds; ++f) {
    std::vector<std::size_t> train_idx, test_idx;
    for (std::size_t i = 0; i < order.size(); ++i) (i % cv.folds == f ? test_idx : train_idx).push_back(order[i]);
    const LabeledData train = subset(data, train_idx), test = subset(data, test_idx);
    const auto start = std::chrono::steady_clock::now();
    const TextClassifier model = TextClassifier::train(train, options);
    result.fold_seconds.push_back(seconds_since(start));
    result.fold_accuracy.push_back(evaluate_classifier(model, test).accuracy);
    if (on_fold) on_fold(f, result.fold_accuracy.back());
  }
  const double n = static_cast<double>(cv.folds);
  result.mean_accuracy = std::accumulate(result.fold_accuracy.begin(), result.fold_accuracy.end(), 0.0) / n;
  double ss = 0;
  for (const double a : result.fold_accuracy) ss += (a - result.mean_accuracy) * (a - result.mean_accuracy);
  result.stddev_accuracy = std::sqrt(ss / (n - 1));
  return result;
}

AutotuneResult autotune(const LabeledData& train, const LabeledData& validation, const ClassifierOptions& base,
                        const AutotuneOptions& options, const std::function<void(const AutotuneTrial&, bool)>& on_trial) {
  EMBEDKIT_CHECK(options.seconds > 0, ArgumentError, "--autotune-duration must be positive");
  SplitMix64 rng(options.seed);
  auto log_uniform = [&](double lo, double hi) { return std::exp(std::log(lo) + rng.uniform() * (std::log(hi) - std::log(lo))); };
  const bool fixed_dim = !base.pretrained.empty();
  auto random_options = [&]() {
    ClassifierOptions o = base;
    o.learning_rate = static_cast<float>(log_uniform(0.02, 2.0));
    if (!fixed_dim) o.dim = static_cast<std::size_t>(std::lround(log_uniform(10, 300)));
    o.epochs = static_cast<std::size_t>(std::lround(log_uniform(2, 100)));
    o.word_ngrams = 1 + static_cast<std::uint32_t>(rng.next() % 3);
    return o;
  };
  auto perturb = [&](ClassifierOptions o) {
    o.learning_rate = std::clamp(o.learning_rate * static_cast<float>(log_uniform(0.6, 1.6)), 0.01F, 3.0F);
    if (!fixed_dim) o.dim = std::clamp<std::size_t>(static_cast<std::size_t>(std::lround(static_cast<double>(o.dim) * log_uniform(0.7, 1.4))), 5, 500);
    o.epochs = std::clamp<std::size_t>(static_cast<std::size_t>(std::lround(static_cast<double>(o.epochs) * log_uniform(0.7, 1.4))), 1, 200);
    if (rng.uniform() < 0.25F) o.word_ngrams = 1 + static_cast<std::uint32_t>(rng.next() % 3);
    return o;
  };

  AutotuneResult result;
  const auto start = std::chrono::steady_clock::now();
  double last_seconds = 0;
  for (std::size_t trial = 0;; ++trial) {
    const double elapsed = seconds_since(start);
    if (trial > 0 && (elapsed >= options.seconds || elapsed + last_seconds > options.seconds * 1.5)) break;
    ClassifierOptions o = trial == 0 ? base : (trial % 2 == 1 || !result.best ? random_options() : perturb(result.best_trial.options));
    o.seed = base.seed + trial;
    const auto trial_start = std::chrono::steady_clock::now();
    TextClassifier model = TextClassifier::train(train, o);
    o.dim = model.dim();  // resolves dim 0 (default / pretrained) for reports and perturbation
    AutotuneTrial t{.options = o, .accuracy = evaluate_classifier(model, validation).accuracy, .seconds = 0};
    t.seconds = last_seconds = seconds_since(trial_start);
    const bool best = !result.best || t.accuracy > result.best_trial.accuracy;
    if (best) {
      result.best.emplace(std::move(model));
      result.best_trial = t;
    }
    result.trials.push_back(t);
    if (on_trial) on_trial(t, best);
  }
  return result;
}

}  // namespace embedkit
