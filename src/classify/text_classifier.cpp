#include "embedkit/classify/text_classifier.h"

#include <algorithm>
#include <exception>
#include <numeric>
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "classify/classifier_model.h"
#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/io/word_vectors.h"
#include "embedkit/nn/parameter_rows.h"

namespace embedkit {

namespace {

constexpr std::string_view kMetadataKey = "embedkit.classifier";

std::string bucket_entry_name(std::uint32_t bucket) { return fmt::format("<bucket {}>", bucket); }

// A file's list of parameters ([[name, size], ...]).
std::vector<nn::ListedParameter> listed_parameters(const nlohmann::json& names) {
  std::vector<nn::ListedParameter> listed;
  for (const auto& entry : names) listed.push_back({entry.at(0).get<std::string>(), entry.at(1).get<std::size_t>()});
  return listed;
}

// A Transformer classifier's encoder and head, from its settings and the output layer's rows
// (see save()), checked as untrusted: every name and size must be the ones the settings make.
void read_transformer(const nlohmann::json& j, const EmbeddingTable& rows, std::string_view path,
                      TextClassifier::Impl& impl) {
  TransformerClassifierOptions& t = impl.options.transformer;
  t.layers = j.at("layers").get<std::size_t>();
  t.heads = j.at("heads").get<std::size_t>();
  t.feedforward = j.at("feedforward").get<std::size_t>();
  t.positions = nn::parse_position_kind(j.at("positions").get<std::string>());
  const std::string pooling = j.at("pooling").get<std::string>();
  EMBEDKIT_CHECK(pooling == "mean" || pooling == "first", FormatError,
                 fmt::format("{}: unknown pooling {:?}", path, pooling));
  t.pooling = pooling == "first" ? nn::Pooling::first : nn::Pooling::mean;
  t.max_length = j.at("max_length").get<std::size_t>();
  t.dropout = j.at("dropout").get<float>();
  t.warmup = j.value("warmup", t.warmup);
  t.clip = j.value("clip", t.clip);
  t.weight_decay = j.value("weight_decay", t.weight_decay);
  t.embedding_learning_rate = j.value("embedding_learning_rate", t.embedding_learning_rate);
  EMBEDKIT_CHECK(t.layers <= 64 && t.max_length >= 2 && t.max_length <= 1048576 && t.feedforward <= 1048576 &&
                     impl.words.find(classifier_detail::kEndOfSentence),
                 FormatError, fmt::format("{}: the encoder's settings are out of range", path));
  // The size the settings imply, before building anything that size (a small file could claim
  // an enormous model).
  const std::size_t d = impl.options.dim;
  const double implied = nn::TransformerEncoder::parameter_count({.dim = d,
                                                                  .feedforward = t.feedforward,
                                                                  .layers = t.layers,
                                                                  .positions = t.positions,
                                                                  .max_positions = t.max_length}) +
                         static_cast<double>(impl.labels.size()) * (static_cast<double>(d) + 1.0);
  EMBEDKIT_CHECK(implied <= static_cast<double>(rows.rows()) * rows.dim(), FormatError,
                 fmt::format("{}: the encoder's settings make {} parameters; the output layer holds {}", path,
                             implied, rows.rows() * rows.dim()));
  auto head = std::make_shared<detail::TransformerHead>(impl.options.dim, impl.labels.size(), t, impl.options.seed);
  std::vector<nn::TransformerEncoder::Parameter> parameters = head->parameters();
  nn::read_listed_parameters(rows, listed_parameters(j.at("parameters")), parameters, path);
  head->encoder.clear_padding();
  impl.transformer = std::move(head);
}

}  // namespace

ClassifierLoss parse_classifier_loss(std::string_view name) {
  if (name == "softmax") return ClassifierLoss::softmax;
  if (name == "hs") return ClassifierLoss::hierarchical_softmax;
  if (name == "ova" || name == "one-vs-all") return ClassifierLoss::one_vs_all;
  throw ArgumentError(fmt::format("unknown loss '{}' (expected softmax, hs or ova)", name));
}

std::string_view classifier_loss_name(ClassifierLoss loss) noexcept {
  switch (loss) {
    case ClassifierLoss::softmax: return "softmax";
    case ClassifierLoss::hierarchical_softmax: return "hs";
    case ClassifierLoss::one_vs_all: return "ova";
  }
  return "?";
}

ClassifierOptimizer parse_classifier_optimizer(std::string_view name) {
  if (name == "sgd") return ClassifierOptimizer::sgd;
  if (name == "adagrad") return ClassifierOptimizer::adagrad;
  if (name == "adam") return ClassifierOptimizer::adam;
  throw ArgumentError(fmt::format("unknown optimizer {:?}: use sgd, adagrad or adam", name), "an optimizer name");
}

std::string_view classifier_optimizer_name(ClassifierOptimizer optimizer) noexcept {
  switch (optimizer) {
    case ClassifierOptimizer::sgd: return "sgd";
    case ClassifierOptimizer::adagrad: return "adagrad";
    case ClassifierOptimizer::adam: return "adam";
  }
  return "sgd";
}

float default_learning_rate(ClassifierOptimizer optimizer) noexcept {
  switch (optimizer) {
    case ClassifierOptimizer::sgd: return 0.1F;
    case ClassifierOptimizer::adagrad: return 0.1F;
    case ClassifierOptimizer::adam: return 0.01F;
  }
  return 0.1F;
}

ClassifierEncoder parse_classifier_encoder(std::string_view name) {
  if (name == "bag") return ClassifierEncoder::bag;
  if (name == "transformer") return ClassifierEncoder::transformer;
  throw ArgumentError(fmt::format("unknown encoder {:?}: use bag or transformer", name), "an encoder name");
}

std::string_view classifier_encoder_name(ClassifierEncoder encoder) noexcept {
  return encoder == ClassifierEncoder::transformer ? "transformer" : "bag";
}

std::size_t default_heads(std::size_t dim) noexcept {
  for (const std::size_t heads : {4, 5, 3, 6, 2, 8, 1}) {
    if (dim % heads == 0 && (dim / heads) % 2 == 0) return heads;
  }
  return 1;
}

TextClassifier::TextClassifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TextClassifier::TextClassifier(TextClassifier&&) noexcept = default;
TextClassifier& TextClassifier::operator=(TextClassifier&&) noexcept = default;
TextClassifier::~TextClassifier() = default;

std::size_t TextClassifier::label_count() const noexcept { return impl_->labels.size(); }
std::string_view TextClassifier::label(std::uint32_t id) const {
  EMBEDKIT_CHECK(id < impl_->labels.size(), ArgumentError,
                 fmt::format("label id {} is out of range (the model has {} labels)", id, impl_->labels.size()));
  return impl_->labels[id];
}
std::optional<std::uint32_t> TextClassifier::find_label(std::string_view label) const {
  const auto it = std::find(impl_->labels.begin(), impl_->labels.end(), label);
  if (it == impl_->labels.end()) return std::nullopt;
  return static_cast<std::uint32_t>(it - impl_->labels.begin());
}
std::size_t TextClassifier::dim() const noexcept { return impl_->dim(); }
std::size_t TextClassifier::word_count() const noexcept { return impl_->words.size(); }
std::size_t TextClassifier::bucket_rows() const noexcept { return impl_->bucket_of_row.size(); }
const ClassifierOptions& TextClassifier::options() const noexcept { return impl_->options; }

std::vector<LabelScore> TextClassifier::predict(std::span<const std::string> tokens, std::size_t k,
                                                float threshold) const {
  std::vector<TokenId> ids;
  if (impl_->transformer) {
    impl_->encoder_ids(tokens, ids);
    std::vector<float> probs(label_count());
    detail::TransformerHead::Scratch scratch;
    impl_->transformer->probabilities(impl_->input.table(), ids, probs, scratch);
    return impl_->top_k(probs, k, threshold);
  }
  impl_->known_features(tokens, ids);
  const std::uint64_t offsets[1] = {0};
  std::vector<float> hidden(dim());
  impl_->input.forward({ids, offsets}, hidden);
  std::vector<float> probs(label_count());
  impl_->probabilities(hidden.data(), probs.data());
  return impl_->top_k(probs, k, threshold);
}

std::vector<std::vector<LabelScore>> TextClassifier::predict_all(const LabeledData& data, std::size_t k,
                                                                 float threshold) const {
  if (impl_->transformer) return predict_all_encoded(data, k, threshold);
  // One EmbeddingBag call for all texts (the layer's parallel bag path), then the output layer.
  std::vector<TokenId> ids;
  std::vector<std::uint64_t> offsets;
  offsets.reserve(data.examples.size());
  for (const auto& ex : data.examples) {
    offsets.push_back(ids.size());
    impl_->known_features(ex.tokens, ids);
  }
  std::vector<std::vector<LabelScore>> result(data.examples.size());
  if (result.empty()) return result;
  std::vector<float> hidden(result.size() * dim());
  impl_->input.forward({ids, offsets}, hidden);
  const auto n = static_cast<std::int64_t>(result.size());
#pragma omp parallel num_threads(num_threads())
  {
    std::vector<float> probs(label_count());
#pragma omp for schedule(static)
    for (std::int64_t i = 0; i < n; ++i) {
      impl_->probabilities(hidden.data() + static_cast<std::size_t>(i) * dim(), probs.data());
      result[static_cast<std::size_t>(i)] = impl_->top_k(probs, k, threshold);
    }
  }
  return result;
}

// The Transformer's texts one by one (one thread each), spread over the threads.
std::vector<std::vector<LabelScore>> TextClassifier::predict_all_encoded(const LabeledData& data, std::size_t k,
                                                                         float threshold) const {
  std::vector<std::vector<LabelScore>> result(data.examples.size());
  const auto n = static_cast<std::int64_t>(result.size());
  std::exception_ptr failure;  // (an exception must not leave an OpenMP region)
#pragma omp parallel num_threads(num_threads())
  {
    std::vector<float> probs(label_count());
    std::vector<TokenId> ids;
    detail::TransformerHead::Scratch scratch;
#pragma omp for schedule(dynamic, 16)
    for (std::int64_t i = 0; i < n; ++i) {
      try {
        ids.clear();
        impl_->encoder_ids(data.examples[static_cast<std::size_t>(i)].tokens, ids);
        impl_->transformer->probabilities(impl_->input.table(), ids, probs, scratch);
        result[static_cast<std::size_t>(i)] = impl_->top_k(probs, k, threshold);
      } catch (...) {
#pragma omp critical
        if (!failure) failure = std::current_exception();
      }
    }
  }
  if (failure) std::rethrow_exception(failure);
  return result;
}

WordVectors TextClassifier::word_vectors() const {
  const auto& table = impl_->input.table();
  EmbeddingTable rows(impl_->words.size(), dim());
  for (std::size_t i = 0; i < impl_->words.size(); ++i) {
    std::copy_n(table.data() + i * table.stride(), dim(), rows.data() + i * rows.stride());
  }
  return {impl_->words, std::move(rows)};
}

// ---------------------------------------------------------------------------------------------
// Files

void TextClassifier::save(const std::string& path) const { detail::save_classifier(*impl_, path); }

void detail::save_classifier(const TextClassifier::Impl& m, const std::string& path) {
  std::vector<VocabularyEntry> entries;
  entries.reserve(m.words.size());
  for (std::size_t i = 0; i < m.words.size(); ++i) {
    entries.push_back({std::string(m.words.word(static_cast<TokenId>(i))), m.words.count(static_cast<TokenId>(i))});
  }
  // The n-gram rows are listed by bucket (4 bytes a row, where a named vocabulary entry took ~40),
  // in ascending order, so the rows go into the file in that order.
  std::vector<std::size_t> order(m.bucket_of_row.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return m.bucket_of_row[a] < m.bucket_of_row[b]; });
  const bool sorted = std::is_sorted(m.bucket_of_row.begin(), m.bucket_of_row.end());
  EMBEDKIT_CHECK(sorted || !m.compressed_input, ArgumentError, "a quantized classifier keeps its n-gram rows in bucket order");
  const EmbeddingTable& input = m.input.table();
  EmbeddingTable table = sorted ? input.clone() : EmbeddingTable(input.rows(), input.dim());
  if (!sorted) {
    std::copy_n(input.data(), m.words.size() * input.stride(), table.data());
    for (std::size_t r = 0; r < order.size(); ++r) {
      std::copy_n(input.data() + (m.words.size() + order[r]) * input.stride(), input.stride(),
                  table.data() + (m.words.size() + r) * input.stride());
    }
  }
  std::vector<std::uint32_t> buckets(order.size());
  for (std::size_t r = 0; r < order.size(); ++r) buckets[r] = m.bucket_of_row[order[r]];
  const SubwordOptions sub{.minn = m.options.maxn > 0 ? m.options.minn : 0,
                           .maxn = m.options.maxn,
                           .bucket = m.options.bucket};
  WordVectors file = buckets.empty()
                         ? WordVectors(Vocabulary::from_entries(entries, path), std::move(table))
                         : WordVectors(Vocabulary::from_entries(entries, path), std::move(table), sub, std::move(buckets));
  nlohmann::json encoder;
  if (m.transformer) {
    // The encoder's and the head's parameters, one after another, as the output layer's rows.
    const std::vector<nn::TransformerEncoder::Parameter> parameters = m.transformer->parameters();
    nlohmann::json names = nlohmann::json::array();
    for (const auto& p : nn::list_parameters(parameters)) names.push_back({p.name, p.size});
    EmbeddingTable rows = nn::parameters_to_rows(parameters, m.dim());
    file.output = std::move(rows);
    const TransformerClassifierOptions& t = m.options.transformer;
    const nn::TransformerEncoderOptions& e = m.transformer->encoder.options();
    encoder = {{"layers", e.layers},
               {"heads", e.heads},
               {"feedforward", e.feedforward},
               {"positions", nn::position_kind_name(e.positions)},
               {"pooling", m.transformer->pooling == nn::Pooling::first ? "first" : "mean"},
               {"max_length", e.max_positions},
               {"dropout", e.dropout},
               {"warmup", t.warmup},
               {"clip", t.clip},
               {"weight_decay", t.weight_decay},
               {"embedding_learning_rate", t.embedding_learning_rate},
               {"parameters", names}};
  } else {
    file.output = m.output.clone();
  }
  nlohmann::json settings = {
      {"version", m.transformer ? 3 : 2},
      {"labels", m.labels},
      {"label_counts", m.label_counts},
      {"words", m.words.size()},
      {"loss", classifier_loss_name(m.options.loss)},
      {"word_ngrams", m.options.word_ngrams},
      {"minn", m.options.minn},
      {"maxn", m.options.maxn},
      {"bucket", m.options.bucket},
      {"dim", m.dim()},
      {"epochs", m.options.epochs},
      {"learning_rate", m.options.learning_rate},
      {"optimizer", classifier_optimizer_name(m.options.optimizer)},
      {"batch_size", m.transformer || m.options.optimizer != ClassifierOptimizer::sgd ? m.options.batch_size : 1},
      {"min_count", m.options.min_count},
      {"dropout", m.options.dropout},
      {"seed", m.options.seed},
      {"pretrained", m.options.pretrained},
  };
  if (!m.options.tokenizer.empty()) settings["tokenizer"] = m.options.tokenizer;
  if (m.transformer) {
    settings["encoder"] = classifier_encoder_name(ClassifierEncoder::transformer);
    settings["transformer"] = encoder;
    // A checkpoint: the epochs trained so far (a finished model has all of them).
    settings["epochs_done"] = m.epochs_done;
    settings["frozen_epochs"] = m.options.freeze.frozen_epochs();
    settings["training_examples"] = m.training_examples;
    settings["training_hash"] = m.training_hash;
    settings["stopped_mid_epoch"] = m.stopped_mid_epoch;
  }
  file.metadata[std::string(kMetadataKey)] = settings.dump();
  file.metadata["source"] = "embedkit classify train";
  save_vectors(file, path, {.format = VectorFormat::native, .compressed = m.compressed_input.get()});
}

const CompressedTable* TextClassifier::compressed_rows() const noexcept { return impl_->compressed_input.get(); }

TextClassifier TextClassifier::load(const std::string& path) { return from_vectors(load_vectors(path), path); }

TextClassifier TextClassifier::parse(std::string_view bytes, std::string_view source) {
  return from_vectors(parse_vectors(bytes, source, {.format = VectorFormat::native}), source);
}

// What a classifier adds to a native vector file (its settings, labels and bucket rows), checked
// as untrusted: the file may come from anywhere.
bool TextClassifier::holds_classifier(const WordVectors& file) {
  return file.metadata.contains(std::string(kMetadataKey));
}

TextClassifier TextClassifier::from_vectors(WordVectors file, std::string_view path) {
  const auto found = file.metadata.find(std::string(kMetadataKey));
  EMBEDKIT_CHECK(found != file.metadata.end(), FormatError,
                 fmt::format("{}: not an embedkit classifier (no '{}' metadata); train one with "
                             "'embedkit classify train'",
                             path, kMetadataKey));
  auto impl = std::make_unique<Impl>();
  try {
    const auto s = nlohmann::json::parse(found->second);
    const int version = s.at("version").get<int>();
    EMBEDKIT_CHECK(version >= 1 && version <= 3, FormatError,
                   fmt::format("{}: classifier version {} is newer than this embedkit", path, s.at("version").dump()));
    impl->labels = s.at("labels").get<std::vector<std::string>>();
    impl->label_counts = s.at("label_counts").get<std::vector<std::uint64_t>>();
    // Labels are answers: a duplicate would make two outputs mean the same thing, and a label a
    // terminal or file cannot hold would be printed as is.
    EMBEDKIT_CHECK(!impl->labels.empty(), FormatError, fmt::format("{}: the classifier has no labels", path));
    std::unordered_map<std::string_view, std::size_t> label_index;
    for (std::size_t i = 0; i < impl->labels.size(); ++i) {
      const std::string& label = impl->labels[i];
      if (const auto problem = find_word_problem(label)) {
        throw FormatError(fmt::format("{}: label {}: {}", path, i + 1, *problem), "a valid label");
      }
      const auto [at, inserted] = label_index.emplace(label, i);
      EMBEDKIT_CHECK(inserted, FormatError,
                     fmt::format("{}: label {:?} appears twice (labels {} and {})", path, label, at->second + 1, i + 1));
    }
    auto& o = impl->options;
    o.loss = parse_classifier_loss(s.at("loss").get<std::string>());
    o.word_ngrams = s.at("word_ngrams").get<std::uint32_t>();
    o.minn = s.at("minn").get<std::uint32_t>();
    o.maxn = s.at("maxn").get<std::uint32_t>();
    o.bucket = s.at("bucket").get<std::uint64_t>();
    o.dim = s.at("dim").get<std::size_t>();
    o.epochs = s.at("epochs").get<std::size_t>();
    o.learning_rate = s.at("learning_rate").get<float>();
    // (Models from before the optimizers were an option were trained with SGD.)
    o.optimizer = parse_classifier_optimizer(s.value("optimizer", std::string("sgd")));
    o.batch_size = s.value("batch_size", std::size_t{1});
    o.min_count = s.at("min_count").get<std::uint64_t>();
    o.dropout = s.at("dropout").get<float>();
    o.seed = s.at("seed").get<std::uint64_t>();
    o.pretrained = s.at("pretrained").get<std::string>();
    if (s.contains("tokenizer") && s["tokenizer"].is_string()) o.tokenizer = s["tokenizer"].get<std::string>();
    const auto words = s.at("words").get<std::size_t>();
    const Vocabulary& all = file.words();
    EMBEDKIT_CHECK(words <= all.size() && impl->labels.size() == impl->label_counts.size() &&
                       file.dim() == o.dim && file.output.has_value(),
                   FormatError, fmt::format("{}: the classifier settings do not match the file's tables", path));
    std::vector<VocabularyEntry> entries;
    for (std::size_t i = 0; i < words; ++i) {
      entries.push_back({std::string(all.word(static_cast<TokenId>(i))), all.count(static_cast<TokenId>(i))});
    }
    impl->words = Vocabulary::from_entries(entries, path);
    // Version 2: n-gram rows listed by bucket after the words. (Version 1 named each row
    // "<bucket N>" in the vocabulary; those files still load.)
    if (!file.stores_every_bucket()) {
      EMBEDKIT_CHECK(words == all.size() && file.subwords()->bucket == o.bucket, FormatError,
                     fmt::format("{}: the classifier's n-gram rows do not match its settings", path));
      for (const std::uint32_t b : file.stored_buckets()) {
        impl->row_of_bucket[b] = static_cast<std::uint32_t>(impl->bucket_of_row.size());
        impl->bucket_of_row.push_back(b);
      }
    }
    for (std::size_t i = words; i < all.size(); ++i) {
      const std::string_view name = all.word(static_cast<TokenId>(i));
      std::uint32_t b = 0;
      EMBEDKIT_CHECK(std::sscanf(std::string(name).c_str(), "<bucket %u>", &b) == 1 && bucket_entry_name(b) == name &&
                         b < o.bucket,
                     FormatError, fmt::format("{}: entry {} ('{}') is not a bucket row", path, i, name));
      impl->row_of_bucket[b] = static_cast<std::uint32_t>(impl->bucket_of_row.size());
      impl->bucket_of_row.push_back(b);
    }
    impl->build_tree();
    EMBEDKIT_CHECK(file.table().rows() == impl->words.size() + impl->bucket_of_row.size(), FormatError,
                   fmt::format("{}: the table has {} rows, the classifier {} words and {} n-gram rows", path,
                               file.table().rows(), impl->words.size(), impl->bucket_of_row.size()));
    o.encoder = parse_classifier_encoder(s.value("encoder", std::string("bag")));
    if (o.encoder == ClassifierEncoder::transformer) {
      read_transformer(s.at("transformer"), *file.output, path, *impl);
      impl->epochs_done = std::min(s.value("epochs_done", o.epochs), o.epochs);
      impl->training_examples = s.value("training_examples", std::size_t{0});
      impl->training_hash = s.value("training_hash", std::string());
      impl->stopped_mid_epoch = s.value("stopped_mid_epoch", false);
      o.freeze = FreezeSchedule::unfreeze_after(s.value("frozen_epochs", std::size_t{0}));
    } else {
      EMBEDKIT_CHECK(file.output->rows() == impl->output_rows(), FormatError,
                     fmt::format("{}: the output layer has {} rows, expected {}", path, file.output->rows(),
                                 impl->output_rows()));
    }
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("{}: bad classifier metadata: {}", path, e.what()));
  } catch (const ArgumentError& e) {  // a setting out of its domain (an unknown loss): the file's fault
    throw FormatError(fmt::format("{}: bad classifier metadata: {}", path, e.what()));
  }
  // A quantized model stays quantized when saved again: its codes are in the order save() writes
  // rows in (n-gram rows by bucket). Codes in another order (a hand-made file) are dropped; the
  // decoded rows remain.
  if (std::is_sorted(impl->bucket_of_row.begin(), impl->bucket_of_row.end())) {
    impl->compressed_input = std::move(file.compressed);
  }
  impl->output = std::move(*file.output);
  impl->input = EmbeddingBag(std::move(file.table()), {.mode = BagMode::mean});
  return TextClassifier(std::move(impl));
}

}  // namespace embedkit
