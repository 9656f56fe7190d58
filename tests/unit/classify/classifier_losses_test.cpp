// The classifier's output layers against finite differences: dL/dh (what the embedding rows
// receive) and dL/dW (the output layer's own step), for softmax, one-vs-all and hierarchical
// softmax, with one target and with several.
#include "train/objectives/classifier_losses.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <vector>

namespace embedkit::detail {
namespace {

constexpr std::size_t kDim = 6;
constexpr std::size_t kLabels = 5;

struct Problem {
  std::vector<float> h = std::vector<float>(kDim);
  std::vector<float> w = std::vector<float>(kLabels * kDim);
};

Problem random_problem(unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> normal(0.0F, 0.7F);
  Problem p;
  for (auto& x : p.h) x = normal(gen);
  for (auto& x : p.w) x = normal(gen);
  return p;
}

// Loss and gradients of one loss function `f(h, w, lr, grad_h)` (SGD step in place).
template <class Loss>
void check_gradients(Loss&& loss, unsigned seed) {
  const Problem p = random_problem(seed);
  // Analytic: a tiny step; grad_h accumulates -lr dL/dh and w moves by -lr dL/dw.
  constexpr float kLr = 1e-3F;
  std::vector<float> grad_h(kDim, 0.0F);
  std::vector<float> w = p.w;
  std::vector<float> h = p.h;
  loss(h.data(), w.data(), kLr, grad_h.data());
  auto value = [&](const std::vector<float>& hh, const std::vector<float>& ww) {
    std::vector<float> g(kDim, 0.0F);
    std::vector<float> copy = ww;
    return static_cast<double>(loss(hh.data(), copy.data(), 0.0F, g.data()));
  };
  constexpr float kEps = 1e-2F;
  for (std::size_t d = 0; d < kDim; ++d) {
    std::vector<float> plus = p.h, minus = p.h;
    plus[d] += kEps;
    minus[d] -= kEps;
    const double numeric = (value(plus, p.w) - value(minus, p.w)) / (2 * kEps);
    EXPECT_NEAR(-grad_h[d] / kLr, numeric, 2e-3 + 2e-2 * std::abs(numeric)) << "dL/dh[" << d << "]";
  }
  for (std::size_t i = 0; i < p.w.size(); ++i) {
    std::vector<float> plus = p.w, minus = p.w;
    plus[i] += kEps;
    minus[i] -= kEps;
    const double numeric = (value(p.h, plus) - value(p.h, minus)) / (2 * kEps);
    const double analytic = (p.w[i] - w[i]) / kLr;
    EXPECT_NEAR(analytic, numeric, 2e-3 + 2e-2 * std::abs(numeric)) << "dL/dw[" << i << "]";
  }
}

TEST(ClassifierLosses, SoftmaxGradientsMatchFiniteDifferences) {
  const auto& k = kernels::scalar_kernels();
  for (const std::vector<std::uint32_t>& targets : {std::vector<std::uint32_t>{2}, std::vector<std::uint32_t>{0, 3}}) {
    std::vector<float> scores(kLabels);
    check_gradients(
        [&](const float* h, float* w, float lr, float* g) {
          return softmax_loss(h, w, kDim, kLabels, targets, lr, g, scores.data(), kDim, k);
        },
        7);
  }
}

TEST(ClassifierLosses, SoftmaxLossIsCrossEntropyOfTheProbabilities) {
  const auto& k = kernels::scalar_kernels();
  const Problem p = random_problem(3);
  std::vector<float> probs(kLabels), scores(kLabels), g(kDim), w = p.w;
  label_probabilities(ClassifierLoss::softmax, p.h.data(), p.w.data(), kDim, kLabels, nullptr, kDim, probs.data(), k);
  double total = 0;
  for (const float x : probs) total += x;
  EXPECT_NEAR(total, 1.0, 1e-6);
  const std::uint32_t target[1] = {4};
  EXPECT_NEAR(softmax_loss(p.h.data(), w.data(), kDim, kLabels, target, 0.0F, g.data(), scores.data(), kDim, k),
              -std::log(probs[4]), 1e-5);
}

TEST(ClassifierLosses, OneVsAllGradientsMatchFiniteDifferences) {
  const auto& k = kernels::scalar_kernels();
  const std::vector<std::uint32_t> targets = {1, 4};
  check_gradients(
      [&](const float* h, float* w, float lr, float* g) {
        return one_vs_all_loss<ExactSigmoid>(h, w, kDim, kLabels, targets, lr, g, kDim, k);
      },
      11);
}

TEST(ClassifierLosses, HierarchicalSoftmaxGradientsAndADistribution) {
  const auto& k = kernels::scalar_kernels();
  const std::vector<std::uint64_t> counts = {40, 30, 20, 9, 1};
  const HuffmanTree tree(counts);  // 4 internal nodes: rows 0..3 of w are used
  for (const std::vector<std::uint32_t>& targets : {std::vector<std::uint32_t>{4}, std::vector<std::uint32_t>{0, 2}}) {
    check_gradients(
        [&](const float* h, float* w, float lr, float* g) {
          return hierarchical_softmax_loss<ExactSigmoid>(h, w, kDim, tree, targets, lr, g, kDim, k);
        },
        5);
  }
  // The leaves' probabilities form a distribution, and the loss is -log of the target's.
  const Problem p = random_problem(9);
  std::vector<float> probs(kLabels), g(kDim), w = p.w;
  label_probabilities(ClassifierLoss::hierarchical_softmax, p.h.data(), p.w.data(), kDim, kLabels, &tree, kDim,
                      probs.data(), k);
  double total = 0;
  for (const float x : probs) total += x;
  EXPECT_NEAR(total, 1.0, 1e-5);
  const std::uint32_t target[1] = {3};
  EXPECT_NEAR(hierarchical_softmax_loss<ExactSigmoid>(p.h.data(), w.data(), kDim, tree, target, 0.0F, g.data(), kDim, k),
              -std::log(probs[3]), 1e-3);
}


// With a step buffer (the mini-batch path), the output rows stay as they are, the buffer gets
// exactly the change the rows would have taken in place, and grad_h is the same.
TEST(ClassifierLosses, AStepBufferGetsWhatTheRowsWouldTakeInPlace) {
  const kernels::KernelTable& k = kernels::scalar_kernels();
  const Problem p = random_problem(21);
  const std::vector<std::uint32_t> counts_targets{1, 3}, one_target{3};
  const HuffmanTree tree(std::vector<std::uint64_t>{9, 7, 5, 3, 1});
  std::vector<float> scores(kLabels);
  using Loss = std::function<float(float*, float*, float*)>;  // (w, grad_h, step buffer or nullptr)
  const std::vector<std::pair<const char*, Loss>> losses = {
      {"softmax",
       [&](float* w, float* g, float* step) {
         return softmax_loss(p.h.data(), w, kDim, kLabels, counts_targets, 0.3F, g, scores.data(), kDim, k, step);
       }},
      {"ova",
       [&](float* w, float* g, float* step) {
         return one_vs_all_loss<ExactSigmoid>(p.h.data(), w, kDim, kLabels, counts_targets, 0.3F, g, kDim, k, step);
       }},
      {"hs",
       [&](float* w, float* g, float* step) {
         // (One target: two targets' paths share nodes, which in place the second sees moved.)
         return hierarchical_softmax_loss<ExactSigmoid>(p.h.data(), w, kDim, tree, one_target, 0.3F, g, kDim, k, step);
       }},
  };
  for (const auto& [name, loss] : losses) {
    std::vector<float> in_place = p.w, kept = p.w, step(p.w.size(), 0.0F);
    std::vector<float> g_in_place(kDim, 0.0F), g_buffered(kDim, 0.0F);
    const float a = loss(in_place.data(), g_in_place.data(), nullptr);
    const float b = loss(kept.data(), g_buffered.data(), step.data());
    EXPECT_EQ(a, b) << name;
    EXPECT_EQ(kept, p.w) << name << ": the rows must not move";
    for (std::size_t i = 0; i < p.w.size(); ++i) {
      EXPECT_NEAR(p.w[i] + step[i], in_place[i], 1e-6F) << name << " " << i;
    }
    for (std::size_t d = 0; d < kDim; ++d) EXPECT_NEAR(g_in_place[d], g_buffered[d], 1e-6F) << name << " " << d;
  }
}

}  // namespace
}  // namespace embedkit::detail
