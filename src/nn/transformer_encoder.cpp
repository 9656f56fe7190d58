#include "embedkit/nn/transformer_encoder.h"

#include <fmt/format.h>

#include <algorithm>

#include "embedkit/core/error.h"

namespace embedkit::nn {

PositionKind parse_position_kind(std::string_view name) {
  if (name == "none") return PositionKind::none;
  if (name == "sinusoidal") return PositionKind::sinusoidal;
  if (name == "learned") return PositionKind::learned;
  if (name == "rope" || name == "rotary") return PositionKind::rotary;
  throw ArgumentError(fmt::format("unknown positions {:?}: use sinusoidal, learned, rope or none", name),
                      "a kind of positions");
}

std::string_view position_kind_name(PositionKind kind) noexcept {
  switch (kind) {
    case PositionKind::none: return "none";
    case PositionKind::sinusoidal: return "sinusoidal";
    case PositionKind::learned: return "learned";
    case PositionKind::rotary: return "rope";
  }
  return "none";
}

namespace {

TransformerEncoderOptions checked(TransformerEncoderOptions o) {
  if (o.feedforward == 0) o.feedforward = 4 * o.dim;
  EMBEDKIT_CHECK(o.dim > 0 && o.dim <= 65536, ArgumentError, fmt::format("encoder width {} is out of range (1..65536)", o.dim));
  EMBEDKIT_CHECK(o.layers >= 1 && o.layers <= 1000, ArgumentError,
                 fmt::format("an encoder of {} layers (1..1000)", o.layers));
  EMBEDKIT_CHECK(o.heads >= 1 && o.dim % o.heads == 0, ArgumentError,
                 fmt::format("{} heads do not divide the width {}", o.heads, o.dim));
  EMBEDKIT_CHECK(o.positions != PositionKind::rotary || (o.dim / o.heads) % 2 == 0, ArgumentError,
                 fmt::format("rotary positions need heads of an even width, not {}", o.dim / o.heads));
  EMBEDKIT_CHECK(o.feedforward <= 1048576, ArgumentError, fmt::format("feed-forward width {} is too large", o.feedforward));
  EMBEDKIT_CHECK(o.max_positions >= 1 && o.max_positions <= 1048576, ArgumentError,
                 fmt::format("max positions {} is out of range (1..1048576)", o.max_positions));
  EMBEDKIT_CHECK(o.dropout >= 0.0F && o.dropout < 1.0F, ArgumentError,
                 fmt::format("dropout {} must be in [0, 1)", o.dropout));
  return o;
}

}  // namespace

TransformerEncoder::TransformerEncoder(TransformerEncoderOptions options)
    : options_(checked(options)), norm_(options_.dim) {
  layers_.reserve(options_.layers);
  for (std::size_t l = 0; l < options_.layers; ++l) {
    layers_.emplace_back(options_.dim, options_.heads, options_.feedforward, SplitMix64::stream(options_.seed, l).next(),
                         EncoderLayerOptions{.dropout = options_.dropout,
                                             .rotary = options_.positions == PositionKind::rotary});
  }
  if (options_.positions == PositionKind::sinusoidal) {
    sinusoidal_.emplace(options_.dim, 10000.0,
                        static_cast<std::uint32_t>(std::min<std::size_t>(options_.max_positions, kCachedPositions)));
  }
  if (options_.positions == PositionKind::learned) {
    learned_.emplace(options_.max_positions, options_.dim, SplitMix64::stream(options_.seed, options_.layers).next());
  }
}

void TransformerEncoder::forward(std::span<const float> x, std::span<const SequenceRows> batch, std::span<float> y,
                                 Cache& c, SplitMix64* rng) const {
  const std::size_t d = dim();
  const std::size_t rows = total_rows(batch);
  EMBEDKIT_CHECK(x.size() == rows * d && y.size() == x.size(), ArgumentError,
                 fmt::format("encoder: {} input and {} output values for {} rows of {}", x.size(), y.size(), rows, d));
  for (const SequenceRows& s : batch) {
    EMBEDKIT_CHECK(s.rows <= options_.max_positions, ArgumentError,
                   fmt::format("a sequence of {} tokens is longer than the encoder's {} positions", s.rows,
                               options_.max_positions));
  }
  c.positions = positions_in_sequences(batch);
  c.inputs.resize(layers_.size());
  c.layers.resize(layers_.size());
  c.inputs[0].assign(x.begin(), x.end());
  if (sinusoidal_) sinusoidal_->add(c.inputs[0], c.positions);
  if (learned_) learned_->add(c.inputs[0], c.positions);
  c.last.resize(rows * d);
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    std::vector<float>& out = l + 1 < layers_.size() ? c.inputs[l + 1] : c.last;
    out.resize(rows * d);
    layers_[l].forward(c.inputs[l], batch, out, c.layers[l], rng);
  }
  norm_.forward(c.last, y, c.norm);
}

void TransformerEncoder::backward(std::span<const float> dy, Cache& c, std::span<float> dx,
                                  Gradients& g) const {
  const std::size_t rows = c.positions.size(), d = dim();
  EMBEDKIT_CHECK(dy.size() == rows * d && dx.size() == dy.size() && g.layers.size() == layers_.size(), ArgumentError,
                 "encoder's backward: dy, dx, the gradients and the forward pass's cache must agree");
  std::vector<float>&upstream = c.upstream, &below = c.below;
  upstream.resize(rows * d);
  below.resize(rows * d);
  norm_.backward(c.last, dy, c.norm, upstream, g.norm_gamma, g.norm_beta);
  for (std::size_t l = layers_.size(); l-- > 0;) {
    std::span<float> out = l == 0 ? dx : std::span<float>(below);
    layers_[l].backward(c.inputs[l], upstream, c.layers[l], out, g.layers[l]);
    if (l > 0) upstream.swap(below);
  }
  // Added positions pass the gradient through unchanged; a learned table gathers it.
  // (The parameter is the table as stored, rows padded to its stride: see parameters().)
  if (learned_) {
    const EmbeddingTable& table = learned_->table();
    std::vector<float> dense(table.rows() * d, 0.0F);
    learned_->backward(dx, c.positions, dense);
    for (std::size_t p = 0; p < table.rows(); ++p) {
      for (std::size_t j = 0; j < d; ++j) g.positions[p * table.stride() + j] += dense[p * d + j];
    }
  }
}

TransformerEncoder::Gradients TransformerEncoder::zero_gradients() const {
  Gradients g;
  for (const EncoderLayer& layer : layers_) g.layers.push_back(layer.zero_gradients());
  g.norm_gamma.assign(dim(), 0.0F);
  g.norm_beta.assign(dim(), 0.0F);
  if (learned_) g.positions.assign(learned_->table().rows() * learned_->table().stride(), 0.0F);
  return g;
}

std::vector<TransformerEncoder::Parameter> TransformerEncoder::parameters() {
  std::vector<Parameter> all;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    for (const EncoderLayer::NamedParameter& p : layers_[l].parameters()) {
      all.push_back({fmt::format("layers.{}.{}", l, p.name), p.value});
    }
  }
  all.push_back({"norm.weight", norm_.gamma()});
  all.push_back({"norm.bias", norm_.beta()});
  if (learned_) {
    // The table as stored: its rows padded to the stride with zeros, which get zero gradients.
    EmbeddingTable& table = learned_->table();
    all.push_back({"positions.weight", std::span<float>(table.data(), table.rows() * table.stride())});
  }
  return all;
}

std::vector<std::span<float>> TransformerEncoder::gradient_spans(Gradients& g) {
  std::vector<std::span<float>> all;
  for (EncoderLayer::Gradients& layer : g.layers) {
    for (const std::span<float> s : EncoderLayer::gradient_spans(layer)) all.push_back(s);
  }
  all.emplace_back(g.norm_gamma);
  all.emplace_back(g.norm_beta);
  if (!g.positions.empty()) all.emplace_back(g.positions);
  return all;
}

double TransformerEncoder::parameter_count(const TransformerEncoderOptions& o) {
  const double d = static_cast<double>(o.dim), ff = static_cast<double>(o.feedforward == 0 ? 4 * o.dim : o.feedforward);
  // A layer: two norms (4d), in_proj (3d^2 + 3d), out_proj (d^2 + d), linear1 (d ff + ff),
  // linear2 (ff d + d); then the final norm, and learned positions as their table is stored.
  const double layer = 4 * d + 4 * d * d + 4 * d + 2 * d * ff + ff + d;
  const double positions =
      o.positions == PositionKind::learned
          ? static_cast<double>(o.max_positions) * static_cast<double>(EmbeddingTable::padded_stride(o.dim))
          : 0.0;
  return static_cast<double>(o.layers) * layer + 2 * d + positions;
}

void TransformerEncoder::clear_padding() {
  if (!learned_) return;
  EmbeddingTable& table = learned_->table();
  for (std::size_t r = 0; r < table.rows(); ++r) {
    std::fill(table.data() + r * table.stride() + table.dim(), table.data() + (r + 1) * table.stride(), 0.0F);
  }
}

std::size_t TransformerEncoder::parameter_count() {
  std::size_t n = 0;
  for (const Parameter& p : parameters()) n += p.value.size();
  return n;
}

}  // namespace embedkit::nn
