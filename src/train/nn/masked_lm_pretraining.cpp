// pretrain_encoder: masked-language modelling over a corpus (see train/masked_lm.h). The corpus
// is read as the word-vector trainer reads it (its vocabulary pass and encoded corpus), cut into
// windows; each batch's windows are split over the threads, each thread masking its windows,
// running the lookup and the encoder, and the sampled softmax at the masked positions forward and
// backward; then the encoder step every encoder trainer takes (train/nn/encoder_step.h).
#include "embedkit/train/masked_lm.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>

#include "embedkit/classify/text_classifier.h"
#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"
#include "embedkit/io/align_vectors.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/io/word_vectors.h"
#include "embedkit/table/embedding.h"
#include "embedkit/text/tokenizer.h"
#include "embedkit/vocab/vocab_builder.h"
#include "kernels/gemm.h"
#include "kernels/kernels.h"
#include "train/hogwild.h"
#include "train/nn/encoder_step.h"
#include "train/objectives/negative_table.h"
#include "train/word2vec/encoded_corpus.h"

namespace embedkit {
namespace {

using kernels::Transpose;

void check(const PretrainOptions& o) {
  EMBEDKIT_CHECK(o.dim >= 2 && o.dim <= 65536, ArgumentError, fmt::format("--dim {} is out of range (2..65536)", o.dim));
  EMBEDKIT_CHECK(o.epochs >= 1, ArgumentError, "--epochs must be at least 1");
  EMBEDKIT_CHECK(o.max_length >= 2 && o.max_length <= 65536, ArgumentError,
                 fmt::format("--max-length {} is out of range (2..65536)", o.max_length));
  EMBEDKIT_CHECK(o.mask_probability > 0.0F && o.mask_probability < 1.0F, ArgumentError,
                 fmt::format("--mask {} must be in (0, 1)", o.mask_probability));
  EMBEDKIT_CHECK(o.negatives >= 1 && o.negatives <= 100000, ArgumentError,
                 fmt::format("--negatives {} is out of range (1..100000)", o.negatives));
  EMBEDKIT_CHECK(std::isfinite(o.learning_rate) && o.learning_rate > 0, ArgumentError,
                 fmt::format("--lr {} must be positive", o.learning_rate));
  EMBEDKIT_CHECK(o.batch_size >= 1 && o.batch_size <= 1000000, ArgumentError,
                 fmt::format("--batch-size {} is out of range (1..1000000)", o.batch_size));
  EMBEDKIT_CHECK(o.warmup >= 0.0F && o.warmup <= 1.0F && o.clip >= 0.0F && o.weight_decay >= 0.0F, ArgumentError,
                 "--warmup must be a fraction of the steps; --clip and --weight-decay >= 0");
  EMBEDKIT_CHECK(o.threads <= kMaxThreads, ArgumentError, fmt::format("--threads {}: at most {}", o.threads, kMaxThreads));
}

// A window of the corpus: ids [start, start + length) of the decoded corpus.
struct Window {
  std::size_t start, length;
};

// A batch's windows with their masks drawn, on the calling thread from the step's generator (the
// same masks whatever the thread count, and the exact count of predictions for the loss's mean).
struct MaskedBatch {
  std::vector<TokenId> input;         // the windows back to back, as fed (masked)
  std::vector<std::size_t> starts;    // window w is input rows [starts[w], starts[w + 1])
  std::vector<std::size_t> masked;    // rows to predict, ascending
  std::vector<TokenId> targets;       // their words
};

// BERT's masking: each token chosen with probability p (a window with none gets its last
// maskable one); a chosen token is fed as <mask> (80%), a word drawn as the negatives are (10%;
// never a special token) or itself (10%). Tokens the sampler never offers (specials, count 0)
// are never chosen: their score's correction would be log 0.
void mask_batch(std::span<const TokenId> corpus, std::span<const Window> windows, float p,
                const detail::NegativeTable& sampler, TokenId mask, SplitMix64& rng, MaskedBatch& b) {
  b.input.clear();
  b.starts.assign(1, 0);
  b.masked.clear();
  b.targets.clear();
  for (const Window& w : windows) {
    const std::size_t first = b.input.size(), masked_before = b.masked.size();
    std::size_t last_maskable = SIZE_MAX;
    for (std::size_t i = 0; i < w.length; ++i) {
      const TokenId word = corpus[w.start + i];
      b.input.push_back(word);
      if (sampler.probability(word) <= 0) continue;
      last_maskable = first + i;
      if (rng.uniform() < p) {
        b.masked.push_back(first + i);
        b.targets.push_back(word);
      }
    }
    if (b.masked.size() == masked_before && last_maskable != SIZE_MAX) {
      b.masked.push_back(last_maskable);
      b.targets.push_back(b.input[last_maskable]);
    }
    for (std::size_t m = masked_before; m < b.masked.size(); ++m) {
      const double r = rng.uniform();
      if (r < 0.8) b.input[b.masked[m]] = mask;
      else if (r < 0.9) b.input[b.masked[m]] = sampler.draw(rng);
    }
    b.starts.push_back(b.input.size());
  }
}

// One thread's activations, kept between batches.
struct Activations {
  std::vector<TokenId> negatives;
  std::vector<std::size_t> lengths;
  std::vector<float> x, y, hidden, target_rows, negative_rows, scores, dscores, dhidden, dtarget, dnegative, dy;
  std::vector<float> negative_correction;
  nn::TransformerEncoder::Cache cache;
  nn::TransformerEncoder::Gradients encoder;
};

struct Model {
  const nn::TransformerEncoder& encoder;
  Embedding& tokens;
  Embedding& head;
  const detail::NegativeTable& sampler;
};

// Forward and backward of windows [from, to) of a masked batch on one thread; the gradient of
// the batch's mean loss (scale = 1 / its predictions) accumulates in `share`.
void run_share(const Model& m, std::size_t negatives, const MaskedBatch& b, std::size_t from, std::size_t to,
               float scale, SplitMix64& rng, Activations& a, detail::EncoderStep::Share& share) {
  if (from == to) return;
  const std::size_t d = m.encoder.dim(), k = negatives;
  const std::size_t row0 = b.starts[from], total = b.starts[to] - row0;
  std::vector<TokenId>& input = share.rows[0].ids;
  input.assign(b.input.begin() + static_cast<std::ptrdiff_t>(row0),
               b.input.begin() + static_cast<std::ptrdiff_t>(row0 + total));
  a.lengths.clear();
  for (std::size_t w = from; w < to; ++w) a.lengths.push_back(b.starts[w + 1] - b.starts[w]);
  // The share's predictions: masked rows within its rows.
  const auto first = static_cast<std::size_t>(std::lower_bound(b.masked.begin(), b.masked.end(), row0) - b.masked.begin());
  const auto last =
      static_cast<std::size_t>(std::lower_bound(b.masked.begin(), b.masked.end(), row0 + total) - b.masked.begin());
  const std::size_t masked = last - first;
  const std::span<const TokenId> targets(b.targets.data() + first, masked);
  const std::vector<nn::SequenceRows> rows = nn::packed_sequences(a.lengths);
  a.x.resize(total * d);
  m.tokens.forward(input, a.x);
  a.y.resize(total * d);
  m.encoder.forward(a.x, rows, a.y, a.cache, &rng);
  a.hidden.resize(masked * d);
  for (std::size_t i = 0; i < masked; ++i) {
    std::copy_n(a.y.data() + (b.masked[first + i] - row0) * d, d, a.hidden.data() + i * d);
  }
  // The candidates: each masked token's own word and the share's negatives, their scores
  // corrected by the log of how often the sampler offers them.
  a.negatives.resize(k);
  a.negative_correction.resize(k);
  for (std::size_t j = 0; j < k; ++j) {
    a.negatives[j] = m.sampler.draw(rng);
    a.negative_correction[j] = static_cast<float>(std::log(static_cast<double>(k) * m.sampler.probability(a.negatives[j])));
  }
  a.target_rows.resize(masked * d);
  m.head.forward(targets, a.target_rows);
  a.negative_rows.resize(k * d);
  m.head.forward(a.negatives, a.negative_rows);
  const std::size_t width = k + 1;  // column 0: the word itself
  a.scores.assign(masked * width, 0.0F);
  kernels::gemm(Transpose::no, Transpose::yes, masked, k, d, 1.0F, a.hidden.data(), d, a.negative_rows.data(), d, 0.0F,
                a.scores.data() + 1, width);
  const auto& kern = kernels::kernels();
  a.dscores.resize(masked * width);
  for (std::size_t i = 0; i < masked; ++i) {
    float* s = a.scores.data() + i * width;
    const TokenId word = targets[i];
    s[0] = kern.dot(a.hidden.data() + i * d, a.target_rows.data() + i * d, d) -
           static_cast<float>(std::log(static_cast<double>(k) * m.sampler.probability(word)));
    float top = s[0];
    for (std::size_t j = 0; j < k; ++j) {
      // A negative that is the word itself is no negative (an accidental hit): left out.
      s[j + 1] = a.negatives[j] == word ? -std::numeric_limits<float>::infinity() : s[j + 1] - a.negative_correction[j];
      top = std::max(top, s[j + 1]);
    }
    double sum = 0;
    for (std::size_t j = 0; j < width; ++j) sum += std::exp(static_cast<double>(s[j] - top));
    const double log_sum = std::log(sum) + top;
    share.loss += log_sum - s[0];
    for (std::size_t j = 0; j < width; ++j) {
      const auto p = static_cast<float>(std::exp(static_cast<double>(s[j]) - log_sum));
      a.dscores[i * width + j] = scale * (p - (j == 0 ? 1.0F : 0.0F));
    }
  }
  share.count += masked;
  // Back through the scores: to the hidden rows, the words' head rows and the negatives' rows.
  a.dhidden.resize(masked * d);
  kernels::gemm(Transpose::no, Transpose::no, masked, d, k, 1.0F, a.dscores.data() + 1, width, a.negative_rows.data(),
                d, 0.0F, a.dhidden.data(), d);
  a.dtarget.resize(masked * d);
  for (std::size_t i = 0; i < masked; ++i) {
    const float g = a.dscores[i * width];
    kern.axpy(g, a.target_rows.data() + i * d, a.dhidden.data() + i * d, d);
    for (std::size_t c = 0; c < d; ++c) a.dtarget[i * d + c] = g * a.hidden[i * d + c];
  }
  a.dnegative.resize(k * d);
  kernels::gemm(Transpose::yes, Transpose::no, k, d, masked, 1.0F, a.dscores.data() + 1, width, a.hidden.data(), d,
                0.0F, a.dnegative.data(), d);
  std::vector<TokenId>& head_ids = share.rows[1].ids;
  head_ids.insert(head_ids.end(), targets.begin(), targets.end());
  head_ids.insert(head_ids.end(), a.negatives.begin(), a.negatives.end());
  std::vector<float>& head_gradients = share.rows[1].gradients;
  head_gradients.insert(head_gradients.end(), a.dtarget.begin(), a.dtarget.end());
  head_gradients.insert(head_gradients.end(), a.dnegative.begin(), a.dnegative.end());
  // Into the encoder: only the masked rows have a gradient.
  a.dy.assign(total * d, 0.0F);
  for (std::size_t i = 0; i < masked; ++i) {
    std::copy_n(a.dhidden.data() + i * d, d, a.dy.data() + (b.masked[first + i] - row0) * d);
  }
  std::vector<float>& dx = share.rows[0].gradients;
  dx.resize(total * d);
  detail::encoder_backward_into(m.encoder, a.dy, a.cache, dx, a.encoder, share);
}

}  // namespace

ContextualEncoder pretrain_encoder(const std::string& corpus_path, const PretrainOptions& requested,
                                   const PretrainCallbacks& callbacks) {
  PretrainOptions o = requested;
  auto stage = [&](const std::string& what) {
    if (callbacks.on_stage) callbacks.on_stage(what);
  };
  const Tokenizer tokenizer;
  std::optional<ContextualEncoder> resumed;
  std::size_t first_epoch = 0;
  std::uint64_t recorded_tokens = 0;
  std::string recorded_hash;
  if (!o.resume.empty()) {
    WordVectors file = load_vectors(o.resume);
    const auto record = file.metadata.find("embedkit.pretraining");
    EMBEDKIT_CHECK(record != file.metadata.end(), FormatError,
                   fmt::format("{}: not a pretraining checkpoint (no 'embedkit.pretraining' metadata)", o.resume));
    try {
      const auto r = nlohmann::json::parse(record->second);
      first_epoch = r.at("epochs_done").get<std::size_t>();
      o.mask_probability = r.at("mask_probability").get<float>();
      o.negatives = r.at("negatives").get<std::size_t>();
      o.batch_size = r.at("batch_size").get<std::size_t>();
      o.learning_rate = r.at("learning_rate").get<float>();
      o.warmup = r.at("warmup").get<float>();
      o.clip = r.at("clip").get<float>();
      o.weight_decay = r.at("weight_decay").get<float>();
      o.seed = r.at("seed").get<std::uint64_t>();
      recorded_tokens = r.at("corpus_tokens").get<std::uint64_t>();
      recorded_hash = r.at("corpus_hash").get<std::string>();
      o.epochs = r.at("epochs").get<std::size_t>();  // (the run continues as it was set up)
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(fmt::format("{}: bad pretraining record: {}", o.resume, e.what()));
    }
    stage(fmt::format("resuming {} after epoch {} of {}: the run's recorded settings apply", o.resume, first_epoch,
                      o.epochs));
    resumed.emplace(ContextualEncoder::from_vectors(std::move(file), o.resume));
    EMBEDKIT_CHECK(resumed->mlm_output().has_value(), FormatError,
                   fmt::format("{}: the checkpoint has no masked-language-model head to continue", o.resume));
    const nn::TransformerEncoderOptions& e = resumed->encoder().options();
    o.dim = e.dim;
    o.layers = e.layers;
    o.heads = e.heads;
    o.feedforward = e.feedforward;
    o.positions = e.positions;
    o.max_length = e.max_positions;
    o.dropout = e.dropout;
  }
  std::optional<WordVectors> pretrained;
  if (!o.pretrained.empty() && !resumed) {
    pretrained.emplace(load_vectors(o.pretrained));
    if (o.dim == 0) o.dim = pretrained->dim();
    EMBEDKIT_CHECK(pretrained->dim() == o.dim, ArgumentError,
                   fmt::format("{} has {}-dimensional vectors but --dim is {}", o.pretrained, pretrained->dim(), o.dim));
  }
  if (o.dim == 0) o.dim = 128;
  if (o.heads == 0) o.heads = default_heads(o.dim);
  if (o.feedforward == 0) o.feedforward = 4 * o.dim;
  check(o);

  // The vocabulary (the corpus's words, "<unk>", then "<mask>"), or the checkpoint's.
  Vocabulary words;
  if (resumed) {
    words = resumed->words();
  } else {
    stage("counting words");
    VocabBuildResult built = build_vocabulary(
        corpus_path, tokenizer, {.min_count = o.min_count, .max_size = o.max_vocab, .add_pad = false, .add_unk = true});
    std::vector<VocabularyEntry> entries;
    for (std::size_t i = 0; i < built.vocabulary.size(); ++i) {
      const auto id = static_cast<TokenId>(i);
      // (A literal "<mask>" in the text would otherwise be the mask.)
      if (built.vocabulary.word(id) == kMaskToken) continue;
      entries.push_back({std::string(built.vocabulary.word(id)), built.vocabulary.count(id)});
    }
    entries.push_back({std::string(kMaskToken), 0});
    words = Vocabulary::from_entries(entries, corpus_path);
  }
  stage("reading the corpus");
  const detail::EncodedCorpus encoded = detail::encode_corpus(corpus_path, tokenizer, words, 0, callbacks.should_stop);
  std::vector<TokenId> corpus;
  corpus.reserve(encoded.kept);
  std::vector<Window> windows;
  for (std::size_t s = 0; s < encoded.sentences(); ++s) {
    const std::uint8_t* p = encoded.bytes.data() + encoded.starts[s];
    const std::uint8_t* end = encoded.bytes.data() + encoded.starts[s + 1];
    const std::size_t first = corpus.size();
    while (p < end) corpus.push_back(detail::next_id(p));
    for (std::size_t at = first; at + 2 <= corpus.size(); at += o.max_length) {
      windows.push_back({at, std::min(o.max_length, corpus.size() - at)});
    }
  }
  const std::string corpus_hash = fmt::format("{:016x}", encoded.hash.digest());
  EMBEDKIT_CHECK(!resumed || (corpus_hash == recorded_hash && encoded.kept == recorded_tokens), FormatError,
                 fmt::format("{}: the checkpoint was made on another corpus ({} known tokens, hash {}; {} has {}, hash "
                             "{}); resume with the corpus it was trained on",
                             o.resume, recorded_tokens, recorded_hash, corpus_path, encoded.kept, corpus_hash));
  EMBEDKIT_CHECK(!windows.empty(), FormatError,
                 fmt::format("{}: no window of two known words to learn from (--min-count {})", corpus_path, o.min_count));

  // The model: token rows (pretrained ones where given, else N(0, 0.02) as BERT's), the encoder,
  // the head's rows (N(0, 0.02)).
  std::optional<ContextualEncoder> model;
  if (resumed) {
    model.emplace(std::move(*resumed));
  } else {
    EmbeddingTable table(words.size(), o.dim);
    table.fill_normal(0.0F, 0.02F, SplitMix64::stream(o.seed, 1).next());
    if (pretrained) {
      const AlignedVectors aligned = align_vectors(*pretrained, words, {.missing = MissingRows::zeros});
      for (std::size_t w = 0; w < words.size(); ++w) {
        if (aligned.origin[w] == RowOrigin::filled || aligned.origin[w] == RowOrigin::padding) continue;
        std::copy_n(aligned.table.data() + w * aligned.table.stride(), o.dim, table.data() + w * table.stride());
      }
      stage(fmt::format("pretrained rows: {}", aligned.report.summary()));
    }
    EmbeddingTable head(words.size(), o.dim);
    head.fill_normal(0.0F, 0.02F, SplitMix64::stream(o.seed, 2).next());
    model.emplace(std::move(words),
                  std::move(table),
                  nn::TransformerEncoder({.dim = o.dim,
                                          .heads = o.heads,
                                          .feedforward = o.feedforward,
                                          .layers = o.layers,
                                          .positions = o.positions,
                                          .max_positions = o.max_length,
                                          .dropout = o.dropout,
                                          .seed = SplitMix64::stream(o.seed, 3).next()}),
                  std::move(head));
  }
  const Vocabulary& vocabulary = model->words();
  std::vector<std::uint64_t> counts(vocabulary.size());
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i] = vocabulary.count(static_cast<TokenId>(i));
  const detail::NegativeTable sampler(counts);

  const std::size_t batch = std::min(o.batch_size, windows.size());
  const std::size_t threads = job_threads(o.threads, batch);
  const std::size_t steps_per_epoch = (windows.size() + batch - 1) / batch;
  const std::uint64_t total_steps = steps_per_epoch * o.epochs;
  Embedding tokens(std::move(model->table()));
  Embedding head(std::move(*model->mlm_output()));
  detail::EncoderStep step(
      model->encoder().parameters(), {&tokens, &head}, threads,
      {.schedule = {.base = o.learning_rate,
                    .warmup = static_cast<std::uint64_t>(std::llround(o.warmup * static_cast<double>(total_steps))),
                    .total = total_steps},
       .weight_decay = o.weight_decay,
       .clip = o.clip});
  std::vector<Activations> activations(threads);
  const Model m{model->encoder(), tokens, head, sampler};
  std::uint64_t corpus_tokens = 0;
  for (const Window& w : windows) corpus_tokens += w.length;

  detail::Hogwild run({.threads = 1,
                       .epochs = o.epochs,
                       .work_per_epoch = corpus_tokens,
                       .learning_rate = o.learning_rate,
                       .seed = o.seed,
                       .work_unit = "tokens",
                       .threads_inside = threads,
                       .should_stop = callbacks.should_stop},
                      first_epoch * corpus_tokens);
  std::uint64_t done = first_epoch * steps_per_epoch;
  std::atomic<float> current_rate = step.rate(done);
  auto on_progress = [&](const detail::HogwildProgress& h) {
    if (!callbacks.on_progress) return;
    callbacks.on_progress({.progress = h.fraction,
                           .epoch = h.epoch,
                           .epochs = o.epochs,
                           .tokens_per_second = h.work_per_second,
                           .learning_rate = current_rate,
                           .loss = h.epoch_loss.empty() ? 0 : h.epoch_loss.back(),
                           .seconds = h.seconds,
                           .eta_seconds = h.eta_seconds});
  };
  auto put_back = [&] {  // the tables back into the model (to save it or return it)
    model->table() = std::move(tokens.table());
    model->mlm_output() = std::move(head.table());
  };
  std::vector<std::uint32_t> order(windows.size());
  for (std::size_t epoch = first_epoch; epoch < o.epochs; ++epoch) {
    std::iota(order.begin(), order.end(), 0U);
    SplitMix64 shuffle = SplitMix64::stream(o.seed ^ 0x3A5CULL, epoch);
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[shuffle.next() % i]);
    run.run_epoch(
        epoch,
        [&](detail::Hogwild::Thread& worker) {
          std::vector<Window> chosen;
          MaskedBatch masked;
          for (std::size_t first = 0; first < order.size(); first += batch) {
            chosen.clear();
            for (std::size_t i = first; i < std::min(order.size(), first + batch); ++i) chosen.push_back(windows[order[i]]);
            SplitMix64 masks = SplitMix64::stream(o.seed ^ 0x4D41534BULL, done);
            mask_batch(corpus, chosen, o.mask_probability, sampler, model->mask_id(), masks, masked);
            const std::uint64_t batch_tokens = masked.input.size();
            const float scale = 1.0F / static_cast<float>(std::max<std::size_t>(1, masked.masked.size()));
            const detail::EncoderStep::Outcome outcome = step.run(done, [&](std::size_t t, detail::EncoderStep::Share& s) {
              SplitMix64 rng = SplitMix64::stream(o.seed ^ 0x11A5CULL, done * threads + t);
              run_share(m, o.negatives, masked, chosen.size() * t / threads, chosen.size() * (t + 1) / threads, scale,
                        rng, activations[t], s);
            });
            if (!outcome.finite) {
              worker.diverged();
              return;
            }
            current_rate = step.rate(done);
            ++done;
            if (!worker.report(batch_tokens, outcome.loss, outcome.count)) return;
          }
        },
        on_progress);
    if (run.stopped_mid_epoch()) break;
    if (!o.checkpoint.empty()) {
      put_back();
      const nlohmann::json record = {{"epochs_done", epoch + 1},
                                     {"epochs", o.epochs},
                                     {"corpus_tokens", encoded.kept},
                                     {"corpus_hash", corpus_hash},
                                     {"mask_probability", o.mask_probability},
                                     {"negatives", o.negatives},
                                     {"batch_size", o.batch_size},
                                     {"learning_rate", o.learning_rate},
                                     {"warmup", o.warmup},
                                     {"clip", o.clip},
                                     {"weight_decay", o.weight_decay},
                                     {"seed", o.seed}};
      model->save(o.checkpoint, record.dump());
      tokens = Embedding(std::move(model->table()));
      head = Embedding(std::move(*model->mlm_output()));
    }
    if (run.stopped()) break;
  }
  put_back();
  return std::move(*model);
}

}  // namespace embedkit
