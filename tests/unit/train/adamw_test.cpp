#include "embedkit/train/adamw.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "embedkit/core/error.h"
#include "embedkit/train/gradient_clipping.h"
#include "embedkit/train/warmup_schedule.h"

namespace embedkit {
namespace {

TEST(AdamW, EqualsPyTorchsAdamWWithAndWithoutWeightDecay) {
  // Known answer: torch.optim.AdamW(lr=0.1, weight_decay=0.01), the second parameter in a group
  // with weight_decay=0, three steps of these gradients (PyTorch 1.13).
  std::vector<float> p = {1.0F, -2.0F, 3.0F, 0.5F}, q = {0.25F, -0.75F};
  const std::vector<std::vector<float>> gp = {{0.5F, -1.0F, 2.0F, 0.0F}, {0.1F, 0.2F, -0.3F, 1.0F}, {-2.0F, 0.5F, 0.5F, 0.25F}};
  const std::vector<std::vector<float>> gq = {{1.0F, -1.0F}, {0.5F, 0.5F}, {-0.25F, 2.0F}};
  AdamW adamw({.weight_decay = 0.01F});
  for (std::size_t s = 0; s < 3; ++s) {
    const std::vector<DenseParameter> parameters = {{p, gp[s], true}, {q, gq[s], false}};
    adamw.step(parameters, 0.1F);
  }
  const std::vector<float> want_p = {0.8635626F, -1.8358369F, 2.7792630F, 0.3528585F}, want_q = {0.0004159F, -0.6690996F};
  for (std::size_t i = 0; i < p.size(); ++i) EXPECT_NEAR(p[i], want_p[i], 1e-5) << i;
  for (std::size_t i = 0; i < q.size(); ++i) EXPECT_NEAR(q[i], want_q[i], 1e-5) << i;
  EXPECT_EQ(adamw.steps(), 3U);
  // Another set of parameters than the first step's is a mistake, not a silent restart.
  const std::vector<DenseParameter> fewer = {{p, gp[0], true}};
  EXPECT_THROW(adamw.step(fewer, 0.1F), ArgumentError);
}

TEST(WarmupSchedule, RisesLinearlyThenDecaysToZero) {
  const WarmupSchedule schedule{.base = 1.0F, .warmup = 4, .total = 12};
  EXPECT_FLOAT_EQ(schedule.at(0), 0.25F);
  EXPECT_FLOAT_EQ(schedule.at(3), 1.0F);
  EXPECT_FLOAT_EQ(schedule.at(4), 1.0F);
  EXPECT_FLOAT_EQ(schedule.at(8), 0.5F);
  EXPECT_FLOAT_EQ(schedule.at(11), 0.125F);
  EXPECT_FLOAT_EQ(schedule.at(12), 0.0F);
  EXPECT_FLOAT_EQ((WarmupSchedule{.base = 2.0F}).at(1000), 2.0F);
}

TEST(GradientClipping, ScalesEveryGradientByOneFactorOnlyPastTheNorm) {
  std::vector<float> a = {3.0F, 0.0F}, b = {4.0F};
  std::vector<std::span<float>> all = {a, b};
  EXPECT_DOUBLE_EQ(clip_global_norm(all, 10.0), 5.0);  // under the limit: untouched
  EXPECT_EQ(a[0], 3.0F);
  EXPECT_DOUBLE_EQ(clip_global_norm(all, 1.0), 5.0);
  EXPECT_NEAR(a[0], 0.6F, 1e-6);
  EXPECT_NEAR(b[0], 0.8F, 1e-6);
  b[0] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(std::isnan(clip_global_norm(all, 1.0)));
}

}  // namespace
}  // namespace embedkit
