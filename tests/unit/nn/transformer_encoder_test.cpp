#include "embedkit/nn/transformer_encoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "embedkit/core/error.h"
#include "nn/gradient_check.h"

namespace embedkit::nn {
namespace {

using gradient_check::dot;
using gradient_check::numeric_gradient;
using gradient_check::random_values;

constexpr std::size_t kDim = 8;  // 2 heads of 4

TransformerEncoder small_encoder(PositionKind positions, float dropout = 0.0F) {
  return TransformerEncoder(
      {.dim = kDim, .heads = 2, .feedforward = 12, .layers = 2, .positions = positions, .max_positions = 16,
       .dropout = dropout, .seed = 3});
}

class EncoderStack : public ::testing::TestWithParam<PositionKind> {};

TEST_P(EncoderStack, ABatchGivesEachSequenceTheOutputsItGetsAlone) {
  const TransformerEncoder encoder = small_encoder(GetParam());
  // Three sequences: packed, then with padding rows after the second.
  const std::vector<std::size_t> lengths = {3, 5, 2};
  const std::vector<SequenceRows> padded = {{0, 3, 3}, {3, 7, 5}, {10, 2, 2}};
  const std::vector<float> packed_x = random_values(10 * kDim, 1);
  std::vector<float> padded_x(12 * kDim, 0.5F);
  std::copy_n(packed_x.begin(), 8 * kDim, padded_x.begin());
  std::copy_n(packed_x.begin() + 8 * kDim, 2 * kDim, padded_x.begin() + 10 * kDim);
  std::vector<float> packed_y(packed_x.size()), padded_y(padded_x.size());
  TransformerEncoder::Cache cache;
  encoder.forward(packed_x, packed_sequences(lengths), packed_y, cache);
  encoder.forward(padded_x, padded, padded_y, cache);
  std::size_t from = 0;
  for (std::size_t s = 0; s < lengths.size(); ++s) {
    std::vector<float> alone(lengths[s] * kDim);
    const std::vector<std::size_t> one = {lengths[s]};
    encoder.forward(std::span<const float>(packed_x).subspan(from * kDim, alone.size()), packed_sequences(one),
                    alone, cache);
    for (std::size_t i = 0; i < alone.size(); ++i) {
      EXPECT_NEAR(packed_y[from * kDim + i], alone[i], 1e-5) << "packed, sequence " << s << " value " << i;
      EXPECT_NEAR(padded_y[padded[s].start * kDim + i], alone[i], 1e-5) << "padded, sequence " << s << " value " << i;
    }
    from += lengths[s];
  }
}

TEST_P(EncoderStack, GradientsMatchFiniteDifferencesInTraining) {
  // Dropout masks come from a fixed seed, so the loss is a function of the inputs.
  TransformerEncoder encoder = small_encoder(GetParam(), 0.2F);
  const std::vector<SequenceRows> batch = {{0, 4, 4}, {4, 4, 3}};
  std::vector<float> x = random_values(8 * kDim, 5);
  std::vector<float> c = random_values(8 * kDim, 6);
  for (std::size_t i = 7 * kDim; i < 8 * kDim; ++i) c[i] = 0.0F;  // the padding row counts for nothing
  auto loss = [&] {
    std::vector<float> y(x.size());
    TransformerEncoder::Cache fresh;
    SplitMix64 rng(9);
    encoder.forward(x, batch, y, fresh, &rng);
    return dot(c, y);
  };
  std::vector<float> y(x.size()), dx(x.size());
  TransformerEncoder::Cache cache;
  SplitMix64 rng(9);
  encoder.forward(x, batch, y, cache, &rng);
  TransformerEncoder::Gradients g = encoder.zero_gradients();
  encoder.backward(c, cache, dx, g);
  for (std::size_t i = 0; i < 7 * kDim; ++i) EXPECT_NEAR(dx[i], numeric_gradient(x[i], loss), 4e-3) << "x " << i;
  for (std::size_t i = 7 * kDim; i < 8 * kDim; ++i) EXPECT_EQ(dx[i], 0.0F) << "padding " << i;
  // A few values of every parameter, through its name and its gradient's place in the list.
  std::vector<TransformerEncoder::Parameter> parameters = encoder.parameters();
  const std::vector<std::span<float>> gradients = TransformerEncoder::gradient_spans(g);
  ASSERT_EQ(parameters.size(), gradients.size());
  for (std::size_t p = 0; p < parameters.size(); ++p) {
    ASSERT_EQ(parameters[p].value.size(), gradients[p].size()) << parameters[p].name;
    const std::size_t step = parameters[p].value.size() / 5 + 1;
    for (std::size_t i = 0; i < parameters[p].value.size(); i += step) {
      const double want = numeric_gradient(parameters[p].value[i], loss);
      EXPECT_NEAR(gradients[p][i], want, 4e-3 + 1e-3 * std::abs(want))
          << parameters[p].name << " " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Positions, EncoderStack,
                         ::testing::Values(PositionKind::none, PositionKind::sinusoidal, PositionKind::learned,
                                           PositionKind::rotary),
                         [](const auto& test) { return std::string(position_kind_name(test.param)); });

TEST(TransformerEncoder, NamesItsParametersAsPyTorchsStateDictAndChecksItsShapes) {
  TransformerEncoder encoder = small_encoder(PositionKind::learned);
  const std::vector<TransformerEncoder::Parameter> parameters = encoder.parameters();
  ASSERT_EQ(parameters.size(), 2 * 12 + 3);
  EXPECT_EQ(parameters[0].name, "layers.0.norm1.weight");
  EXPECT_EQ(parameters[15].name, "layers.1.self_attn.in_proj_bias");
  EXPECT_EQ(parameters[15].value.size(), 3 * kDim);
  EXPECT_EQ(parameters[24].name, "norm.weight");
  EXPECT_EQ(parameters[26].name, "positions.weight");
  EXPECT_THROW(TransformerEncoder({.dim = 10, .heads = 3}), ArgumentError);
  EXPECT_THROW(TransformerEncoder({.dim = 6, .heads = 2, .positions = PositionKind::rotary}), ArgumentError);
  EXPECT_THROW(TransformerEncoder({.dim = 8, .heads = 2, .layers = 0}), ArgumentError);
  // Longer than its positions; a batch whose sequences do not tile the rows.
  const std::vector<float> x(17 * kDim);
  std::vector<float> y(x.size());
  TransformerEncoder::Cache cache;
  const std::vector<std::size_t> too_long = {17};
  EXPECT_THROW(encoder.forward(x, packed_sequences(too_long), y, cache), ArgumentError);
  const std::vector<SequenceRows> gap = {{0, 4, 4}, {5, 4, 4}};
  EXPECT_THROW(encoder.forward(std::span<const float>(x).first(9 * kDim), gap,
                               std::span<float>(y).first(9 * kDim), cache),
               ArgumentError);
}

TEST(TransformerEncoder, OneThreadRunsAreReproducible) {
  const TransformerEncoder encoder = small_encoder(PositionKind::rotary, 0.1F);
  const std::vector<float> x = random_values(6 * kDim, 8);
  const std::vector<std::size_t> lengths = {6};
  std::vector<float> a(x.size()), b(x.size());
  TransformerEncoder::Cache cache;
  SplitMix64 first(4), second(4);
  encoder.forward(x, packed_sequences(lengths), a, cache, &first);
  encoder.forward(x, packed_sequences(lengths), b, cache, &second);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace embedkit::nn
