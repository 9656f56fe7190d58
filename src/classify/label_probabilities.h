// Private to embedkit: the text classifier's output layer run forward, P(label | h), for
// prediction. The training steps over the same parametrisation are in
// train/objectives/classifier_losses.h.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "embedkit/classify/text_classifier.h"
#include "kernels/kernels.h"
#include "vocab/huffman_tree.h"

namespace embedkit::detail {

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
