// The Transformer classifier's training: mini-batches bucketed by length; each batch's sequences
// split over the threads by tokens, each thread running the layer's lookup, the encoder, pooling
// and the head forward and backward on its share; then the step every encoder trainer takes
// (train/nn/encoder_step.h: gradients summed, clipped, AdamW and lazy Adam at one warm-up and
// decay schedule). Progress, Ctrl-C and the stop on NaN are the Hogwild runner's (one worker,
// its cores given to the batch).
#include <algorithm>
#include <atomic>
#include <cmath>

#include "embedkit/core/parallel.h"
#include "embedkit/table/embedding.h"
#include "train/classify/classifier_step.h"
#include "train/hogwild.h"
#include "train/nn/encoder_step.h"

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

// Where `batch` splits into `threads` shares of about equal tokens, in order: share t is
// [cut[t], cut[t + 1]).
std::vector<std::size_t> token_balanced_cuts(const EncodedExamples& examples, std::span<const std::uint32_t> batch,
                                             std::size_t threads) {
  std::vector<std::size_t> cut{0};
  cut.resize(threads + 1, batch.size());
  std::size_t tokens = 0, total = 0, next = 1;
  for (const std::uint32_t e : batch) total += examples.features_of(e).size();
  for (std::size_t i = 0; i < batch.size() && next < threads; ++i) {
    tokens += examples.features_of(batch[i]).size();
    while (next < threads && tokens * threads >= total * next) cut[next++] = i + 1;
  }
  return cut;
}

// One thread's activations, kept between batches (no allocation in the steady state).
struct Activations {
  std::vector<std::size_t> lengths;
  std::vector<float> x, y, pooled, logits, dlogits, dpooled, dy;
  nn::TransformerEncoder::Cache cache;
  nn::TransformerEncoder::Gradients encoder;
};

// Forward and backward of `batch` (one share) on one thread: the gradient of the batch's mean
// loss (`scale` = 1 / batch size) accumulates in `share`.
void run_share(const TransformerHead& head, Embedding& embedding, const EncodedExamples& examples,
               std::span<const std::uint32_t> batch, float scale, SplitMix64& rng, Activations& a,
               EncoderStep::Share& share) {
  const std::size_t d = head.encoder.dim(), labels = head.classifier.out(), n = batch.size();
  if (n == 0) return;
  std::vector<TokenId>& ids = share.rows[0].ids;
  a.lengths.clear();
  for (const std::uint32_t e : batch) {
    const std::span<const TokenId> f = examples.features_of(e);
    ids.insert(ids.end(), f.begin(), f.end());
    a.lengths.push_back(f.size());
  }
  const std::vector<nn::SequenceRows> rows = nn::packed_sequences(a.lengths);
  const std::size_t total = ids.size();
  a.x.resize(total * d);
  embedding.forward(ids, a.x);  // (no max_norm: it only reads, so threads may share it)
  a.y.resize(total * d);
  head.encoder.forward(a.x, rows, a.y, a.cache, &rng);
  a.pooled.resize(n * d);
  for (std::size_t i = 0; i < n; ++i) {
    nn::pool(head.pooling, std::span<const float>(a.y).subspan(rows[i].start * d, rows[i].rows * d), rows[i].rows,
             rows[i].length, std::span<float>(a.pooled).subspan(i * d, d));
  }
  a.logits.resize(n * labels);
  head.classifier.forward(a.pooled, a.logits);
  // Softmax cross-entropy against each example's label (the first, as softmax training takes it).
  a.dlogits.resize(n * labels);
  for (std::size_t i = 0; i < n; ++i) {
    const std::span<float> p = std::span<float>(a.logits).subspan(i * labels, labels);
    softmax(p);
    const std::uint32_t target = examples.targets_of(batch[i])[0];
    share.loss -= std::log(std::max(p[target], 1e-30F));
    for (std::size_t l = 0; l < labels; ++l) a.dlogits[i * labels + l] = scale * (p[l] - (l == target ? 1.0F : 0.0F));
  }
  share.count += n;
  // The head's gradients follow the encoder's in the share (TransformerHead::parameters()).
  const std::size_t encoder_parameters = share.gradients.size() - 2;
  a.dpooled.resize(n * d);
  head.classifier.backward(a.pooled, a.dlogits, a.dpooled, share.gradients[encoder_parameters],
                           share.gradients[encoder_parameters + 1]);
  a.dy.resize(total * d);
  for (std::size_t i = 0; i < n; ++i) {
    nn::pool_backward(head.pooling, std::span<const float>(a.dpooled).subspan(i * d, d), rows[i].rows, rows[i].length,
                      std::span<float>(a.dy).subspan(rows[i].start * d, rows[i].rows * d));
  }
  std::vector<float>& dx = share.rows[0].gradients;
  dx.resize(total * d);
  encoder_backward_into(head.encoder, a.dy, a.cache, dx, a.encoder, share);
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
  const std::uint64_t total_steps = steps_per_epoch * options.epochs;

  // The layer: the table moves into an Embedding for training (its lookup and sparse gradient)
  // and back into the model's bag at the end.
  Embedding embedding(std::move(model.input.table()));
  EncoderStep step(
      head.parameters(), {&embedding}, threads,
      {.schedule = {.base = options.learning_rate,
                    .warmup = static_cast<std::uint64_t>(std::llround(t.warmup * static_cast<double>(total_steps))),
                    .total = total_steps},
       .weight_decay = t.weight_decay,
       .clip = t.clip,
       .table_rate_scales = {t.embedding_learning_rate > 0 ? t.embedding_learning_rate / options.learning_rate
                                                            : 1.0F}});
  std::vector<Activations> activations(threads);

  // A resumed checkpoint continues at the epoch after its last, at that point of the schedule.
  const std::size_t first_epoch = std::min(model.epochs_done, options.epochs);
  Hogwild run({.threads = 1,
               .epochs = options.epochs,
               .work_per_epoch = n,
               .learning_rate = options.learning_rate,
               .seed = options.seed,
               .work_unit = "examples",
               .threads_inside = threads,
               .should_stop = callbacks.should_stop},
              first_epoch * n);
  std::uint64_t done = first_epoch * steps_per_epoch;
  std::atomic<float> current_rate = step.rate(done);  // (read by the reporting thread)
  auto on_progress = [&](const HogwildProgress& h) {
    if (callbacks.on_progress) callbacks.on_progress(classifier_progress(h, current_rate));
  };
  for (std::size_t epoch = first_epoch; epoch < options.epochs; ++epoch) {
    embedding.set_trainable(options.freeze.trainable_in(epoch));
    const std::vector<std::vector<std::uint32_t>> batches =
        length_bucketed_batches(examples, batch_size, options.seed, epoch);
    run.run_epoch(
        epoch,
        [&](Hogwild::Thread& worker) {
          for (const std::vector<std::uint32_t>& batch : batches) {
            const std::vector<std::size_t> cut = token_balanced_cuts(examples, batch, threads);
            const float scale = 1.0F / static_cast<float>(batch.size());
            const EncoderStep::Outcome outcome = step.run(done, [&](std::size_t i, EncoderStep::Share& share) {
              SplitMix64 rng = SplitMix64::stream(options.seed ^ 0xD40FULL, done * threads + i);
              run_share(head, embedding, examples,
                        std::span<const std::uint32_t>(batch).subspan(cut[i], cut[i + 1] - cut[i]), scale, rng,
                        activations[i], share);
            });
            if (!outcome.finite) {
              worker.diverged();
              return;
            }
            current_rate = step.rate(done);
            ++done;
            if (!worker.report(batch.size(), outcome.loss, batch.size())) return;
          }
        },
        on_progress);
    if (run.stopped_mid_epoch()) {
      model.stopped_mid_epoch = true;
      break;
    }
    model.epochs_done = epoch + 1;
    if (!options.checkpoint.empty()) {  // the model as it is: rows back in the bag, saved, out again
      model.input = EmbeddingBag(std::move(embedding.table()), {.mode = BagMode::mean});
      save_classifier(model, options.checkpoint);
      embedding = Embedding(std::move(model.input.table()), {.trainable = embedding.trainable()});
    }
    if (run.stopped()) break;
  }
  model.input = EmbeddingBag(std::move(embedding.table()), {.mode = BagMode::mean});
}

}  // namespace embedkit::detail
