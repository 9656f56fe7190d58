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
  const SequenceRows one{0, rows, length};
  forward(x, std::span<const SequenceRows>(&one, 1), y, c, rng);
}

void EncoderLayer::forward(std::span<const float> x, std::span<const SequenceRows> batch, std::span<float> y,
                           Cache& c, SplitMix64* rng) const {
  const bool training = rng != nullptr && dropout.p() > 0.0F;
  const std::size_t d = dim(), ff = linear1.out();
  const std::size_t rows = total_rows(batch);
  EMBEDKIT_CHECK(x.size() == rows * d && y.size() == x.size(), ArgumentError,
                 fmt::format("encoder layer: {} input and {} output values for {} rows of {}", x.size(), y.size(), rows,
                             d));
  c.batch.assign(batch.begin(), batch.end());
  c.h1.resize(rows * d);
  norm1.forward(x, c.h1, c.norm1);
  std::vector<float>& qkv = c.qkv;
  qkv.resize(rows * 3 * d);
  in_proj.forward(c.h1, qkv);
  c.q.resize(rows * d);
  c.k.resize(rows * d);
  c.v.resize(rows * d);
  take_columns(qkv, 3 * d, 0, d, c.q);
  take_columns(qkv, 3 * d, d, d, c.k);
  take_columns(qkv, 3 * d, 2 * d, d, c.v);
  if (rotary) {
    c.positions = positions_in_sequences(batch);
    rotary->rotate(c.q, d, c.positions);
    rotary->rotate(c.k, d, c.positions);
  }
  c.attended.resize(rows * d);
  c.attention.resize(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const SequenceRows& s = batch[i];
    const std::size_t first = s.start * d, count = s.rows * d;
    attention.forward(std::span<const float>(c.q).subspan(first, count),
                      std::span<const float>(c.k).subspan(first, count),
                      std::span<const float>(c.v).subspan(first, count), s.rows, s.length,
                      std::span<float>(c.attended).subspan(first, count), c.attention[i],
                      training ? &dropout : nullptr, rng);
  }
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

void EncoderLayer::backward(std::span<const float> x, std::span<const float> dy, Cache& c, std::span<float> dx,
                            Gradients& g) const {
  const std::size_t d = dim(), ff = linear1.out();
  const std::size_t rows = c.h.size() / d;
  EMBEDKIT_CHECK(x.size() == rows * d && dy.size() == x.size() && dx.size() == x.size() && c.h.size() == x.size(),
                 ArgumentError, "encoder layer's backward: x, dy, dx and the forward pass's cache must agree");
  // y = h + linear2(gelu(linear1(norm2(h)))): dh = dy + the feed-forward branch's gradient.
  std::vector<float>&dg = c.dg, &df1 = c.df1, &dh2 = c.dh2, &dh = c.dh, &df2 = c.df2;
  dg.resize(rows * ff);
  df1.resize(rows * ff);
  dh2.resize(rows * d);
  dh.resize(rows * d);
  df2.assign(dy.begin(), dy.end());
  if (!c.mask2.empty()) dropout.backward(df2, c.mask2);
  linear2.backward(c.g, df2, dg, g.linear2_weight, g.linear2_bias);
  if (!c.mask_ff.empty()) dropout.backward(dg, c.mask_ff);
  gelu_backward(c.f1, dg, df1);
  linear1.backward(c.h2, df1, dh2, g.linear1_weight, g.linear1_bias);
  norm2.backward(c.h, dh2, c.norm2, dh, g.norm2_gamma, g.norm2_beta);
  for (std::size_t i = 0; i < dh.size(); ++i) dh[i] += dy[i];
  // h = x + out_proj(attention(in_proj(norm1(x)))): dx = dh + the attention branch's gradient.
  std::vector<float>&dattended = c.dattended, &dq = c.dq, &dk = c.dk, &dv = c.dv, &dqkv = c.dqkv, &dh1 = c.dh1,
                    &dout = c.dout;
  for (std::vector<float>* buffer : {&dattended, &dq, &dk, &dv, &dh1}) buffer->resize(rows * d);
  dqkv.resize(rows * 3 * d);
  dout.assign(dh.begin(), dh.end());
  if (!c.mask1.empty()) dropout.backward(dout, c.mask1);
  out_proj.backward(c.attended, dout, dattended, g.out_weight, g.out_bias);
  for (std::size_t i = 0; i < c.batch.size(); ++i) {
    const SequenceRows& s = c.batch[i];
    const std::size_t first = s.start * d, count = s.rows * d;
    attention.backward(std::span<const float>(c.q).subspan(first, count),
                       std::span<const float>(c.k).subspan(first, count),
                       std::span<const float>(c.v).subspan(first, count),
                       std::span<const float>(dattended).subspan(first, count), c.attention[i],
                       std::span<float>(dq).subspan(first, count), std::span<float>(dk).subspan(first, count),
                       std::span<float>(dv).subspan(first, count));
  }
  if (rotary) {  // (the gradients of the rotated q and k, turned back)
    rotary->backward(dq, d, c.positions);
    rotary->backward(dk, d, c.positions);
  }
  put_columns(dq, d, dqkv, 3 * d, 0);
  put_columns(dk, d, dqkv, 3 * d, d);
  put_columns(dv, d, dqkv, 3 * d, 2 * d);
  in_proj.backward(c.h1, dqkv, dh1, g.in_weight, g.in_bias);
  norm1.backward(x, dh1, c.norm1, dx, g.norm1_gamma, g.norm1_beta);
  for (std::size_t i = 0; i < dx.size(); ++i) dx[i] += dh[i];
}

std::vector<EncoderLayer::NamedParameter> EncoderLayer::parameters() {
  return {{"norm1.weight", norm1.gamma()},
          {"norm1.bias", norm1.beta()},
          {"self_attn.in_proj_weight", in_proj.weight()},
          {"self_attn.in_proj_bias", in_proj.bias()},
          {"self_attn.out_proj.weight", out_proj.weight()},
          {"self_attn.out_proj.bias", out_proj.bias()},
          {"norm2.weight", norm2.gamma()},
          {"norm2.bias", norm2.beta()},
          {"linear1.weight", linear1.weight()},
          {"linear1.bias", linear1.bias()},
          {"linear2.weight", linear2.weight()},
          {"linear2.bias", linear2.bias()}};
}

std::vector<std::span<float>> EncoderLayer::gradient_spans(Gradients& g) {
  return {g.norm1_gamma, g.norm1_beta, g.in_weight,      g.in_bias,      g.out_weight,     g.out_bias,
          g.norm2_gamma, g.norm2_beta, g.linear1_weight, g.linear1_bias, g.linear2_weight, g.linear2_bias};
}

}  // namespace embedkit::nn
