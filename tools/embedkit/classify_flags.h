// The flags every `embedkit classify` command shares: how labeled data is read (DataFlags) and how
// a classifier trains (ModelFlags, for `classify train` and `classify cv`), plus the progress
// printer both trainers use. Each flag struct parses into the library's options struct, so a new
// training flag is one line in add_model_flags (binding a ClassifierOptions field directly, or a
// field here that resolve() turns into one); a flag with named values, such as
//   choices<Optimizer>(cmd.add_option("--optimizer", o.optimizer, "..."), {{"sgd", Optimizer::sgd}, ...})
// gets its parse-time check and its "must be one of" message from option_choices.h. A flag only
// `classify train` takes belongs in classify_train_command.cpp instead.
#pragma once

#include <CLI/CLI.hpp>

#include <cstddef>
#include <optional>
#include <memory>
#include <string>
#include <string_view>

#include "embedkit/classify/labeled_data.h"
#include "embedkit/classify/text_classifier.h"
#include "progress_bar.h"

namespace embedkit::cli {

/// --format, --encoding, --label-prefix.
struct DataFlags {
  std::string format = "detect";
  std::string encoding = "utf-8";
  std::string label_prefix = "__label__";
  std::string tokenizer;  ///< --tokenizer FILE: examples are its pieces

  /// Throws ArgumentError for an unknown --format or --encoding.
  [[nodiscard]] LabeledDataOptions options(bool labels_optional = false) const;
  /// read_labeled_file(), then the tokenizer's pieces for each example when --tokenizer is given.
  [[nodiscard]] LabeledData read(const std::string& path, bool labels_optional = false) const;
  /// The tokenizer's pieces for each example of `data` (nothing without --tokenizer).
  void split(LabeledData& data) const;
  /// What a model trained with these flags records (empty without --tokenizer).
  [[nodiscard]] std::string tokenizer_record() const;
  /// ArgumentError unless the flags read text as `model` was trained (the same tokenizer file, or
  /// none for both).
  void check_model(const TextClassifier& model) const;

 private:
  mutable std::shared_ptr<const TokenSplitter> splitter_;
};

/// Registers DataFlags on `cmd`; `flags` must outlive parsing.
void add_data_flags(CLI::App& cmd, DataFlags& flags);

/// The help paragraph on data formats, for the footers of every classify command.
extern const std::string_view kDataHelp;

/// --dim, --epochs, --lr, --loss, --pretrained, --freeze, --threads, ...
struct ModelFlags {
  ClassifierOptions options;
  std::optional<float> learning_rate;  // unset: default_learning_rate(the optimizer), or the transformer's
  std::optional<float> dropout;        // the bag's feature dropout, or the transformer's (default 0.1)
  std::string loss = "softmax";
  bool freeze = false;
  bool finetune = false;
  std::size_t unfreeze_after = 0;

  /// The options these flags ask for. Throws ArgumentError for a bad --loss or flags that clash.
  [[nodiscard]] ClassifierOptions resolve() const;
};

/// Registers ModelFlags on `cmd`; `flags` must outlive parsing.
void add_model_flags(CLI::App& cmd, ModelFlags& flags);

/// Progress of a training run: a bar (or JSON lines with `json`) on stderr; `bar` must outlive
/// the returned callbacks.
[[nodiscard]] ClassifierCallbacks progress_callbacks(ProgressBar& bar, bool json, bool quiet, std::size_t epochs);

}  // namespace embedkit::cli
