#include "train/nn/encoder_step.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <string>

#include "embedkit/core/error.h"
#include "embedkit/train/gradient_clipping.h"

namespace embedkit::detail {

EncoderStep::EncoderStep(std::vector<nn::TransformerEncoder::Parameter> parameters, std::vector<Embedding*> tables,
                         std::size_t threads, EncoderStepSettings settings)
    : parameters_(std::move(parameters)),
      tables_(std::move(tables)),
      settings_(std::move(settings)),
      shares_(std::max<std::size_t>(1, threads)),
      adamw_({.weight_decay = settings_.weight_decay}),
      row_gradients_(tables_.size()) {
  if (settings_.table_rate_scales.empty()) settings_.table_rate_scales.assign(tables_.size(), 1.0F);
  for (Share& share : shares_) {
    for (const auto& p : parameters_) share.gradients.emplace_back(p.value.size(), 0.0F);
    share.rows.resize(tables_.size());
  }
  for (std::size_t p = 0; p < parameters_.size(); ++p) {
    const std::string& name = parameters_[p].name;
    const bool decay =
        name.ends_with("weight") && name.find("norm") == std::string::npos && name != "positions.weight";
    dense_.push_back({parameters_[p].value, shares_[0].gradients[p], decay});
  }
  for (std::size_t t = 0; t < tables_.size(); ++t) {
    row_optimizers_.push_back(
        std::make_unique<SparseAdam>(AdamOptions{.learning_rate = std::max(settings_.schedule.base, 1e-30F)}));
  }
}

EncoderStep::Outcome EncoderStep::run(std::uint64_t step, const std::function<void(std::size_t, Share&)>& body) {
  for (Share& share : shares_) {
    for (auto& g : share.gradients) std::fill(g.begin(), g.end(), 0.0F);
    for (auto& r : share.rows) {
      r.ids.clear();
      r.gradients.clear();
    }
    share.loss = 0;
    share.count = 0;
  }
  const std::size_t threads = shares_.size();
  std::exception_ptr failure;
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (std::size_t t = 0; t < threads; ++t) {
    try {
      body(t, shares_[t]);
    } catch (...) {
#pragma omp critical
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);

  // The sums land in share 0's gradients (the dense parameters' views), added in thread order.
  Outcome outcome;
  std::vector<std::span<float>> all;
  for (std::size_t t = 0; t < threads; ++t) {
    outcome.loss += shares_[t].loss;
    outcome.count += shares_[t].count;
    if (t == 0) continue;
    for (std::size_t p = 0; p < parameters_.size(); ++p) {
      std::vector<float>& sum = shares_[0].gradients[p];
      const std::vector<float>& part = shares_[t].gradients[p];
      for (std::size_t j = 0; j < sum.size(); ++j) sum[j] += part[j];
    }
  }
  for (auto& g : shares_[0].gradients) all.emplace_back(g);
  for (std::size_t k = 0; k < tables_.size(); ++k) {
    SparseGradient& gradient = row_gradients_[k];
    gradient.assign({}, tables_[k]->dim());
    if (!tables_[k]->trainable()) continue;
    ids_.clear();
    values_.clear();
    for (const Share& share : shares_) {
      ids_.insert(ids_.end(), share.rows[k].ids.begin(), share.rows[k].ids.end());
      values_.insert(values_.end(), share.rows[k].gradients.begin(), share.rows[k].gradients.end());
    }
    tables_[k]->backward(ids_, values_, gradient);
    for (std::size_t r = 0; r < gradient.size(); ++r) all.push_back(gradient.value(r));
  }
  outcome.norm = clip_global_norm(all, settings_.clip);
  if (!std::isfinite(outcome.norm) || !std::isfinite(outcome.loss)) {
    outcome.finite = false;
    return outcome;
  }
  const float rate = settings_.schedule.at(step);
  adamw_.step(dense_, rate);
  for (std::size_t k = 0; k < tables_.size(); ++k) {
    if (!tables_[k]->trainable() || row_gradients_[k].empty() || rate <= 0) continue;
    row_optimizers_[k]->set_learning_rate(rate * settings_.table_rate_scales[k]);
    row_optimizers_[k]->step(tables_[k]->table(), row_gradients_[k]);
  }
  return outcome;
}

void encoder_backward_into(const nn::TransformerEncoder& encoder, std::span<const float> dy,
                           nn::TransformerEncoder::Cache& cache, std::span<float> dx,
                           nn::TransformerEncoder::Gradients& scratch, EncoderStep::Share& share) {
  if (scratch.layers.empty()) scratch = encoder.zero_gradients();
  const std::vector<std::span<float>> gradients = nn::TransformerEncoder::gradient_spans(scratch);
  for (const std::span<float> g : gradients) std::fill(g.begin(), g.end(), 0.0F);
  encoder.backward(dy, cache, dx, scratch);
  for (std::size_t p = 0; p < gradients.size(); ++p) {
    std::vector<float>& sum = share.gradients[p];
    for (std::size_t j = 0; j < sum.size(); ++j) sum[j] += gradients[p][j];
  }
}

}  // namespace embedkit::detail
