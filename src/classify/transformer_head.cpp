#include "classify/transformer_head.h"

#include <algorithm>
#include <cmath>

#include "embedkit/core/random.h"
#include "kernels/kernels.h"

namespace embedkit::detail {

TransformerHead::TransformerHead(std::size_t dim, std::size_t labels, const TransformerClassifierOptions& o,
                                 std::uint64_t seed)
    : encoder({.dim = dim,
               .heads = o.heads == 0 ? default_heads(dim) : o.heads,
               .feedforward = o.feedforward,
               .layers = o.layers,
               .positions = o.positions,
               .max_positions = o.max_length,
               .dropout = o.dropout,
               .seed = SplitMix64::stream(seed, 101).next()}),
      classifier(dim, labels, SplitMix64::stream(seed, 102).next()),
      pooling(o.pooling) {}

std::vector<nn::TransformerEncoder::Parameter> TransformerHead::parameters() {
  std::vector<nn::TransformerEncoder::Parameter> all = encoder.parameters();
  all.push_back({"classifier.weight", classifier.weight()});
  all.push_back({"classifier.bias", classifier.bias()});
  return all;
}

void TransformerHead::probabilities(const EmbeddingTable& table, std::span<const TokenId> ids, std::span<float> probs,
                                    Scratch& s) const {
  const std::size_t d = encoder.dim(), n = ids.size();
  s.x.resize(n * d);
  table.view().check_ids(ids);
  kernels::kernels().gather(table.data(), table.stride(), ids.data(), n, s.x.data(), d, d);
  s.y.resize(n * d);
  const nn::SequenceRows one{0, n, n};
  encoder.forward(s.x, std::span<const nn::SequenceRows>(&one, 1), s.y, s.cache);
  s.pooled.resize(d);
  nn::pool(pooling, s.y, n, n, s.pooled);
  classifier.forward(s.pooled, probs);
  softmax(probs);
}

void softmax(std::span<float> logits) {
  if (logits.empty()) return;
  const float top = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float& v : logits) {
    v = std::exp(v - top);
    sum += v;
  }
  for (float& v : logits) v = static_cast<float>(v / sum);
}

}  // namespace embedkit::detail
