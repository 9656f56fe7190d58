// TextClassifier::train: Hogwild SGD over the examples, fastText's supervised training.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

#include "classify/classifier_model.h"
#include "train/hogwild.h"
#include "train/classify/classifier_step.h"
#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"
#include "embedkit/encode/contextual_encoder.h"
#include "embedkit/io/align_vectors.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/io/word_vectors.h"
#include "embedkit/train/fused_bag_sgd.h"
#include "embedkit/vocab/vocabulary.h"

namespace embedkit {

using classifier_detail::kEndOfSentence;

namespace {

void check_options(const ClassifierOptions& o) {
  EMBEDKIT_CHECK(o.dim > 0 && o.dim <= 100000, ArgumentError, fmt::format("--dim {} is out of range (1..100000)", o.dim));
  EMBEDKIT_CHECK(o.epochs > 0, ArgumentError, "--epochs must be at least 1");
  EMBEDKIT_CHECK(std::isfinite(o.learning_rate) && o.learning_rate > 0, ArgumentError,
                 fmt::format("--lr {} must be positive", o.learning_rate));
  EMBEDKIT_CHECK(o.word_ngrams >= 1, ArgumentError, "--word-ngrams must be at least 1");
  EMBEDKIT_CHECK(o.maxn == 0 || (o.minn >= 1 && o.minn <= o.maxn), ArgumentError,
                 fmt::format("--minn {} / --maxn {}: need 1 <= minn <= maxn (or maxn 0 for none)", o.minn, o.maxn));
  EMBEDKIT_CHECK(o.bucket <= 0xFFFFFFFFULL, ArgumentError, "--bucket must be below 2^32");
  EMBEDKIT_CHECK((o.word_ngrams <= 1 && o.maxn == 0) || o.bucket > 0, ArgumentError,
                 "n-grams need --bucket > 0");
  EMBEDKIT_CHECK(o.dropout >= 0.0F && o.dropout < 1.0F, ArgumentError,
                 fmt::format("--dropout {} must be in [0, 1)", o.dropout));
  EMBEDKIT_CHECK(o.optimizer == ClassifierOptimizer::sgd || (o.batch_size >= 1 && o.batch_size <= 1000000),
                 ArgumentError, fmt::format("--batch-size {} is out of range (1..1000000)", o.batch_size));
  EMBEDKIT_CHECK(o.threads <= kMaxThreads, ArgumentError,
                 fmt::format("--threads {}: at most {} threads", o.threads, kMaxThreads));
  if (o.encoder == ClassifierEncoder::transformer) {
    const TransformerClassifierOptions& t = o.transformer;
    EMBEDKIT_CHECK(o.loss == ClassifierLoss::softmax, ArgumentError,
                   fmt::format("--encoder transformer trains with the softmax loss, not {}", classifier_loss_name(o.loss)));
    EMBEDKIT_CHECK(o.word_ngrams == 1 && o.maxn == 0, ArgumentError,
                   "--encoder transformer reads the words in order: n-gram features (--word-ngrams, --maxn) are the "
                   "bag's");
    EMBEDKIT_CHECK(o.optimizer == ClassifierOptimizer::sgd, ArgumentError,
                   "--optimizer is the bag's: the transformer trains with AdamW (its weights) and lazy Adam (the rows)");
    EMBEDKIT_CHECK(o.dropout == 0.0F, ArgumentError,
                   "feature dropout is the bag's; the transformer's dropout is its own setting");
    EMBEDKIT_CHECK(o.batch_size >= 1 && o.batch_size <= 1000000, ArgumentError,
                   fmt::format("--batch-size {} is out of range (1..1000000)", o.batch_size));
    EMBEDKIT_CHECK(t.max_length >= 2 && t.max_length <= 1048576, ArgumentError,
                   fmt::format("--max-length {} is out of range (2..1048576)", t.max_length));
    EMBEDKIT_CHECK(t.warmup >= 0.0F && t.warmup <= 1.0F && t.clip >= 0.0F && t.weight_decay >= 0.0F &&
                       t.embedding_learning_rate >= 0.0F && std::isfinite(t.embedding_learning_rate),
                   ArgumentError,
                   fmt::format("--warmup {} must be a fraction of the steps, --clip {} and --weight-decay {} >= 0",
                               t.warmup, t.clip, t.weight_decay));
  }
}

}  // namespace

TextClassifier TextClassifier::train(const LabeledData& data, const ClassifierOptions& requested,
                                     const ClassifierCallbacks& callbacks) {
  if (!requested.resume.empty()) {
    // A Transformer's checkpoint, continued where it stopped: its vocabulary, rows, settings.
    std::unique_ptr<Impl> impl = std::move(TextClassifier::load(requested.resume).impl_);
    EMBEDKIT_CHECK(impl->transformer != nullptr, ArgumentError,
                   fmt::format("{}: --resume continues a Transformer classifier's checkpoint; this is a bag classifier",
                               requested.resume));
    EMBEDKIT_CHECK(impl->training_examples == data.examples.size(), ArgumentError,
                   fmt::format("{} was trained on {} examples; {} has {}: resume on the same data", requested.resume,
                               impl->training_examples, data.source, data.examples.size()));
    EMBEDKIT_CHECK(!impl->stopped_mid_epoch, ArgumentError,
                   fmt::format("{} was stopped in the middle of an epoch; resume from its --checkpoint file (written "
                               "at the end of each epoch)",
                               requested.resume));
    EMBEDKIT_CHECK(requested.threads <= kMaxThreads, ArgumentError,
                   fmt::format("--threads {}: at most {} threads", requested.threads, kMaxThreads));
    impl->options.threads = requested.threads;
    impl->options.checkpoint = requested.checkpoint;
    impl->options.resume = requested.resume;
    const detail::EncodedExamples enc =
        detail::encode_examples(*impl, data, [&](std::span<const std::string> tokens, std::vector<TokenId>& out) {
          impl->encoder_ids(tokens, out);
        });
    EMBEDKIT_CHECK(detail::examples_hash(enc) == impl->training_hash, ArgumentError,
                   fmt::format("{} was trained on other examples than {}'s (the same count, other words or labels): "
                               "resume on the same data",
                               requested.resume, data.source));
    detail::train_transformer(*impl, enc, callbacks);
    impl->options.resume.clear();
    return TextClassifier(std::move(impl));
  }
  ClassifierOptions options = requested;
  std::optional<WordVectors> pretrained;
  if (!options.pretrained.empty()) {
    pretrained.emplace(load_vectors(options.pretrained));
    if (options.dim == 0) options.dim = pretrained->dim();
    EMBEDKIT_CHECK(pretrained->dim() == options.dim, ArgumentError,
                   fmt::format("{} has {}-dimensional vectors but --dim is {}; pass --dim {} (or leave --dim out)",
                               options.pretrained, pretrained->dim(), options.dim, pretrained->dim()));
  } else if (options.dim == 0) {
    options.dim = kDefaultDim;
  }
  // A pretrained encoder (embedkit pretrain) starts the Transformer: its shape is the model's.
  std::optional<ContextualEncoder> pretrained_encoder;
  if (pretrained && ContextualEncoder::holds_encoder(*pretrained) &&
      options.encoder == ClassifierEncoder::transformer) {
    pretrained_encoder.emplace(ContextualEncoder::load(options.pretrained));
    const nn::TransformerEncoderOptions& e = pretrained_encoder->encoder().options();
    TransformerClassifierOptions& t = options.transformer;
    t.layers = e.layers;
    t.heads = e.heads;
    t.feedforward = e.feedforward;
    t.positions = e.positions;
    // Learned positions stop at the table's rows; the others work at any length.
    if (t.positions == nn::PositionKind::learned) t.max_length = std::min(t.max_length, e.max_positions);
  }
  if (options.encoder == ClassifierEncoder::transformer) {  // (the model records what it got)
    TransformerClassifierOptions& t = options.transformer;
    if (t.heads == 0) t.heads = default_heads(options.dim);
    if (t.feedforward == 0) t.feedforward = 4 * options.dim;
  }
  check_options(options);
  EMBEDKIT_CHECK(!data.examples.empty(), FormatError, fmt::format("{}: no examples", data.source));
  EMBEDKIT_CHECK(options.encoder == ClassifierEncoder::transformer || options.checkpoint.empty(), ArgumentError,
                 "--checkpoint is the Transformer's (the bag trains in seconds)");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->training_examples = data.examples.size();

  // Labels (by frequency, then first appearance) and words (likewise, min_count applied).
  std::unordered_map<std::string_view, std::size_t> label_index, word_index;
  std::vector<std::pair<std::string_view, std::uint64_t>> label_list, word_list;
  for (const auto& ex : data.examples) {
    for (const auto& l : ex.labels) {
      auto [it, fresh] = label_index.try_emplace(l, label_list.size());
      if (fresh) label_list.emplace_back(l, 0);
      ++label_list[it->second].second;
    }
    for (const auto& t : ex.tokens) {
      auto [it, fresh] = word_index.try_emplace(t, word_list.size());
      if (fresh) word_list.emplace_back(t, 0);
      ++word_list[it->second].second;
    }
  }
  auto by_count = [](const auto& a, const auto& b) { return a.second > b.second; };
  std::stable_sort(label_list.begin(), label_list.end(), by_count);
  std::stable_sort(word_list.begin(), word_list.end(), by_count);
  const std::size_t min_labels = options.loss == ClassifierLoss::one_vs_all ? 1 : 2;
  EMBEDKIT_CHECK(label_list.size() >= min_labels, FormatError,
                 fmt::format("{}: {} distinct label{} ('{}'); {} needs at least {}", data.source, label_list.size(),
                             label_list.size() == 1 ? "" : "s", label_list.empty() ? "" : label_list[0].first,
                             classifier_loss_name(options.loss), min_labels));
  for (const auto& [l, c] : label_list) {
    // A model holds labels as a vocabulary holds words (TextClassifier::load checks the same).
    if (const auto problem = find_word_problem(l)) {
      const std::string_view label = l;  // Clang 14 cannot capture a structured binding
      const auto first = std::find_if(data.examples.begin(), data.examples.end(), [&](const LabeledExample& ex) {
        return std::find(ex.labels.begin(), ex.labels.end(), label) != ex.labels.end();
      });
      throw FormatError(fmt::format("{}:{}: label {:?}: {}", data.source, first->line, l, *problem), "a valid label");
    }
    impl->labels.emplace_back(l);
    impl->label_counts.push_back(c);
  }
  std::vector<VocabularyEntry> entries;
  for (const auto& [w, c] : word_list) {
    if (c >= options.min_count) entries.push_back({std::string(w), c});
  }
  // Otherwise every text would be its end-of-sentence token alone: a model that predicts one label.
  EMBEDKIT_CHECK(!word_list.empty(), FormatError, fmt::format("{}: no example has a word", data.source));
  EMBEDKIT_CHECK(!entries.empty(), ArgumentError,
                 fmt::format("{}: no word occurs at least {} times (--min-count); the most frequent, '{}', occurs {} "
                             "time{}",
                             data.source, options.min_count, word_list[0].first, word_list[0].second,
                             word_list[0].second == 1 ? "" : "s"));
  entries.push_back({std::string(kEndOfSentence), data.examples.size()});
  // With pretrained vectors, their words join the vocabulary too (count 0), as in fastText:
  // a test word the training data never had still brings its pretrained vector.
  const std::size_t data_words = entries.size();
  std::optional<AlignedVectors> aligned;        // the data's words, with the coverage report
  std::vector<TokenId> pretrained_only;         // pretrained ids of the words appended after them
  if (pretrained) {
    aligned = align_vectors(*pretrained, Vocabulary::from_entries(entries, data.source),
                            {.missing = MissingRows::zeros, .seed = options.seed});
    const Vocabulary& known = pretrained->words();
    entries.reserve(entries.size() + known.size());  // `present` views entries' strings
    std::unordered_map<std::string_view, bool> present;
    for (const auto& e : entries) present.emplace(e.word, true);
    for (std::size_t i = 0; i < known.size(); ++i) {
      const std::string_view w = known.word(static_cast<TokenId>(i));
      if (w.find_first_of(" \t\n\r\v\f") != std::string_view::npos || present.contains(w)) continue;
      entries.push_back({std::string(w), 0});
      pretrained_only.push_back(static_cast<TokenId>(i));
    }
  }
  impl->words = Vocabulary::from_entries(entries, data.source);
  impl->build_tree();

  // Encode every example once; n-gram buckets get rows in order of first appearance.
  const auto words_count = static_cast<std::uint32_t>(impl->words.size());
  const bool transformer = options.encoder == ClassifierEncoder::transformer;
  const detail::EncodedExamples enc =
      detail::encode_examples(*impl, data, [&](std::span<const std::string> tokens, std::vector<TokenId>& out) {
        if (transformer) return impl->encoder_ids(tokens, out);
        impl->features(tokens, out, [&](std::uint32_t b) {
          auto [it, fresh] = impl->row_of_bucket.try_emplace(b, static_cast<std::uint32_t>(impl->bucket_of_row.size()));
          if (fresh) impl->bucket_of_row.push_back(b);
          return words_count + it->second;
        });
      });

  // The layer: fastText's initialisation (input U(-1/dim, 1/dim), output zeros), then the
  // pretrained rows over the word rows.
  const std::size_t dim = options.dim;
  const std::size_t rows = impl->words.size() + impl->bucket_of_row.size();
  EmbeddingTable input(rows, dim);
  input.fill_uniform(-1.0F / static_cast<float>(dim), 1.0F / static_cast<float>(dim), options.seed);
  if (pretrained) {
    for (std::size_t w = 0; w < data_words; ++w) {
      if (aligned->origin[w] == RowOrigin::filled || aligned->origin[w] == RowOrigin::padding) continue;
      std::copy_n(aligned->table.data() + w * aligned->table.stride(), dim, input.data() + w * input.stride());
    }
    const EmbeddingTable& source = pretrained->table();
    for (std::size_t i = 0; i < pretrained_only.size(); ++i) {
      std::copy_n(source.data() + static_cast<std::size_t>(pretrained_only[i]) * source.stride(), dim,
                  input.data() + (data_words + i) * input.stride());
    }
    if (callbacks.on_pretrained) {
      callbacks.on_pretrained(fmt::format("training words: {}; {} more words only in {} keep their vectors for "
                                          "prediction",
                                          aligned->report.summary(), pretrained_only.size(), options.pretrained));
    }
  }
  impl->input = EmbeddingBag(std::move(input), {.mode = BagMode::mean});
  impl->output = EmbeddingTable(impl->output_rows(), dim);
  impl->output.fill_zeros();
  if (transformer) {
    impl->training_hash = detail::examples_hash(enc);
    impl->transformer = std::make_shared<detail::TransformerHead>(dim, impl->labels.size(), options.transformer,
                                                                  options.seed);
    if (pretrained_encoder) {
      const std::vector<nn::TransformerEncoder::Parameter> from = pretrained_encoder->encoder().parameters();
      const std::vector<nn::TransformerEncoder::Parameter> to = impl->transformer->encoder.parameters();
      EMBEDKIT_CHECK(from.size() == to.size(), Error, "a pretrained encoder's parameters do not match its shape");
      for (std::size_t p = 0; p < to.size(); ++p) {
        EMBEDKIT_CHECK(from[p].value.size() == to[p].value.size(), Error,
                       fmt::format("a pretrained encoder's {} does not match its shape", from[p].name));
        std::copy(from[p].value.begin(), from[p].value.end(), to[p].value.begin());
      }
      if (callbacks.on_pretrained) {
        callbacks.on_pretrained(fmt::format(
            "the encoder starts from {}'s: its shape ({} layers of {} heads, feed-forward {}, {} positions) replaces "
            "--layers, --heads, --feedforward and --positions; texts keep {} tokens",
            options.pretrained, options.transformer.layers, options.transformer.heads,
            options.transformer.feedforward, nn::position_kind_name(options.transformer.positions),
            options.transformer.max_length));
      }
    }
  }

  detail::fit_classifier(*impl, enc, callbacks);
  return TextClassifier(std::move(impl));
}

namespace detail {

void fit_classifier(ClassifierModelImpl& model, const EncodedExamples& enc, const ClassifierCallbacks& callbacks) {
  const ClassifierOptions& options = model.options;
  if (model.transformer) {
    train_transformer(model, enc, callbacks);
    return;
  }
  if (options.optimizer != ClassifierOptimizer::sgd) {
    train_in_batches(model, enc, callbacks);
    model.input.set_trainable(true);  // the schedule was training's; the model itself is not frozen
    return;
  }

  // Hogwild SGD over a fresh permutation each epoch; thread t takes slice t of it.
  const std::size_t n = enc.size();
  const std::size_t dim = model.dim();
  EmbeddingBag& bag = model.input;
  const std::size_t label_total = model.labels.size();
  Hogwild run({.threads = job_threads(options.threads, n),
               .epochs = options.epochs,
               .work_per_epoch = n,
               .learning_rate = options.learning_rate,
               .seed = options.seed,
               .work_unit = "examples",
               .should_stop = callbacks.should_stop});
  const std::size_t threads = run.threads();
  auto on_progress = [&](const HogwildProgress& h) {
    if (callbacks.on_progress) callbacks.on_progress(classifier_progress(h, h.learning_rate));
  };
  std::vector<std::uint32_t> order(n);
  for (std::size_t epoch = 0; epoch < options.epochs; ++epoch) {
    bag.set_trainable(options.freeze.trainable_in(epoch));  // the freeze schedule, through the layer
    shuffle_for_epoch(order, options.seed, epoch);
    run.run_epoch(
        epoch,
        [&](Hogwild::Thread& thread) {
          const std::size_t t = thread.index();
          const std::size_t begin = n * t / threads, end = n * (t + 1) / threads;
          std::vector<float> hidden(dim), grad(dim), scores(label_total), scratch(dim);
          std::vector<TokenId> kept;
          for (std::size_t p = begin; p < end; ++p) {
            const std::size_t e = order[p];
            const float lr = thread.learning_rate();
            const std::span<const TokenId> feats = enc.features_of(e);
            const std::span<const std::uint32_t> targets = enc.targets_of(e);
            kept.clear();
            append_kept_features(feats, options.dropout, thread.rng(), kept);
            bag.forward_one(kept, hidden);
            std::fill(grad.begin(), grad.end(), 0.0F);
            const float loss = classifier_example_loss(model, hidden.data(), targets, lr, grad.data(), scores.data());
            // `grad` holds the step the loss chose for the bag's output; the layer shares it out
            // to the rows (or leaves a frozen bag alone).
            apply_bag_step(bag, kept, grad, scratch);
            if (!std::isfinite(loss)) {
              thread.diverged();
              return;
            }
            if (!thread.report(1, loss, 1)) return;
          }
        },
        on_progress);
  }
  bag.set_trainable(true);  // the schedule was training's; the model itself is not frozen
}

}  // namespace detail

}  // namespace embedkit
