// Private to embedkit::train: the step every trainer of an encoder takes (the Transformer
// classifier, masked-language-model pretraining), so that none has its own copy: the batch's
// shares run on the threads, each accumulating the gradients of its dense parameters and the
// rows of its embedding tables; then the shares' gradients are summed in thread order
// (reproducible for a thread count), everything clipped by one global norm, AdamW steps the
// dense parameters and lazy Adam (SparseAdam) each table's rows, at one schedule's rate.
//
//   EncoderStep step(parameters, {&embedding}, threads, settings);
//   float rate = ...;
//   auto outcome = step.run(step_number, [&](std::size_t t, EncoderStep::Share& share) {
//     ... forward and backward of share t, into share.gradients and share.rows[0] ...
//   });
//   if (!outcome.finite) ...stop
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "embedkit/nn/transformer_encoder.h"
#include "embedkit/table/embedding.h"
#include "embedkit/train/adamw.h"
#include "embedkit/train/sparse_optimizer.h"
#include "embedkit/train/warmup_schedule.h"

namespace embedkit::detail {

struct EncoderStepSettings {
  WarmupSchedule schedule;
  float weight_decay = 0.01F;
  float clip = 1.0F;
  std::vector<float> table_rate_scales;  ///< per table: its rate / the schedule's (empty: all 1)
};

class EncoderStep {
 public:
  /// `parameters`: the dense ones, named (decay on matrices: names ending in "weight", except
  /// norms and positions); `tables`: the embeddings whose rows train sparsely (frozen ones are
  /// skipped while !trainable()).
  EncoderStep(std::vector<nn::TransformerEncoder::Parameter> parameters, std::vector<Embedding*> tables,
              std::size_t threads, EncoderStepSettings settings);

  /// One thread's part of a batch.
  struct Share {
    std::vector<std::vector<float>> gradients;  ///< one per dense parameter, its size (accumulate)
    /// Per table: the rows looked up and, row for row, their gradients (dim values each).
    struct Rows {
      std::vector<TokenId> ids;
      std::vector<float> gradients;
    };
    std::vector<Rows> rows;
    double loss = 0;         ///< summed over the share's predictions
    std::uint64_t count = 0; ///< predictions in it
  };

  struct Outcome {
    double loss = 0;          ///< summed over the batch
    std::uint64_t count = 0;
    double norm = 0;          ///< the gradients' global norm before clipping
    bool finite = true;       ///< false: a NaN or infinity; nothing was updated
  };

  /// Clears the shares, runs body(t, share t) on every thread, then the step at schedule.at(step).
  Outcome run(std::uint64_t step, const std::function<void(std::size_t, Share&)>& body);

  [[nodiscard]] std::size_t threads() const noexcept { return shares_.size(); }
  [[nodiscard]] float rate(std::uint64_t step) const noexcept { return settings_.schedule.at(step); }

 private:
  std::vector<nn::TransformerEncoder::Parameter> parameters_;
  std::vector<Embedding*> tables_;
  EncoderStepSettings settings_;
  std::vector<Share> shares_;
  std::vector<DenseParameter> dense_;  // views of shares_[0]'s gradients (the sums)
  AdamW adamw_;
  std::vector<std::unique_ptr<SparseAdam>> row_optimizers_;
  std::vector<SparseGradient> row_gradients_;
  std::vector<TokenId> ids_;
  std::vector<float> values_;
};

/// The encoder's backward pass for one share: dx (overwritten) from dy, the encoder's gradients
/// added to share.gradients[0 .. the encoder's parameter count) (the encoder's parameters come
/// first in every trainer's list). `scratch` is the thread's, reused between batches.
void encoder_backward_into(const nn::TransformerEncoder& encoder, std::span<const float> dy,
                           nn::TransformerEncoder::Cache& cache, std::span<float> dx,
                           nn::TransformerEncoder::Gradients& scratch, EncoderStep::Share& share);

}  // namespace embedkit::detail
