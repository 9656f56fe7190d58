#include "embedkit/nn/encoder_layer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "nn/gradient_check.h"

namespace embedkit::nn {
namespace {

using gradient_check::dot;
using gradient_check::numeric_gradient;
using gradient_check::random_values;
using gradient_check::set;

// PyTorch's layer, its input and its answers: tests/unit/nn/data/make_encoder_layer_reference.py.
nlohmann::json reference() {
  std::ifstream in(std::string(EMBEDKIT_SOURCE_DIR) + "/tests/unit/nn/data/encoder_layer_reference.json");
  return nlohmann::json::parse(in);
}

std::vector<float> values(const nlohmann::json& j) { return j.get<std::vector<float>>(); }

void expect_near(const std::vector<float>& have, const std::vector<float>& want, const char* what) {
  ASSERT_EQ(have.size(), want.size()) << what;
  for (std::size_t i = 0; i < have.size(); ++i) EXPECT_NEAR(have[i], want[i], 1e-4) << what << " " << i;
}

TEST(EncoderLayer, EqualsPyTorchsPreNormGeluLayerForwardAndBackward) {
  const nlohmann::json ref = reference();
  const std::size_t dim = ref["dim"], rows = ref["rows"], length = ref["length"];
  EncoderLayer layer(dim, ref["heads"], ref["feedforward"]);
  const nlohmann::json& p = ref["parameters"];
  // Each parameter with its PyTorch name, and its gradient.
  EncoderLayer::Gradients g = layer.zero_gradients();
  const struct {
    const char* name;
    std::span<float> parameter;
    std::vector<float>& gradient;
  } parameters[] = {
      {"self_attn.in_proj_weight", layer.in_proj.weight(), g.in_weight},
      {"self_attn.in_proj_bias", layer.in_proj.bias(), g.in_bias},
      {"self_attn.out_proj.weight", layer.out_proj.weight(), g.out_weight},
      {"self_attn.out_proj.bias", layer.out_proj.bias(), g.out_bias},
      {"linear1.weight", layer.linear1.weight(), g.linear1_weight},
      {"linear1.bias", layer.linear1.bias(), g.linear1_bias},
      {"linear2.weight", layer.linear2.weight(), g.linear2_weight},
      {"linear2.bias", layer.linear2.bias(), g.linear2_bias},
      {"norm1.weight", layer.norm1.gamma(), g.norm1_gamma},
      {"norm1.bias", layer.norm1.beta(), g.norm1_beta},
      {"norm2.weight", layer.norm2.gamma(), g.norm2_gamma},
      {"norm2.bias", layer.norm2.beta(), g.norm2_beta},
  };
  for (const auto& named : parameters) ASSERT_TRUE(set(named.parameter, values(p[named.name]))) << named.name;
  const std::vector<float> x = values(ref["x"]), c = values(ref["c"]);
  std::vector<float> y(rows * dim), dx(rows * dim);
  EncoderLayer::Cache cache;
  layer.forward(x, rows, length, y, cache);
  expect_near(y, values(ref["y"]), "y");
  layer.backward(x, c, cache, dx, g);
  expect_near(dx, values(ref["dx"]), "dx");
  const nlohmann::json& want = ref["gradients"];
  for (const auto& named : parameters) expect_near(named.gradient, values(want[named.name]), named.name);
}

TEST(EncoderLayer, APaddedSequenceGetsItsOwnOutputsAndTheGradientMatchesFiniteDifferences) {
  const EncoderLayer layer(6, 2, 12, 4);
  const std::size_t length = 3, rows = 5;
  std::vector<float> x = random_values(rows * 6, 1);
  std::vector<float> alone(length * 6), batched(rows * 6);
  EncoderLayer::Cache cache;
  layer.forward(std::span<const float>(x).first(length * 6), length, length, alone, cache);
  layer.forward(x, rows, length, batched, cache);
  for (std::size_t i = 0; i < alone.size(); ++i) EXPECT_NEAR(batched[i], alone[i], 1e-5) << i;
  // The whole layer against finite differences (loss = sum(c * y) over the valid rows).
  std::vector<float> c = random_values(rows * 6, 2);
  for (std::size_t i = length * 6; i < c.size(); ++i) c[i] = 0.0F;
  auto loss = [&] {
    std::vector<float> y(rows * 6);
    EncoderLayer::Cache fresh;
    layer.forward(x, rows, length, y, fresh);
    return dot(c, y);
  };
  std::vector<float> dx(rows * 6);
  EncoderLayer::Gradients g = layer.zero_gradients();
  layer.forward(x, rows, length, batched, cache);
  layer.backward(x, c, cache, dx, g);
  for (std::size_t i = 0; i < length * 6; ++i) EXPECT_NEAR(dx[i], numeric_gradient(x[i], loss), 3e-3) << "x " << i;
  // Padding rows reach no valid output: their gradient is exactly zero.
  for (std::size_t i = length * 6; i < rows * 6; ++i) EXPECT_EQ(dx[i], 0.0F) << "padding " << i;
}

TEST(EncoderLayer, InTrainingDropoutAndRotaryPositionsHaveTheirGradients) {
  // Dropout everywhere PyTorch has it, and q and k turned by their positions. The masks come from
  // the generator: the same seed draws the same ones, so the loss is a function and finite
  // differences apply.
  constexpr std::size_t d = 8;  // 2 heads of 4: pairs to turn
  EncoderLayer layer(d, 2, 12, 5, {.dropout = 0.3F, .rotary = true});
  const std::size_t length = 4, rows = 5;
  std::vector<float> x = random_values(rows * d, 3);
  std::vector<float> c = random_values(rows * d, 4);
  for (std::size_t i = length * d; i < c.size(); ++i) c[i] = 0.0F;
  auto loss = [&] {
    std::vector<float> y(rows * d);
    EncoderLayer::Cache fresh;
    SplitMix64 rng(11);
    layer.forward(x, rows, length, y, fresh, &rng);
    return dot(c, y);
  };
  std::vector<float> y(rows * d), dx(rows * d);
  EncoderLayer::Cache cache;
  SplitMix64 rng(11);
  layer.forward(x, rows, length, y, cache, &rng);
  EXPECT_FALSE(cache.mask1.empty() || cache.mask_ff.empty() || cache.mask2.empty() || cache.attention[0].mask.empty());
  EncoderLayer::Gradients g = layer.zero_gradients();
  layer.backward(x, c, cache, dx, g);
  for (std::size_t i = 0; i < length * d; ++i) EXPECT_NEAR(dx[i], numeric_gradient(x[i], loss), 3e-3) << "x " << i;
  for (std::size_t i = 0; i < 24; ++i) {
    EXPECT_NEAR(g.in_weight[i], numeric_gradient(layer.in_proj.weight()[i], loss), 3e-3) << "in_proj " << i;
    EXPECT_NEAR(g.linear2_weight[i], numeric_gradient(layer.linear2.weight()[i], loss), 3e-3) << "linear2 " << i;
  }
  // Without a generator (evaluation) there is no dropout: the layer is deterministic, and a
  // padded sequence still gets its own outputs (its rows keep their positions).
  std::vector<float> eval(rows * d), again(rows * d), alone(length * d);
  layer.forward(x, rows, length, eval, cache);
  EXPECT_TRUE(cache.mask1.empty() && cache.attention[0].mask.empty());
  layer.forward(x, rows, length, again, cache);
  EXPECT_EQ(eval, again);
  EXPECT_NE(eval, y);
  layer.forward(std::span<const float>(x).first(length * d), length, length, alone, cache);
  for (std::size_t i = 0; i < alone.size(); ++i) EXPECT_NEAR(eval[i], alone[i], 1e-5) << i;
}

}  // namespace
}  // namespace embedkit::nn
