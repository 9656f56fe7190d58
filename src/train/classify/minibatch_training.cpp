// The classifier's mini-batch path: every step is the layer's (EmbeddingBag forward, a sparse
// optimizer's fused backward + update), and the batches run in order on one worker of the
// Hogwild runner (progress, divergence stop), parallel inside each step.
#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>

#include "embedkit/core/parallel.h"
#include "embedkit/train/sparse_optimizer.h"
#include "train/classify/classifier_step.h"
#include "train/hogwild.h"

namespace embedkit::detail {
namespace {

std::unique_ptr<SparseOptimizer> make_optimizer(const ClassifierOptions& o) {
  if (o.optimizer == ClassifierOptimizer::adam) return std::make_unique<SparseAdam>(AdamOptions{.learning_rate = o.learning_rate});
  return std::make_unique<SparseAdagrad>(AdagradOptions{.learning_rate = o.learning_rate});
}

}  // namespace

void train_in_batches(ClassifierModelImpl& model, const EncodedExamples& examples, const ClassifierCallbacks& callbacks) {
  const ClassifierOptions& options = model.options;
  const std::size_t n = examples.size();
  const std::size_t dim = model.dim();
  const std::size_t batch_size = std::max<std::size_t>(1, std::min(options.batch_size, n));
  EmbeddingBag& bag = model.input;
  EmbeddingTable& output = model.output;
  const std::unique_ptr<SparseOptimizer> input_optimizer = make_optimizer(options);
  const std::unique_ptr<SparseOptimizer> output_optimizer = make_optimizer(options);

  Hogwild run({.threads = 1,
               .epochs = options.epochs,
               .work_per_epoch = n,
               .learning_rate = options.learning_rate,
               .seed = options.seed,
               .work_unit = "examples",
               .threads_inside = job_threads(options.threads),
               .should_stop = callbacks.should_stop});
  auto on_progress = [&](const HogwildProgress& h) {
    // (The rate is constant: the optimizer adapts it per row.)
    if (callbacks.on_progress) callbacks.on_progress(classifier_progress(h, options.learning_rate));
  };

  // The output layer's gradient: every row, dense (labels x dim is small), in the table's layout
  // while the losses accumulate it, then handed to the optimizer as a SparseGradient.
  std::vector<TokenId> all_output_rows(output.rows());
  std::iota(all_output_rows.begin(), all_output_rows.end(), TokenId{0});
  std::vector<float> output_step(output.rows() * output.stride());
  SparseGradient output_gradient(all_output_rows, dim);

  std::vector<std::uint32_t> order(n);
  std::vector<TokenId> indices;
  std::vector<std::uint64_t> offsets;
  std::vector<float> grad_out, scores(model.labels.size());
  BagForward forward;
  SparseGradient::Scratch scratch;
  for (std::size_t epoch = 0; epoch < options.epochs; ++epoch) {
    bag.set_trainable(options.freeze.trainable_in(epoch));
    shuffle_for_epoch(order, options.seed, epoch);
    run.run_epoch(
        epoch,
        [&](Hogwild::Thread& thread) {
          for (std::size_t first = 0; first < n; first += batch_size) {
            const std::size_t count = std::min(batch_size, n - first);
            indices.clear();
            offsets.clear();
            for (std::size_t i = first; i < first + count; ++i) {
              offsets.push_back(indices.size());
              append_kept_features(examples.features_of(order[i]), options.dropout, thread.rng(), indices);
            }
            const BagBatch batch{indices, offsets};
            bag.forward_for_training(batch, forward);
            // lr = -1 / count: the losses accumulate the gradient of the batch's mean loss.
            const float scale = -1.0F / static_cast<float>(count);
            grad_out.assign(count * dim, 0.0F);
            std::fill(output_step.begin(), output_step.end(), 0.0F);
            double loss = 0;
            for (std::size_t i = 0; i < count; ++i) {
              loss += classifier_example_loss(model, forward.output.data() + i * dim,
                                              examples.targets_of(order[first + i]), scale, grad_out.data() + i * dim,
                                              scores.data(), output_step.data());
            }
            if (!std::isfinite(loss)) {
              thread.diverged();
              return;
            }
            input_optimizer->step(bag, batch, grad_out, forward, scratch);
            for (std::size_t r = 0; r < output.rows(); ++r) {
              std::copy_n(output_step.data() + r * output.stride(), dim, output_gradient.value(r).data());
            }
            output_optimizer->step(output, output_gradient);
            if (!thread.report(count, loss, count)) return;
          }
        },
        on_progress);
  }
}

}  // namespace embedkit::detail
