// Choosing and checking classifier settings (part of embedkit::train):
//   cross_validate   k-fold cross-validation, for data sets without a test split (e.g. MR);
//   autotune         a time-boxed search of lr, dim, epochs and word n-grams against a
//                    validation set (as fastText's -autotune-validation).
//
//   auto cv = embedkit::cross_validate(data, options, {.folds = 10});
//   fmt::print("{:.4f} +- {:.4f}\n", cv.mean_accuracy, cv.stddev_accuracy);
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "embedkit/classify/labeled_data.h"
#include "embedkit/classify/text_classifier.h"

namespace embedkit {

struct CrossValidationOptions {
  std::size_t folds = 10;
  std::uint64_t seed = 1;  ///< of the shuffle that deals examples into folds
};

struct CrossValidationResult {
  std::vector<double> fold_accuracy;
  std::vector<double> fold_seconds;  ///< training time per fold
  double mean_accuracy = 0;
  double stddev_accuracy = 0;        ///< sample standard deviation over folds
};

/// Deals the examples (shuffled with `seed`) round-robin into `folds` folds; trains on all but
/// one fold and measures accuracy on it, for each fold. ArgumentError when folds < 2 or there
/// are fewer examples than folds.
[[nodiscard]] CrossValidationResult cross_validate(
    const LabeledData& data, const ClassifierOptions& options, const CrossValidationOptions& cv = {},
    const std::function<void(std::size_t fold, double accuracy)>& on_fold = {});

/// The examples of `data` at `indices`, in that order (for splitting data by hand).
[[nodiscard]] LabeledData subset(const LabeledData& data, std::span<const std::size_t> indices);

struct AutotuneOptions {
  double seconds = 300;   ///< time budget for the search
  std::uint64_t seed = 1;
};

struct AutotuneTrial {
  ClassifierOptions options;
  double accuracy = 0;
  double seconds = 0;
};

struct AutotuneResult {
  std::optional<TextClassifier> best;  ///< the best model found (trained on the training data)
  AutotuneTrial best_trial;
  std::vector<AutotuneTrial> trials;
};

/// Tries `base` first, then random settings (lr log-uniform in [0.02, 2], dim in 10..300
/// unless pretrained vectors fix it, epochs in 2..100, word n-grams 1..3), later perturbing the
/// best so far, until the budget is spent. Never starts a trial that the previous one's time
/// says would overrun it by more than half (the first trial always runs).
[[nodiscard]] AutotuneResult autotune(const LabeledData& train, const LabeledData& validation,
                                      const ClassifierOptions& base, const AutotuneOptions& options = {},
                                      const std::function<void(const AutotuneTrial&, bool best)>& on_trial = {});

}  // namespace embedkit
