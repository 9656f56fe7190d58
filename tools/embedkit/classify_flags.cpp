#include "classify_flags.h"

#include "option_choices.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>

#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"
#include "embedkit/tokenize/subword_splitter.h"
#include "human_format.h"
#include "option_ranges.h"

namespace embedkit::cli {

LabeledDataOptions DataFlags::options(bool labels_optional) const {
  return {.format = parse_labeled_format(format),
          .label_prefix = label_prefix,
          .encoding = parse_text_encoding(encoding),
          .labels_optional = labels_optional};
}

LabeledData DataFlags::read(const std::string& path, bool labels_optional) const {
  LabeledData data = read_labeled_file(path, options(labels_optional));
  split(data);
  return data;
}

void DataFlags::split(LabeledData& data) const {
  if (tokenizer.empty()) return;
  if (!splitter_) splitter_ = subword_splitter(SubwordTokenizer::load(tokenizer), tokenizer);
  split_examples_with(data, *splitter_);
}

std::string DataFlags::tokenizer_record() const { return tokenizer.empty() ? std::string() : subword_tokenizer_record(tokenizer); }

void DataFlags::check_model(const TextClassifier& model) const {
  const std::string& trained = model.options().tokenizer;
  if (trained.empty()) {
    EMBEDKIT_CHECK(tokenizer.empty(), ArgumentError,
                   "the model was trained on whitespace words, not on a tokenizer's pieces: drop --tokenizer");
    return;
  }
  EMBEDKIT_CHECK(!tokenizer.empty(), ArgumentError,
                 fmt::format("the model was trained on the pieces of {}: give --tokenizer with that file", trained));
  // The same bytes under another name are the same tokenizer: compare the hashes.
  const std::string given = tokenizer_record();
  auto hash = [](const std::string& record) { return record.substr(record.rfind(" xxh3:") + 1); };
  EMBEDKIT_CHECK(hash(given) == hash(trained), ArgumentError,
                 fmt::format("--tokenizer {} is not the tokenizer the model was trained with ({} against {})", tokenizer,
                             given, trained));
}

void add_data_flags(CLI::App& cmd, DataFlags& flags) {
  cmd.add_option("--format", flags.format, "detect|fasttext|tsv|label-first (see below)")->capture_default_str();
  cmd.add_option("--encoding", flags.encoding, "utf-8|cp1252|latin1 (rt-polarity is cp1252)")->capture_default_str();
  cmd.add_option("--label-prefix", flags.label_prefix, "Marks label tokens in the fasttext format")
      ->capture_default_str();
  cmd.add_option("--tokenizer", flags.tokenizer,
                 "Subword tokenizer (tokenizer.json or SentencePiece .model): examples become its pieces; "
                 "the model records it, and test/predict need the same file")
      ->type_name("FILE");
}

const std::string_view kDataHelp =
    "Data: one example per line. fasttext: '__label__pos __label__funny a great film' (labels anywhere);\n"
    "tsv: 'text<TAB>label' (a GLUE 'sentence<TAB>label' header is skipped); label-first: '1 a great film'\n"
    "(SST-2's stsa files). Text splits on whitespace, as fastText (or into a subword tokenizer's pieces with\n"
    "--tokenizer FILE). Empty lines, lines without a label\n"
    "and invalid UTF-8 are errors naming the line; --encoding cp1252 reads Windows-1252 files.\n";

ClassifierOptions ModelFlags::resolve() const {
  ClassifierOptions o = options;
  o.loss = parse_classifier_loss(loss);
  const bool transformer = o.encoder == ClassifierEncoder::transformer;
  o.learning_rate = learning_rate.value_or(transformer ? kTransformerLearningRate : default_learning_rate(o.optimizer));
  if (transformer) {
    o.transformer.dropout = dropout.value_or(o.transformer.dropout);
  } else {
    o.dropout = dropout.value_or(0.0F);
  }
  EMBEDKIT_CHECK(int{freeze} + int{finetune} + int{unfreeze_after > 0} <= 1, ArgumentError,
                 "--freeze, --finetune and --unfreeze-after exclude each other");
  EMBEDKIT_CHECK(!(freeze || unfreeze_after > 0) || !o.pretrained.empty(), ArgumentError,
                 "--freeze and --unfreeze-after need --pretrained (a random layer must train)");
  o.freeze = freeze               ? FreezeSchedule::frozen()
             : unfreeze_after > 0 ? FreezeSchedule::unfreeze_after(unfreeze_after)
                                  : FreezeSchedule::fine_tune();
  return o;
}

void add_model_flags(CLI::App& cmd, ModelFlags& flags) {
  ClassifierOptions& o = flags.options;
  cmd.add_option("--dim", o.dim, "Embedding size (default: the --pretrained vectors' size, else 100)")
      ->check(whole_number(1, 100000));
  cmd.add_option("--epochs", o.epochs, "Passes over the data")->check(whole_number(1, 100000))->capture_default_str();
  cmd.add_option("--lr", flags.learning_rate,
                 "Learning rate (sgd: at the start, decaying linearly to 0; adagrad, adam: constant). Default: "
                 "0.1 for sgd and adagrad, 0.01 for adam")
      ->check(real_number(0, 10, Ends::open_low));
  choices<ClassifierOptimizer>(
      cmd.add_option("--optimizer", o.optimizer,
                     "sgd: fastText's, one example at a time on every thread (Hogwild); adagrad, adam: mini-batches "
                     "through the layer's sparse optimizers (--batch-size)"),
      {{"sgd", ClassifierOptimizer::sgd}, {"adagrad", ClassifierOptimizer::adagrad}, {"adam", ClassifierOptimizer::adam}})
      ->default_str("sgd");
  cmd.add_option("--batch-size", o.batch_size, "Examples per step of adagrad, adam and the transformer")
      ->check(whole_number(1, 1000000))
      ->capture_default_str();
  cmd.add_option("--word-ngrams", o.word_ngrams, "Longest word n-gram (2 adds hashed bigrams)")
      ->check(whole_number(1, 100))
      ->capture_default_str();
  cmd.add_option("--minn", o.minn, "Shortest character n-gram (with --maxn)")
      ->check(whole_number(0, 64))
      ->capture_default_str();
  cmd.add_option("--maxn", o.maxn, "Longest character n-gram (0 = none)")
      ->check(whole_number(0, 64))
      ->capture_default_str();
  cmd.add_option("--bucket", o.bucket, "Hash space for word and character n-grams")
      ->check(whole_number(0, 4294967295))
      ->capture_default_str();
  cmd.add_option("--min-count", o.min_count, "Drop words seen fewer times")
      ->check(whole_number(1, kMaxCount))
      ->capture_default_str();
  cmd.add_option("--loss", flags.loss, "softmax | hs (hierarchical softmax) | ova (one-vs-all, multi-label)")
      ->capture_default_str();
  cmd.add_option("--dropout", flags.dropout,
                 "bag: drop each feature with this probability while training (default 0); transformer: dropout "
                 "where PyTorch's encoder has it (default 0.1)")
      ->check(real_number(0, 1, Ends::open_high));
  cmd.add_option("--pretrained", o.pretrained, "Start the word rows from these vectors (any format embedkit reads)");
  cmd.add_flag("--freeze", flags.freeze, "Keep the embedding layer fixed (with --pretrained)");
  cmd.add_flag("--finetune", flags.finetune, "Train the embedding layer from the first epoch (the default)");
  cmd.add_option("--unfreeze-after", flags.unfreeze_after, "Keep it fixed for N epochs, then fine-tune it")
      ->check(whole_number(0, 100000));
  TransformerClassifierOptions& t = o.transformer;
  choices<ClassifierEncoder>(
      cmd.add_option("--encoder", o.encoder,
                     "bag: the mean of the text's rows (fastText); transformer: positions and a Transformer encoder "
                     "over the words in order, mean-pooled (AdamW + lazy Adam on the rows, --lr default 0.001, "
                     "warm-up and decay)"),
      {{"bag", ClassifierEncoder::bag}, {"transformer", ClassifierEncoder::transformer}})
      ->default_str("bag");
  cmd.add_option("--layers", t.layers, "transformer: encoder layers")->check(whole_number(1, 64))->capture_default_str();
  cmd.add_option("--heads", t.heads, "transformer: attention heads (0: 4, or what fits --dim: 100 -> 5)")
      ->check(whole_number(0, 1024))
      ->capture_default_str();
  cmd.add_option("--feedforward", t.feedforward, "transformer: feed-forward width (0 = 4 x dim)")
      ->check(whole_number(0, 1048576))
      ->capture_default_str();
  choices<nn::PositionKind>(cmd.add_option("--positions", t.positions,
                                           "transformer: rope (rotary, on q and k), sinusoidal, learned (added to the "
                                           "rows) or none"),
                            {{"rope", nn::PositionKind::rotary},
                             {"sinusoidal", nn::PositionKind::sinusoidal},
                             {"learned", nn::PositionKind::learned},
                             {"none", nn::PositionKind::none}})
      ->default_str("rope");
  choices<nn::Pooling>(cmd.add_option("--pooling", t.pooling, "transformer: mean of the outputs, or the first"),
                       {{"mean", nn::Pooling::mean}, {"first", nn::Pooling::first}})
      ->default_str("mean");
  cmd.add_option("--max-length", t.max_length, "transformer: tokens a text keeps (with its end token)")
      ->check(whole_number(2, 1048576))
      ->capture_default_str();
  cmd.add_option("--warmup", t.warmup, "transformer: fraction of the steps the learning rate rises over")
      ->check(real_number(0, 1))
      ->capture_default_str();
  cmd.add_option("--clip", t.clip, "transformer: clip the gradients' global norm to this (0 = never)")
      ->check(real_number(0, 1e6))
      ->capture_default_str();
  cmd.add_option("--embedding-lr", t.embedding_learning_rate,
                 "transformer: peak learning rate of the embedding rows (0 = --lr)")
      ->check(real_number(0, 10))
      ->capture_default_str();
  cmd.add_option("--weight-decay", t.weight_decay, "transformer: AdamW's weight decay (on the matrices)")
      ->check(real_number(0, 1))
      ->capture_default_str();
  cmd.add_option("--threads", o.threads, fmt::format("Worker threads (0 = all cores; at most {})", kMaxThreads))
      ->check(whole_number(0, kMaxThreads))
      ->capture_default_str();
  cmd.add_option("--seed", o.seed, "Seed of every random choice (one thread: bit-reproducible)")
      ->check(whole_number(0, UINT64_MAX))
      ->capture_default_str();
}

namespace {

std::string examples_rate(double per_second) {
  return per_second >= 1e6 ? fmt::format("{:.2f}M", per_second / 1e6) : fmt::format("{:.0f}k", per_second / 1e3);
}

}  // namespace

ClassifierCallbacks progress_callbacks(ProgressBar& bar, bool json, bool quiet, std::size_t epochs) {
  ClassifierCallbacks callbacks;
  callbacks.on_pretrained = [json, quiet](const std::string& report) {
    if (json) {
      fmt::print(stderr, "{}\n", nlohmann::json{{"event", "pretrained"}, {"coverage", report}}.dump());
    } else if (!quiet) {
      fmt::print(stderr, "pretrained: {}\n", printable(report));
    }
  };
  callbacks.on_progress = [&bar, json, epochs](const ClassifierProgress& p) {
    if (json) {
      fmt::print(stderr, "{}\n",
                 progress_json({p.progress, p.epoch + 1, "examples_per_second", p.examples_per_second,
                                p.learning_rate, p.loss, p.seconds, p.eta_seconds}));
      return;
    }
    bar.update(static_cast<std::uint64_t>(p.progress * 1e6), 1000000,
               fmt::format("epoch {}/{}  {} examples/s  lr {:.4f}  loss {:.4f}", p.epoch + 1, epochs,
                           examples_rate(p.examples_per_second), p.learning_rate, p.loss));
  };
  return callbacks;
}

}  // namespace embedkit::cli
