// Private to embedkit::train: the training steps of the text classifier's output layers. Same
// contract as losses.h: each call scores the output rows against the hidden vector h, performs the
// SGD step on those rows in place, *accumulates* into grad_h the step for h (= -lr * dLoss/dh)
// and returns the loss. With lr = 0 nothing moves and grad_h gets nothing, so tests get dL/dh by
// calling with a small lr and dividing (see classifier_losses_test).
//   softmax:  p = softmax(W h); with targets T, L = -(1/|T|) sum_{t in T} log p_t (one target is
//             the usual cross-entropy); dL/ds_i = p_i - [i in T] / |T|.
//   one-vs-all: an independent binary logistic per label, label 1 for targets (multi-label).
//   hierarchical softmax: the binary logistics on each target's Huffman path, lr / |T| each.
// `output_step` (optional, shaped as the output layer): where the output rows' steps go instead
// of the rows themselves (binary_logistic in losses.h): the mini-batch path's gradients.
// Prediction uses the same parametrisation: label_probabilities() (classify/label_probabilities.h).
#pragma once

#include <algorithm>
#include <cmath>
#include <span>

#include "embedkit/classify/text_classifier.h"
#include "kernels/kernels.h"
#include "classify/label_probabilities.h"
#include "train/objectives/losses.h"
#include "vocab/huffman_tree.h"

namespace embedkit::detail {

/// `scores` has one float per label (working memory).
inline float softmax_loss(const float* h, float* output, std::size_t stride, std::size_t labels,
                          std::span<const std::uint32_t> targets, float lr, float* grad_h, float* scores,
                          std::size_t dim, const kernels::KernelTable& k, float* output_step = nullptr) {
  float max_score = -INFINITY;
  for (std::size_t i = 0; i < labels; ++i) {
    scores[i] = k.dot(output + i * stride, h, dim);
    max_score = std::max(max_score, scores[i]);
  }
  float z = 0.0F;
  for (std::size_t i = 0; i < labels; ++i) {
    scores[i] = std::exp(scores[i] - max_score);
    z += scores[i];
  }
  const float share = 1.0F / static_cast<float>(targets.size());
  float loss = 0.0F;
  for (const std::uint32_t t : targets) loss -= share * std::log(scores[t] / z + 1e-10F);
  for (std::size_t i = 0; i < labels; ++i) {
    const float p = scores[i] / z;
    const float y = std::find(targets.begin(), targets.end(), i) != targets.end() ? share : 0.0F;
    const float alpha = lr * (y - p);
    float* out = output + i * stride;
    k.axpy(alpha, out, grad_h, dim);  // before out moves
    k.axpy(alpha, h, output_step == nullptr ? out : output_step + i * stride, dim);
  }
  return loss;
}

template <class S>
float one_vs_all_loss(const float* h, float* output, std::size_t stride, std::size_t labels,
                      std::span<const std::uint32_t> targets, float lr, float* grad_h, std::size_t dim,
                      const kernels::KernelTable& k, float* output_step = nullptr) {
  float loss = 0.0F;
  for (std::size_t i = 0; i < labels; ++i) {
    const bool positive = std::find(targets.begin(), targets.end(), i) != targets.end();
    loss += binary_logistic<S>(h, output + i * stride, positive, lr, grad_h, dim, k, step_row(output_step, i, stride));
  }
  return loss;
}

template <class S>
float hierarchical_softmax_loss(const float* h, float* output, std::size_t stride, const HuffmanTree& tree,
                                std::span<const std::uint32_t> targets, float lr, float* grad_h, std::size_t dim,
                                const kernels::KernelTable& k, float* output_step = nullptr) {
  const float share = 1.0F / static_cast<float>(targets.size());
  float loss = 0.0F;
  for (const std::uint32_t t : targets) {
    loss += share * hierarchical_softmax<S>(h, output, stride, t, tree, lr * share, grad_h, dim, k, output_step);
  }
  return loss;
}

}  // namespace embedkit::detail
