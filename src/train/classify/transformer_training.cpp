// The Transformer classifier's training: mini-batches bucketed by length; each batch's sequences
// split over the threads, each thread running the layer's lookup, the encoder, pooling and the
// head forward and backward on its share; then one step: the threads' gradients summed in a fixed
// order, clipped by their global norm, AdamW on the dense parameters and lazy Adam on the
// embedding rows the batch touched (unless the freeze schedule holds them), at the rate of one
// warm-up and decay schedule. Progress, Ctrl-C and the stop on NaN are the Hogwild runner's
// (one worker, its cores given to the batch).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "embedkit/core/parallel.h"
#include "embedkit/table/embedding.h"
#include "embedkit/train/adamw.h"
#include "embedkit/train/gradient_clipping.h"
#include "embedkit/train/sparse_optimizer.h"
#include "embedkit/train/warmup_schedule.h"
#include "train/classify/classifier_step.h"
#include "train/hogwild.h"

namespace embedkit::detail {
namespace {

// Sequences per window sorted by length before being cut into batches: batches of similar
// lengths (little work lost to imbalance between threads), still drawn from the whole epoch.
constexpr std::size_t kBucketBatches = 32;

// The epoch's batches: shuffled examples, sorted by length within windows of kBucketBatches
// batches, cut into batches, the batches shuffled.
std::vector<std::vector<std::uint32_t>> length_bucketed_batches(const EncodedExamples& examples,
                                                                 std::size_t batch_size, std::uint64_t seed,
                                                                 std::size_t epoch) {
  std::vector<std::uint32_t> order(examples.size());
  shuffle_for_epoch(order, seed, epoch);
  const std::size_t window = batch_size * kBucketBatches;
  for (std::size_t first = 0; first < order.size(); first += window) {
    const auto begin = order.begin() + static_cast<std::ptrdiff_t>(first);
    const auto end = order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), first + window));
    std::stable_sort(begin, end, [&](std::uint32_t a, std::uint32_t b) {
      return examples.features_of(a).size() < examples.features_of(b).size();
    });
  }
  std::vector<std::vector<std::uint32_t>> batches;
  for (std::size_t first = 0; first < order.size(); first += batch_size) {
    batches.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(first),
                         order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), first + batch_size)));
  }
  SplitMix64 rng = SplitMix64::stream(seed ^ 0xBA7C4ULL, epoch);
  for (std::size_t i = batches.size(); i > 1; --i) std::swap(batches[i - 1], batches[rng.next() % i]);
  return batches;
}

// What one thread keeps between batches: its share's activations and its gradients.
struct ThreadState {
  std::vector<TokenId> ids;
  std::vector<std::size_t> lengths;
  std::vector<float> x, y, pooled, logits, dlogits, dpooled, dy, dx;
  nn::TransformerEncoder::Cache cache;
  nn::TransformerEncoder::Gradients encoder;
  std::vector<float> classifier_weight, classifier_bias;
  double loss = 0;
};

// The gradient spans of a thread, in the order of TransformerHead::parameters().
std::vector<std::span<float>> gradient_spans(ThreadState& s) {
  std::vector<std::span<float>> all = nn::TransformerEncoder::gradient_spans(s.encoder);
  all.emplace_back(s.classifier_weight);
  all.emplace_back(s.classifier_bias);
  return all;
}

// Forward and backward of sequences [first, last) of `batch` on one thread; the gradient of the
// batch's mean loss accumulates in `s`, the embedding rows' gradient lands in s.dx.
void run_share(const TransformerHead& head, Embedding& embedding, const EncodedExamples& examples,
               std::span<const std::uint32_t> batch, float scale, SplitMix64& rng, ThreadState& s) {
  const std::size_t d = head.encoder.dim(), labels = head.classifier.out(), n = batch.size();
  s.ids.clear();
  s.lengths.clear();
  for (const std::uint32_t e : batch) {
    const std::span<const TokenId> f = examples.features_of(e);
    s.ids.insert(s.ids.end(), f.begin(), f.end());
    s.lengths.push_back(f.size());
  }
  const std::vector<nn::SequenceRows> rows = nn::packed_sequences(s.lengths);
  const std::size_t total = s.ids.size();
  s.x.resize(total * d);
  embedding.forward(s.ids, s.x);  // (no max_norm: it only reads, so threads may share it)
  s.y.resize(total * d);
  head.encoder.forward(s.x, rows, s.y, s.cache, &rng);
  s.pooled.resize(n * d);
  for (std::size_t i = 0; i < n; ++i) {
    nn::pool(head.pooling, std::span<const float>(s.y).subspan(rows[i].start * d, rows[i].rows * d), rows[i].rows,
             rows[i].length, std::span<float>(s.pooled).subspan(i * d, d));
  }
  s.logits.resize(n * labels);
  head.classifier.forward(s.pooled, s.logits);
  // Softmax cross-entropy against each example's label (the first, as softmax training takes it).
  s.dlogits.resize(n * labels);
  for (std::size_t i = 0; i < n; ++i) {
    const std::span<float> p = std::span<float>(s.logits).subspan(i * labels, labels);
    softmax(p);
    const std::uint32_t target = examples.targets_of(batch[i])[0];
    s.loss -= std::log(std::max(p[target], 1e-30F));
    for (std::size_t l = 0; l < labels; ++l) {
      s.dlogits[i * labels + l] = scale * (p[l] - (l == target ? 1.0F : 0.0F));
    }
  }
  s.dpooled.resize(n * d);
  head.classifier.backward(s.pooled, s.dlogits, s.dpooled, s.classifier_weight, s.classifier_bias);
  s.dy.resize(total * d);
  for (std::size_t i = 0; i < n; ++i) {
    nn::pool_backward(head.pooling, std::span<const float>(s.dpooled).subspan(i * d, d), rows[i].rows, rows[i].length,
                      std::span<float>(s.dy).subspan(rows[i].start * d, rows[i].rows * d));
  }
  s.dx.resize(total * d);
  head.encoder.backward(s.dy, s.cache, s.dx, s.encoder);
}

}  // namespace

void train_transformer(ClassifierModelImpl& model, const EncodedExamples& examples,
                       const ClassifierCallbacks& callbacks) {
  const ClassifierOptions& options = model.options;
  const TransformerClassifierOptions& t = options.transformer;
  TransformerHead& head = *model.transformer;
  const std::size_t n = examples.size();
  const std::size_t batch_size = std::max<std::size_t>(1, std::min(options.batch_size, n));
  const std::size_t threads = job_threads(options.threads, batch_size);
  const std::size_t steps_per_epoch = (n + batch_size - 1) / batch_size;
  const WarmupSchedule schedule{
      .base = options.learning_rate,
      .warmup = static_cast<std::uint64_t>(std::llround(t.warmup * static_cast<double>(steps_per_epoch * options.epochs))),
      .total = steps_per_epoch * options.epochs};

  // The layer: the table moves into an Embedding for training (its lookup and sparse gradient)
  // and back into the model's bag at the end.
  Embedding embedding(std::move(model.input.table()));
  AdamW adamw({.weight_decay = t.weight_decay});
  const float rows_scale = t.embedding_learning_rate > 0 ? t.embedding_learning_rate / options.learning_rate : 1.0F;
  SparseAdam rows_optimizer({.learning_rate = options.learning_rate * rows_scale});
  std::vector<nn::TransformerEncoder::Parameter> parameters = head.parameters();
  std::vector<ThreadState> states(threads);
  for (ThreadState& s : states) {
    s.encoder = head.encoder.zero_gradients();
    s.classifier_weight.assign(head.classifier.weight().size(), 0.0F);
    s.classifier_bias.assign(head.classifier.bias().size(), 0.0F);
  }
  std::vector<DenseParameter> dense;
  {
    const std::vector<std::span<float>> sums = gradient_spans(states[0]);  // thread 0's hold the sums
    for (std::size_t p = 0; p < parameters.size(); ++p) {
      const std::string& name = parameters[p].name;
      // Decay on the matrices; not on biases, norms or positions.
      const bool decay = name.ends_with("weight") && name.find("norm") == std::string::npos &&
                         name != "positions.weight";
      dense.push_back({parameters[p].value, sums[p], decay});
    }
  }

  Hogwild run({.threads = 1,
               .epochs = options.epochs,
               .work_per_epoch = n,
               .learning_rate = options.learning_rate,
               .seed = options.seed,
               .work_unit = "examples",
               .threads_inside = threads,
               .should_stop = callbacks.should_stop});
  std::atomic<float> current_rate = schedule.at(0);  // (read by the reporting thread)
  auto on_progress = [&](const HogwildProgress& h) {
    if (callbacks.on_progress) callbacks.on_progress(classifier_progress(h, current_rate));
  };
  SparseGradient rows_gradient;
  std::vector<TokenId> batch_ids;
  std::vector<float> batch_dx;
  std::vector<std::span<float>> clipped;
  std::uint64_t step = 0;
  for (std::size_t epoch = 0; epoch < options.epochs; ++epoch) {
    embedding.set_trainable(options.freeze.trainable_in(epoch));
    const std::vector<std::vector<std::uint32_t>> batches =
        length_bucketed_batches(examples, batch_size, options.seed, epoch);
    run.run_epoch(
        epoch,
        [&](Hogwild::Thread& worker) {
          for (std::size_t b = 0; b < batches.size(); ++b, ++step) {
            const std::vector<std::uint32_t>& batch = batches[b];
            const float scale = 1.0F / static_cast<float>(batch.size());
            // Shares of about equal tokens, in batch order.
            std::vector<std::size_t> cut(threads + 1, batch.size());
            cut[0] = 0;
            {
              std::size_t tokens = 0, total = 0, next = 1;
              for (const std::uint32_t e : batch) total += examples.features_of(e).size();
              for (std::size_t i = 0; i < batch.size() && next < threads; ++i) {
                tokens += examples.features_of(batch[i]).size();
                while (next < threads && tokens * threads >= total * next) cut[next++] = i + 1;
              }
            }
            for (ThreadState& s : states) {
              for (const std::span<float> g : gradient_spans(s)) std::fill(g.begin(), g.end(), 0.0F);
              s.loss = 0;
            }
            std::exception_ptr failure;
#pragma omp parallel for num_threads(threads) schedule(static, 1)
            for (std::size_t i = 0; i < threads; ++i) {
              try {
                SplitMix64 rng = SplitMix64::stream(options.seed ^ 0xD40FULL, step * threads + i);
                run_share(head, embedding, examples,
                          std::span<const std::uint32_t>(batch).subspan(cut[i], cut[i + 1] - cut[i]), scale, rng,
                          states[i]);
              } catch (...) {
#pragma omp critical
                if (!failure) failure = std::current_exception();
              }
            }
            if (failure) std::rethrow_exception(failure);
            // Thread 0's gradients become the sums, added in thread order (reproducible).
            double loss = states[0].loss;
            const std::vector<std::span<float>> sums = gradient_spans(states[0]);
            for (std::size_t i = 1; i < threads; ++i) {
              loss += states[i].loss;
              const std::vector<std::span<float>> part = gradient_spans(states[i]);
              for (std::size_t p = 0; p < sums.size(); ++p) {
                for (std::size_t j = 0; j < sums[p].size(); ++j) sums[p][j] += part[p][j];
              }
            }
            clipped = sums;
            if (embedding.trainable()) {
              batch_ids.clear();
              batch_dx.clear();
              for (const ThreadState& s : states) {
                batch_ids.insert(batch_ids.end(), s.ids.begin(), s.ids.end());
                batch_dx.insert(batch_dx.end(), s.dx.begin(), s.dx.end());
              }
              embedding.backward(batch_ids, batch_dx, rows_gradient);
              for (std::size_t r = 0; r < rows_gradient.size(); ++r) clipped.push_back(rows_gradient.value(r));
            }
            const double norm = clip_global_norm(clipped, t.clip);
            if (!std::isfinite(norm) || !std::isfinite(loss)) {
              worker.diverged();
              return;
            }
            current_rate = schedule.at(step);
            adamw.step(dense, current_rate);
            if (embedding.trainable() && !rows_gradient.empty()) {
              rows_optimizer.set_learning_rate(current_rate * rows_scale);
              rows_optimizer.step(embedding.table(), rows_gradient);
            }
            if (!worker.report(batch.size(), loss, batch.size())) return;
          }
        },
        on_progress);
    if (run.stopped()) break;
  }
  model.input = EmbeddingBag(std::move(embedding.table()), {.mode = BagMode::mean});
}

}  // namespace embedkit::detail
