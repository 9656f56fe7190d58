// Private to embedkit::train: the output layers of word2vec / fastText training, written once
// over a sigmoid policy (a fast table for training, the exact function for gradient tests).
//
// Each call takes the hidden vector h (the mean of the input rows), scores output rows against
// it, and performs the SGD step on those rows in place; it *accumulates* into grad_h the step
// for h (= -lr * dLoss/dh), which the caller then adds to every input row. It returns the loss.
//   binary logistic:  L = -log sigma(s) for a positive pair, -log(1 - sigma(s)) for a negative,
//                     s = <out, h>;  dL/ds = sigma(s) - label.
//   negative sampling: one positive (the target) + `negatives` draws.
//   hierarchical softmax: a binary logistic at each node on the target's Huffman path, with
//                     label 1 - code (as word2vec).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>

#include "vocab/huffman_tree.h"
#include "kernels/kernels.h"
#include "kernels/prefetch.h"
#include "train/objectives/negative_table.h"

namespace embedkit::detail {

struct ExactSigmoid {
  static float sigmoid(float x) { return 1.0F / (1.0F + std::exp(-x)); }
  static float log(float x) { return std::log(x); }
};

// fastText's tables: sigmoid over [-8, 8] in 512 steps, log over (0, 1] in 512 steps.
struct TableSigmoid {
  static constexpr int kSize = 512;
  static constexpr float kMax = 8.0F;
  static const float* sigmoid_table();
  static const float* log_table();
  // Written so that NaN takes a bounded branch (never a table index): the trainer then notices
  // the non-finite vectors and stops.
  static float sigmoid(float x) {
    if (!(x > -kMax)) return 0.0F;
    if (!(x < kMax)) return 1.0F;
    return sigmoid_table()[static_cast<int>((x + kMax) * kSize / kMax / 2)];
  }
  static float log(float x) {
    if (!(x < 1.0F)) return 0.0F;
    if (!(x > 0.0F)) return log_table()[0];
    return log_table()[static_cast<int>(x * kSize)];
  }
};

/// `out_step`: where the output row's step goes. nullptr (the trainers' Hogwild SGD): into `out`
/// itself. Otherwise a row of a buffer shaped as the output layer, which then accumulates the
/// steps while `out` stays as it is: with lr = -1 / batch, the gradient of a mini-batch's mean
/// loss, for an optimizer (grad_h then accumulates dLoss/dh / batch).
template <class S>
float binary_logistic(const float* h, float* out, bool label, float lr, float* grad_h, std::size_t dim,
                      const kernels::KernelTable& k, float* out_step = nullptr) {
  const float score = S::sigmoid(k.dot(out, h, dim));
  const float alpha = lr * ((label ? 1.0F : 0.0F) - score);
  if (out_step == nullptr) {
    k.logistic_step(alpha, out, h, grad_h, dim);  // grad_h += alpha * out, then out += alpha * h
  } else {
    k.axpy(alpha, out, grad_h, dim);
    k.axpy(alpha, h, out_step, dim);
  }
  return label ? -S::log(score + 1e-5F) : -S::log(1.0F - score + 1e-5F);
}

/// Row `row` of an optional step buffer (see binary_logistic).
inline float* step_row(float* steps, std::size_t row, std::size_t stride) {
  return steps == nullptr ? nullptr : steps + row * stride;
}

/// Draws `count` negatives for `target` into `out` (never the target itself), and returns how
/// many: fewer only when the vocabulary has no other word to draw.
inline std::size_t draw_negatives(const NegativeTable& table, SplitMix64& rng, std::uint32_t target,
                                  std::size_t count, TokenId* out) {
  for (std::size_t n = 0; n < count; ++n) {
    TokenId negative = table.draw(rng);
    while (negative == target && table.drawable() > 1) negative = table.draw(rng);
    if (negative == target) return n;  // a one-word vocabulary has no negatives
    out[n] = negative;
  }
  return count;
}

/// Asks for an output row ahead of its use (rows of frequent and random words are scattered
/// over a table larger than the caches). Into L1: these rows are fetched one window ahead, a few
/// hundred nanoseconds before their first dot product.
inline void prefetch_row(const float* row, std::size_t dim) {
  kernels::prefetch<kernels::Hint::l1, kernels::Access::write>(row, dim * sizeof(float));
}

/// Negative sampling with negatives already drawn. Rows of `output` are `stride` floats apart.
template <class S>
float negative_sampling(const float* h, float* output, std::size_t stride, std::uint32_t target,
                        std::span<const TokenId> negatives, float lr, float* grad_h, std::size_t dim,
                        const kernels::KernelTable& k) {
  float loss = binary_logistic<S>(h, output + static_cast<std::size_t>(target) * stride, true, lr, grad_h, dim, k);
  for (const TokenId negative : negatives) {
    loss += binary_logistic<S>(h, output + static_cast<std::size_t>(negative) * stride, false, lr, grad_h, dim, k);
  }
  return loss;
}

template <class S>
float hierarchical_softmax(const float* h, float* output, std::size_t stride, std::uint32_t target,
                           const HuffmanTree& tree, float lr, float* grad_h, std::size_t dim,
                           const kernels::KernelTable& k, float* output_step = nullptr) {
  float loss = 0.0F;
  const auto path = tree.path(target);
  const auto code = tree.code(target);
  for (std::size_t i = 0; i < path.size(); ++i) {
    loss += binary_logistic<S>(h, output + static_cast<std::size_t>(path[i]) * stride, code[i] == 0, lr, grad_h,
                               dim, k, step_row(output_step, path[i], stride));
  }
  return loss;
}

}  // namespace embedkit::detail
