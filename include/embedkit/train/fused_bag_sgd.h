// A fused EmbeddingBag backward + SGD step: the table is updated straight from the bag
// gradients, and no SparseGradient is built (part of embedkit::train).
//
//   embedkit::BagForward fwd = bag.forward_for_training(batch);
//   ... compute grad_out (bags x dim) from fwd.output ...
//   embedkit::fused_bag_sgd_step(bag, batch, grad_out, fwd, /*learning_rate=*/0.1F);
//
// SGD is linear in the gradient, so applying each index's contribution directly,
// row -= lr * scale_i * grad_out[bag(i)], gives the same update as coalescing first; only
// the order of float additions differs. Threads split the table's rows between them (max mode:
// each row's dimensions), never the bags, so every float is written by one thread in batch
// order: no write races, and the result does not depend on the thread count.
// Frozen bags (trainable = false) are left untouched.
#pragma once

#include <span>

#include "embedkit/table/embedding_bag.h"

namespace embedkit {

/// One SGD step for all three modes (max sends each dimension to its arg-max row; it needs
/// `forward` from forward_for_training). Throws ArgumentError on malformed input.
void fused_bag_sgd_step(EmbeddingBag& bag, const BagBatch& batch, std::span<const float> grad_out,
                        const BagForward& forward, float learning_rate);

/// How a step of a bag's output reaches its rows.
enum class BagStepShare {
  /// By the chain rule: the whole step for a sum, step / |bag| for a mean.
  gradient,
  /// Every row takes the whole step, in either mode: word2vec's and fastText's rule for their
  /// mean input vectors (CBOW's context, a word with its n-grams). The rows then learn |bag|
  /// times faster than the gradient says; the peers' quality figures, and ours, assume it.
  whole,
};

/// One bag's backward and update on the calling thread, for Hogwild workers that each own their
/// examples: every row of the bag `ids` moves by its share of `output_step`, a change of the
/// bag's output that the caller's loss chose (for SGD, -learning_rate * dLoss/dOutput), shared
/// out as `share` says (padding rows skipped and not counted). A frozen bag is left alone.
/// `scratch` holds dim floats. Throws ArgumentError as forward_one() does.
void apply_bag_step(EmbeddingBag& bag, std::span<const TokenId> ids, std::span<const float> output_step,
                    std::span<float> scratch, BagStepShare share = BagStepShare::gradient);

}  // namespace embedkit
