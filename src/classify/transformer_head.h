// Private to embedkit: the Transformer classifier's parts beyond the embedding rows (an encoder,
// pooling, a linear layer to the labels), shared by prediction (text_classifier.cpp), files and
// training (train/classify/transformer_training.cpp).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "embedkit/classify/text_classifier.h"
#include "embedkit/nn/linear.h"
#include "embedkit/nn/pooling.h"
#include "embedkit/nn/transformer_encoder.h"
#include "embedkit/table/embedding_table.h"

namespace embedkit::detail {

struct TransformerHead {
  TransformerHead(std::size_t dim, std::size_t labels, const TransformerClassifierOptions& options,
                  std::uint64_t seed);

  nn::TransformerEncoder encoder;
  nn::Linear classifier;  // dim -> labels, with a bias
  nn::Pooling pooling;

  /// Every parameter with its name (the encoder's as PyTorch's nn.TransformerEncoder names them,
  /// then classifier.weight and classifier.bias): the order of a model file's output rows.
  [[nodiscard]] std::vector<nn::TransformerEncoder::Parameter> parameters();

  /// Working memory of one forward pass (one per thread).
  struct Scratch {
    std::vector<float> x, y, pooled;
    nn::TransformerEncoder::Cache cache;
  };
  /// The label probabilities (softmax) of one text's ids (at least one) in evaluation.
  void probabilities(const EmbeddingTable& table, std::span<const TokenId> ids, std::span<float> probs,
                     Scratch& scratch) const;
};

/// In place: the softmax of `logits`.
void softmax(std::span<float> logits);

}  // namespace embedkit::detail
