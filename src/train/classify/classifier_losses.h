// Private to embedkit::train: the output layers of the text classifier. Same contract as
// word2vec/losses.h: each call scores the output rows against the hidden vector h, performs the
// SGD step on those rows in place, *accumulates* into grad_h the step for h (= -lr * dLoss/dh)
// and returns the loss. With lr = 0 nothing moves and grad_h gets nothing, so tests get dL/dh by
// calling with a small lr and dividing (see classifier_losses_test).
//   softmax:  p = softmax(W h); with targets T, L = -(1/|T|) sum_{t in T} log p_t (one target is
//             the usual cross-entropy); dL/ds_i = p_i - [i in T] / |T|.
//   one-vs-all: an independent binary logistic per label, label 1 for targets (multi-label).
//   hierarchical softmax: the binary logistics on each target's Huffman path, lr / |T| each.
// Prediction uses the same parametrisation: label_probabilities().
#pragma once

#include <algorithm>
#include <cmath>
#include <span>

#include "embedkit/classify/text_classifier.h"
#include "kernels/kernels.h"
#include "train/word2vec/huffman_tree.h"
#include "train/word2vec/losses.h"

namespace embedkit::detail {

/// `scores` has one float per label (working memory).
inline float softmax_loss(const float* h, float* output, std::size_t stride, std::size_t labels,
                          std::span<const std::uint32_t> targets, float lr, float* grad_h, float* scores,
                          std::size_t dim, const kernels::KernelTable& k) {
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
    k.axpy(alpha, h, out, dim);
  }
  return loss;
}

template <class S>
float one_vs_all_loss(const float* h, float* output, std::size_t stride, std::size_t labels,
                      std::span<const std::uint32_t> targets, float lr, float* grad_h, std::size_t dim,
                      const kernels::KernelTable& k) {
  float loss = 0.0F;
  for (std::size_t i = 0; i < labels; ++i) {
    const bool positive = std::find(targets.begin(), targets.end(), i) != targets.end();
    loss += binary_logistic<S>(h, output + i * stride, positive, lr, grad_h, dim, k);
  }
  return loss;
}

template <class S>
float hierarchical_softmax_loss(const float* h, float* output, std::size_t stride, const HuffmanTree& tree,
                                std::span<const std::uint32_t> targets, float lr, float* grad_h, std::size_t dim,
                                const kernels::KernelTable& k) {
  const float share = 1.0F / static_cast<float>(targets.size());
  float loss = 0.0F;
  for (const std::uint32_t t : targets) {
    loss += share * hierarchical_softmax<S>(h, output, stride, t, tree, lr * share, grad_h, dim, k);
  }
  return loss;
}

/// P(label | h) for every label into `probs` (one per label). Softmax and hierarchical softmax
/// give a distribution; one-vs-all gives independent probabilities.
inline void label_probabilities(ClassifierLoss loss, const float* h, const float* output, std::size_t stride,
                                std::size_t labels, const HuffmanTree* tree, std::size_t dim, float* probs,
                                const kernels::KernelTable& k) {
  auto sigmoid = [](float x) { return 1.0F / (1.0F + std::exp(-x)); };
  switch (loss) {
    case ClassifierLoss::softmax: {
      float max_score = -INFINITY;
      for (std::size_t i = 0; i < labels; ++i) {
        probs[i] = k.dot(output + i * stride, h, dim);
        max_score = std::max(max_score, probs[i]);
      }
      float z = 0.0F;
      for (std::size_t i = 0; i < labels; ++i) z += (probs[i] = std::exp(probs[i] - max_score));
      for (std::size_t i = 0; i < labels; ++i) probs[i] /= z;
      return;
    }
    case ClassifierLoss::one_vs_all:
      for (std::size_t i = 0; i < labels; ++i) probs[i] = sigmoid(k.dot(output + i * stride, h, dim));
      return;
    case ClassifierLoss::hierarchical_softmax:
      for (std::size_t i = 0; i < labels; ++i) {
        const auto path = tree->path(i);
        const auto code = tree->code(i);
        float p = 1.0F;
        for (std::size_t j = 0; j < path.size(); ++j) {
          const float s = sigmoid(k.dot(output + static_cast<std::size_t>(path[j]) * stride, h, dim));
          p *= code[j] == 0 ? s : 1.0F - s;  // training's label is 1 - code
        }
        probs[i] = p;
      }
      return;
  }
}

}  // namespace embedkit::detail
