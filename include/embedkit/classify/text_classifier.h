// A fastText-style text classifier whose embedding layer is learned inside the task
// (part of embedkit::train).
//
//   auto data = embedkit::read_labeled_file("train.txt", {});
//   embedkit::TextClassifier model = embedkit::TextClassifier::train(data, {.word_ngrams = 2});
//   auto best = model.predict(tokens, /*k=*/1);          // [{label, probability}]
//   model.save("sentiment.ekv");
//
// Model: the features of a text (its words, hashed word n-grams up to `word_ngrams`, optionally
// hashed character n-grams minn..maxn of each word, and an end-of-sentence token) are averaged
// by an EmbeddingBag (mean); a linear layer scores the labels; the loss is softmax,
// hierarchical softmax (a Huffman tree over label counts) or one-vs-all (independent sigmoids,
// for multi-label data). Features are fastText's exactly: the same FNV-1a hashes, the same
// word n-gram hash combination, the same bucket arithmetic, so settings mean the same thing.
// Differences from fastText, on purpose:
// - Only the hash buckets that occur in the training data get rows (fastText allocates all
//   `bucket` rows: 800 MB for 2M x 100). A bucket first seen at prediction time has no row and is
//   left out of the mean, where fastText would add its untrained random row.
// - Examples are shuffled every epoch (seeded): fastText reads the file in order, so sorted
//   files (all positives, then all negatives) hurt it.
// Training is Hogwild SGD, one example at a time, with a learning rate decaying linearly to 0;
// with one thread a run is bit-reproducible for a given seed.
//
// With `encoder = ClassifierEncoder::transformer` the words (and "</s>") go through the same
// embedding rows, then positions and a Transformer encoder (nn/transformer_encoder.h), and the
// mean of its outputs (or the first) through a linear layer with a bias to a softmax: a word's
// contribution depends on its sentence ("not good"). Trained in mini-batches bucketed by length:
// AdamW for the encoder and the head, lazy Adam (SparseAdam) for the embedding rows a batch
// touches, one warm-up and decay schedule for both, gradients clipped by their global norm; the
// batch's sequences are split over the threads (with one thread a run is reproducible). The
// file holds the whole model: the encoder's and the head's parameters are the output layer's
// rows, in the order of their names in the metadata. ClassifierOptions::checkpoint writes the
// model at the end of every epoch; ::resume continues one on the same data.
//
// File: the native vector format (io/native_format.h). Vocabulary = the words, then one entry per
// kept n-gram bucket named "<bucket N>" (a name with a space, which no whitespace-split token can
// have); table = their rows; output layer = the linear layer; metadata "embedkit.classifier" =
// a JSON object with the labels and settings.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/classify/labeled_data.h"
#include "embedkit/io/align_vectors.h"
#include "embedkit/nn/pooling.h"
#include "embedkit/nn/transformer_encoder.h"
#include "embedkit/table/compressed_table.h"
#include "embedkit/train/freeze_schedule.h"

namespace embedkit {

class WordVectors;

enum class ClassifierLoss { softmax, hierarchical_softmax, one_vs_all };

/// "softmax", "hs", "ova" -> ClassifierLoss; ArgumentError otherwise.
[[nodiscard]] ClassifierLoss parse_classifier_loss(std::string_view name);
[[nodiscard]] std::string_view classifier_loss_name(ClassifierLoss loss) noexcept;

/// How the classifier learns. sgd: fastText's Hogwild SGD, one example at a time on every thread,
/// the learning rate decaying linearly to 0. adagrad, adam: mini-batches of batch_size examples
/// through the layer (EmbeddingBag forward, the fused backward + update of SparseAdagrad /
/// SparseAdam on the embedding rows a batch touches, the same optimizer on the output layer), at
/// a constant learning rate; parallel inside each step rather than across examples.
enum class ClassifierOptimizer { sgd, adagrad, adam };

[[nodiscard]] ClassifierOptimizer parse_classifier_optimizer(std::string_view name);
[[nodiscard]] std::string_view classifier_optimizer_name(ClassifierOptimizer optimizer) noexcept;
/// The learning rate each optimizer starts from when none is given (tuned on SST-2's dev split).
[[nodiscard]] float default_learning_rate(ClassifierOptimizer optimizer) noexcept;
/// The Transformer classifier's peak learning rate when none is given.
inline constexpr float kTransformerLearningRate = 1e-3F;

inline constexpr std::size_t kDefaultDim = 100;

/// What turns a text's embedding rows into one vector: their mean (fastText's bag), or a
/// Transformer encoder over them.
enum class ClassifierEncoder { bag, transformer };

[[nodiscard]] ClassifierEncoder parse_classifier_encoder(std::string_view name);
[[nodiscard]] std::string_view classifier_encoder_name(ClassifierEncoder encoder) noexcept;

/// The Transformer classifier's shape and training (with ClassifierEncoder::transformer).
struct TransformerClassifierOptions {
  std::size_t layers = 2;
  std::size_t heads = 0;         ///< 0: default_heads(dim)
  std::size_t feedforward = 0;   ///< 0 = 4 x dim
  nn::PositionKind positions = nn::PositionKind::rotary;
  nn::Pooling pooling = nn::Pooling::mean;
  std::size_t max_length = 256;  ///< tokens a text keeps (the rest are cut off), with "</s>"
  float dropout = 0.1F;
  float warmup = 0.1F;           ///< fraction of the steps the learning rate rises over
  float clip = 1.0F;             ///< the gradients' global norm is clipped to this (0: never)
  float weight_decay = 0.01F;    ///< AdamW's, on the matrices (not biases or norms)
  float embedding_learning_rate = 0.0F;  ///< peak rate of the embedding rows' lazy Adam (0: the model's)
};

/// The heads a width gets when none are asked for: 4, or the count nearest it whose heads have an
/// even width (so that every kind of positions fits, and switching positions keeps the shape):
/// 100 -> 5 heads of 20, 300 -> 5 of 60.
[[nodiscard]] std::size_t default_heads(std::size_t dim) noexcept;

struct ClassifierOptions {
  std::size_t dim = 0;              ///< 0 = the pretrained vectors' dim, or kDefaultDim (fastText's 100)
  std::size_t epochs = 5;
  float learning_rate = 0.1F;       ///< default_learning_rate(optimizer) is a good start
  ClassifierOptimizer optimizer = ClassifierOptimizer::sgd;
  std::size_t batch_size = 32;      ///< examples per step of adagrad / adam (sgd: always 1)
  std::uint32_t word_ngrams = 1;    ///< 1 = words only; 2 adds bigrams, ...
  std::uint32_t minn = 0;           ///< character n-grams (0 = none), as fastText's -minn/-maxn
  std::uint32_t maxn = 0;
  std::uint64_t bucket = 2000000;   ///< hash space of word and character n-grams
  std::uint64_t min_count = 1;      ///< words seen fewer times are dropped (their n-grams stay)
  ClassifierLoss loss = ClassifierLoss::softmax;
  float dropout = 0.0F;             ///< probability of dropping each feature from a bag in training
  std::size_t threads = 0;          ///< 0 = embedkit::num_threads()
  std::uint64_t seed = 1;
  /// Pretrained vectors (any format load_vectors reads) for the word rows; dim must match.
  std::string pretrained;
  /// The subword tokenizer whose pieces the examples are (a description and a hash of its file,
  /// as subword_tokenizer_record() writes it); empty for whitespace words. Prediction must read
  /// text with the same tokenizer.
  std::string tokenizer;
  FreezeSchedule freeze = FreezeSchedule::fine_tune();  ///< of the whole embedding layer
  ClassifierEncoder encoder = ClassifierEncoder::bag;
  TransformerClassifierOptions transformer{};  ///< with encoder = transformer
  /// Transformer: the model as it is is written here (atomically) at the end of every epoch.
  std::string checkpoint;
  /// Transformer: a checkpoint to continue, on the same data, at the epoch after its last one
  /// (its recorded settings apply; `threads` and `checkpoint` are this run's; the optimizers'
  /// moments start afresh).
  std::string resume;
};

struct ClassifierProgress {
  double progress = 0;          ///< 0..1
  std::size_t epoch = 0;
  double examples_per_second = 0;
  float learning_rate = 0;
  double loss = 0;              ///< mean loss per example in the current epoch
  double seconds = 0;
  double eta_seconds = 0;
};

struct ClassifierCallbacks {
  std::function<void(const std::string&)> on_pretrained;  ///< the coverage report
  std::function<void(const ClassifierProgress&)> on_progress;  ///< a few times a second, and at the end
  /// Polled with each progress report: true (a user's Ctrl-C) ends training within a moment with
  /// the model as it is then.
  std::function<bool()> should_stop;
};

/// How TextClassifier::quantize makes a model smaller (fastText's `quantize` and its flags).
struct ClassifierQuantization {
  /// Keep only the `cutoff` embedding rows (words and n-gram buckets) of largest norm, and the
  /// end-of-sentence row, as fastText's -cutoff; features without a row are left out. 0 = all.
  std::size_t cutoff = 0;
  Codec codec = Codec::pq;      ///< how the kept rows are stored (compressed_table.h)
  std::size_t dsub = 2;         ///< pq: values per sub-vector (fastText's -dsub); must divide dim
  bool separate_norms = false;  ///< pq: rows' norms kept apart (fastText's -qnorm)
  /// Retraining after the cutoff (fastText's -retrain, when data is given): epochs and learning
  /// rate, 0 = the model's own.
  std::size_t retrain_epochs = 0;
  float retrain_learning_rate = 0.0F;
  std::size_t threads = 0;
  std::uint64_t seed = 1;
};

struct LabelScore {
  std::uint32_t label;
  float probability;
};

class TextClassifier {
 public:
  /// Trains on `data`. Throws ArgumentError for bad options, FormatError when the data has fewer
  /// than two labels (softmax/hs), Error when training diverges (NaN/Inf).
  static TextClassifier train(const LabeledData& data, const ClassifierOptions& options,
                              const ClassifierCallbacks& callbacks = {});
  /// Reads a model written by save(). Throws FormatError when the file is not a classifier.
  static TextClassifier load(const std::string& path);
  /// The same from the bytes of a model file in memory (copied); `source` names it in errors.
  static TextClassifier parse(std::string_view bytes, std::string_view source);
  /// The classifier held by a native vector file already loaded (load() is load_vectors() and
  /// this), for a program that opens files before knowing what they hold; `source` names it in
  /// errors. Throws FormatError as load().
  static TextClassifier from_vectors(WordVectors file, std::string_view source);
  /// Whether a loaded vector file is a classifier (has a classifier's metadata), without checking it.
  [[nodiscard]] static bool holds_classifier(const WordVectors& file);
  /// Writes atomically in the native format (a quantized model: its embedding rows as codes).
  void save(const std::string& path) const;

  /// A smaller model (part of embedkit::train): the rows `q.cutoff` keeps, retrained on
  /// `retrain` when given and the cutoff dropped rows (as fastText: the kept rows and the output
  /// layer, with the model's optimizer and loss), then compressed with `q.codec`. The result predicts with the rows as its file holds
  /// them (decoded), so its accuracy is what a user of the file gets. Throws ArgumentError for
  /// bad settings (dsub not dividing dim).
  [[nodiscard]] TextClassifier quantize(const ClassifierQuantization& q, const LabeledData* retrain = nullptr,
                                        const ClassifierCallbacks& callbacks = {}) const;
  /// The embedding rows' codes when the model is quantized (else null).
  [[nodiscard]] const CompressedTable* compressed_rows() const noexcept;

  TextClassifier(TextClassifier&&) noexcept;
  TextClassifier& operator=(TextClassifier&&) noexcept;
  ~TextClassifier();

  [[nodiscard]] std::size_t label_count() const noexcept;
  [[nodiscard]] std::string_view label(std::uint32_t id) const;
  [[nodiscard]] std::optional<std::uint32_t> find_label(std::string_view label) const;
  [[nodiscard]] std::size_t dim() const noexcept;
  [[nodiscard]] std::size_t word_count() const noexcept;
  [[nodiscard]] std::size_t bucket_rows() const noexcept;  ///< n-gram rows kept
  [[nodiscard]] const ClassifierOptions& options() const noexcept;

  /// The k most probable labels of a tokenized text, most probable first, each with probability
  /// at least `threshold`. Texts with no known feature still get the model's prior.
  [[nodiscard]] std::vector<LabelScore> predict(std::span<const std::string> tokens, std::size_t k = 1,
                                                float threshold = 0.0F) const;
  /// predict() for every example, in parallel.
  [[nodiscard]] std::vector<std::vector<LabelScore>> predict_all(const LabeledData& data, std::size_t k = 1,
                                                                 float threshold = 0.0F) const;

  /// The embedding-layer rows as word vectors (words only), e.g. to look at what it learned.
  [[nodiscard]] WordVectors word_vectors() const;

  /// The model's parts (opaque here: src/classify/classifier_model.h, for the trainers).
  struct Impl;

 private:
  explicit TextClassifier(std::unique_ptr<Impl> impl);
  [[nodiscard]] std::vector<std::vector<LabelScore>> predict_all_encoded(const LabeledData& data, std::size_t k,
                                                                         float threshold) const;
  std::unique_ptr<Impl> impl_;
};

}  // namespace embedkit
