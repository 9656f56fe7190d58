#include "embedkit/nn/encoder_layer.h"

#include <fmt/format.h>

#include <algorithm>

#include "embedkit/core/error.h"
#include "embedkit/core/random.h"
#include "embedkit/nn/gelu.h"

namespace embedkit::nn {

namespace {

std::size_t head_dim_of(std::size_t dim, std::size_t heads) {
  EMBEDKIT_CHECK(heads > 0 && dim % heads == 0, ArgumentError,
                 fmt::format("an encoder layer of width {} cannot have {} heads (it must divide it)", dim, heads));
  return dim / heads;
}

// Columns [first, first + width) of each row of `from` (rows of `stride`), into `to`, and back.
void take_columns(std::span<const float> from, std::size_t stride, std::size_t first, std::size_t width,
                  std::span<float> to) {
  const std::size_t rows = to.size() / width;
  for (std::size_t r = 0; r < rows; ++r) {
    std::copy_n(from.data() + r * stride + first, width, to.data() + r * width);
  }
}

void put_columns(std::span<const float> from, std::size_t width, std::span<float> to, std::size_t stride,
                 std::size_t first) {
  const std::size_t rows = from.size() / width;
  for (std::size_t r = 0; r < rows; ++r) {
    std::copy_n(from.data() + r * width, width, to.data() + r * stride + first);
  }
}

// 0, 1, ... rows - 1: the positions of one sequence's rows.
std::vector<std::uint32_t> positions_of(std::size_t rows) {
  std::vector<std::uint32_t> positions(rows);
  for (std::size_t r = 0; r < rows; ++r) positions[r] = static_cast<std::uint32_t>(r);
  return positions;
}

}  // namespace

EncoderLayer::EncoderLayer(std::size_t dim, std::size_t heads, std::size_t feedforward, std::uint64_t seed,
                           EncoderLayerOptions options)
    : norm1(dim),
      norm2(dim),
      in_proj(dim, 3 * dim, SplitMix64::stream(seed, 0).next()),
      out_proj(dim, dim, SplitMix64::stream(seed, 1).next()),
      linear1(dim, feedforward, SplitMix64::stream(seed, 2).next()),
      linear2(feedforward, dim, SplitMix64::stream(seed, 3).next()),
      attention(heads, head_dim_of(dim, heads)),
      dropout(options.dropout) {
  if (options.rotary) rotary.emplace(dim / heads);
}

void EncoderLayer::forward(std::span<const float> x, std::size_t rows, std::size_t length, std::span<float> y,
                           Cache& c, SplitMix64* rng) const {
  const bool training = rng != nullptr && dropout.p() > 0.0F;
  const std::size_t d = dim(), ff = linear1.out();
  EMBEDKIT_CHECK(x.size() == rows * d && y.size() == x.size(), ArgumentError,
                 fmt::format("encoder layer: {} input and {} output values for {} rows of {}", x.size(), y.size(), rows,
                             d));
  c.rows = rows;
  c.length = length;
  c.h1.resize(rows * d);
  norm1.forward(x, c.h1, c.norm1);
  std::vector<float> qkv(rows * 3 * d);
  in_proj.forward(c.h1, qkv);
  c.q.resize(rows * d);
  c.k.resize(rows * d);
  c.v.resize(rows * d);
  take_columns(qkv, 3 * d, 0, d, c.q);
  take_columns(qkv, 3 * d, d, d, c.k);
  take_columns(qkv, 3 * d, 2 * d, d, c.v);
  if (rotary) {
    const std::vector<std::uint32_t> positions = positions_of(rows);
    rotary->rotate(c.q, d, positions);
    rotary->rotate(c.k, d, positions);
  }
  c.attended.resize(rows * d);
  attention.forward(c.q, c.k, c.v, rows, length, c.attended, c.attention, training ? &dropout : nullptr, rng);
  c.h.resize(rows * d);
  out_proj.forward(c.attended, c.h);
  c.mask1.clear();
  c.mask_ff.clear();
  c.mask2.clear();
  if (training) dropout.forward(c.h, *rng, c.mask1);
  for (std::size_t i = 0; i < c.h.size(); ++i) c.h[i] += x[i];  // the first residual
  c.h2.resize(rows * d);
  norm2.forward(c.h, c.h2, c.norm2);
  c.f1.resize(rows * ff);
  linear1.forward(c.h2, c.f1);
  c.g.resize(rows * ff);
  gelu(c.f1, c.g);
  if (training) dropout.forward(c.g, *rng, c.mask_ff);
  linear2.forward(c.g, y);
  if (training) dropout.forward(y, *rng, c.mask2);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] += c.h[i];  // the second residual
}

EncoderLayer::Gradients EncoderLayer::zero_gradients() const {
  Gradients g;
  g.norm1_gamma.assign(dim(), 0.0F);
  g.norm1_beta.assign(dim(), 0.0F);
  g.norm2_gamma.assign(dim(), 0.0F);
  g.norm2_beta.assign(dim(), 0.0F);
  g.in_weight.assign(in_proj.weight().size(), 0.0F);
  g.in_bias.assign(in_proj.bias().size(), 0.0F);
  g.out_weight.assign(out_proj.weight().size(), 0.0F);
  g.out_bias.assign(out_proj.bias().size(), 0.0F);
  g.linear1_weight.assign(linear1.weight().size(), 0.0F);
  g.linear1_bias.assign(linear1.bias().size(), 0.0F);
  g.linear2_weight.assign(linear2.weight().size(), 0.0F);
  g.linear2_bias.assign(linear2.bias().size(), 0.0F);
  return g;
}

void EncoderLayer::backward(std::span<const float> x, std::span<const float> dy, const Cache& c, std::span<float> dx,
                            Gradients& g) const {
  const std::size_t rows = c.rows, d = dim(), ff = linear1.out();
  EMBEDKIT_CHECK(x.size() == rows * d && dy.size() == x.size() && dx.size() == x.size() && c.h.size() == x.size(),
                 ArgumentError, "encoder layer's backward: x, dy, dx and the forward pass's cache must agree");
  // y = h + linear2(gelu(linear1(norm2(h)))): dh = dy + the feed-forward branch's gradient.
  std::vector<float> dg(rows * ff), df1(rows * ff), dh2(rows * d), dh(rows * d);
  std::vector<float> df2(dy.begin(), dy.end());
  if (!c.mask2.empty()) dropout.backward(df2, c.mask2);
  linear2.backward(c.g, df2, dg, g.linear2_weight, g.linear2_bias);
  if (!c.mask_ff.empty()) dropout.backward(dg, c.mask_ff);
  gelu_backward(c.f1, dg, df1);
  linear1.backward(c.h2, df1, dh2, g.linear1_weight, g.linear1_bias);
  norm2.backward(c.h, dh2, c.norm2, dh, g.norm2_gamma, g.norm2_beta);
  for (std::size_t i = 0; i < dh.size(); ++i) dh[i] += dy[i];
  // h = x + out_proj(attention(in_proj(norm1(x)))): dx = dh + the attention branch's gradient.
  std::vector<float> dattended(rows * d), dq(rows * d), dk(rows * d), dv(rows * d), dqkv(rows * 3 * d),
      dh1(rows * d);
  std::vector<float> dout(dh);
  if (!c.mask1.empty()) dropout.backward(dout, c.mask1);
  out_proj.backward(c.attended, dout, dattended, g.out_weight, g.out_bias);
  attention.backward(c.q, c.k, c.v, dattended, c.attention, dq, dk, dv);
  if (rotary) {  // (the gradients of the rotated q and k, turned back)
    const std::vector<std::uint32_t> positions = positions_of(rows);
    rotary->backward(dq, d, positions);
    rotary->backward(dk, d, positions);
  }
  put_columns(dq, d, dqkv, 3 * d, 0);
  put_columns(dk, d, dqkv, 3 * d, d);
  put_columns(dv, d, dqkv, 3 * d, 2 * d);
  in_proj.backward(c.h1, dqkv, dh1, g.in_weight, g.in_bias);
  norm1.backward(x, dh1, c.norm1, dx, g.norm1_gamma, g.norm1_beta);
  for (std::size_t i = 0; i < dx.size(); ++i) dx[i] += dh[i];
}

}  // namespace embedkit::nn
