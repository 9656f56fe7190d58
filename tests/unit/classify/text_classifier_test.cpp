// The text classifier end to end: it learns separable data, its files predict exactly as the
// model that wrote them, frozen layers stay bit-identical, one-thread runs are reproducible,
// and the metrics and cross-validation count correctly.
#include "embedkit/classify/text_classifier.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>

#include "embedkit/classify/classification_metrics.h"
#include "embedkit/classify/model_selection.h"
#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"
#include "embedkit/core/random.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/io/word_vectors.h"
#include "test_files.h"

namespace embedkit {
namespace {

// Three topics, each with its own words, plus shared filler words.
LabeledData topic_data(std::size_t per_label, std::uint64_t seed) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> topics = {
      {"sport", {"goal", "match", "team", "score", "league"}},
      {"food", {"bread", "cheese", "soup", "spicy", "bake"}},
      {"music", {"guitar", "song", "chord", "album", "drums"}}};
  const std::vector<std::string> filler = {"the", "a", "was", "very", "it", "and"};
  SplitMix64 rng(seed);
  std::string text;
  for (std::size_t i = 0; i < per_label; ++i) {
    for (const auto& [label, words] : topics) {
      text += "__label__" + label;
      for (int w = 0; w < 6; ++w) {
        const auto& pool = rng.next() % 2 ? words : filler;
        text += " " + pool[rng.next() % pool.size()];
      }
      text += " " + words[rng.next() % words.size()] + "\n";
    }
  }
  return parse_labeled_text(text, "topics", {});
}

TEST(TextClassifier, LearnsSeparableDataWithEveryLoss) {
  const LabeledData train = topic_data(40, 1), test = topic_data(20, 2);
  for (const auto loss : {ClassifierLoss::softmax, ClassifierLoss::hierarchical_softmax, ClassifierLoss::one_vs_all}) {
    const auto model = TextClassifier::train(
        train, {.dim = 16, .epochs = 20, .learning_rate = 0.5F, .word_ngrams = 2, .loss = loss, .threads = 1});
    const auto report = evaluate_classifier(model, test);
    EXPECT_EQ(report.accuracy, 1.0) << classifier_loss_name(loss);
    EXPECT_EQ(model.label_count(), 3U);
    EXPECT_GT(model.bucket_rows(), 0U) << "bigrams get rows";
    for (std::size_t l = 0; l < 3; ++l) EXPECT_EQ(report.confusion[l][l], 20U);
  }
}

// The mini-batch path (the layer's forward, a sparse optimizer's fused backward + update) learns
// the same data with every loss, and the model records how it was trained.
TEST(TextClassifier, AdagradAndAdamMiniBatchesLearnSeparableDataWithEveryLoss) {
  const LabeledData train = topic_data(40, 1), test = topic_data(20, 2);
  testing::ScratchDir dir;
  for (const auto optimizer : {ClassifierOptimizer::adagrad, ClassifierOptimizer::adam}) {
    for (const auto loss :
         {ClassifierLoss::softmax, ClassifierLoss::hierarchical_softmax, ClassifierLoss::one_vs_all}) {
      const ClassifierOptions o{.dim = 16, .epochs = 20, .learning_rate = default_learning_rate(optimizer) * 3,
                                .optimizer = optimizer, .batch_size = 8, .word_ngrams = 2, .loss = loss};
      const auto model = TextClassifier::train(train, o);
      const std::string what = fmt::format("{} {}", classifier_optimizer_name(optimizer), classifier_loss_name(loss));
      EXPECT_GE(evaluate_classifier(model, test).accuracy, 0.95) << what;  // chance: 1/3
      const std::string path = (dir.path() / "m.ekv").string();
      model.save(path);
      EXPECT_EQ(TextClassifier::load(path).options().optimizer, optimizer) << what;
      EXPECT_EQ(TextClassifier::load(path).options().batch_size, 8U) << what;
    }
  }
  EXPECT_THROW((void)parse_classifier_optimizer("adamw"), ArgumentError);
  EXPECT_THROW((void)TextClassifier::train(train, {.optimizer = ClassifierOptimizer::adam, .batch_size = 0}),
               ArgumentError);
}

TEST(TextClassifier, SavedModelPredictsIdentically) {
  const LabeledData train = topic_data(30, 3), test = topic_data(10, 4);
  const auto model = TextClassifier::train(train, {.dim = 8, .epochs = 3, .word_ngrams = 3, .minn = 2, .maxn = 4,
                                                   .bucket = 10000, .loss = ClassifierLoss::hierarchical_softmax,
                                                   .threads = 2});
  testing::ScratchDir dir;
  const std::string path = (dir.path() / "m.ekv").string();
  model.save(path);
  const auto loaded = TextClassifier::load(path);
  EXPECT_EQ(loaded.options().loss, ClassifierLoss::hierarchical_softmax);
  EXPECT_EQ(loaded.bucket_rows(), model.bucket_rows());
  const std::vector<std::string> unseen = {"zzz", "goal", "guitarist", "never-seen-bigram"};
  for (const auto& ex : test.examples) {
    const auto a = model.predict(ex.tokens, 3), b = loaded.predict(ex.tokens, 3);
    ASSERT_EQ(a.size(), 3U);
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].label, b[i].label);
      EXPECT_EQ(a[i].probability, b[i].probability);
    }
  }
  EXPECT_EQ(model.predict(unseen)[0].probability, loaded.predict(unseen)[0].probability);
  // Not a classifier: a clear error.
  const std::string vectors = (dir.path() / "v.ekv").string();
  save_vectors(model.word_vectors(), vectors, {});
  EXPECT_THROW((void)TextClassifier::load(vectors), FormatError);
}

TEST(TextClassifier, QuantizedModelsKeepTheirRowsCodesAndPredictionsThroughTheirFile) {
  const LabeledData train = topic_data(40, 5), test = topic_data(20, 6);
  const auto model = TextClassifier::train(train, {.dim = 16, .epochs = 20, .learning_rate = 0.5F, .word_ngrams = 2,
                                                   .threads = 1});
  const std::size_t rows = model.word_count() + model.bucket_rows();
  const auto small = model.quantize({.cutoff = rows / 2, .dsub = 4, .separate_norms = true, .threads = 1}, &train);
  EXPECT_EQ(small.word_count() + small.bucket_rows(), rows / 2);
  ASSERT_NE(small.compressed_rows(), nullptr);
  EXPECT_EQ(small.compressed_rows()->subvectors(), 4U);
  EXPECT_GE(evaluate_classifier(small, test).accuracy, 0.95);
  testing::ScratchDir dir;
  const std::string full_path = (dir.path() / "full.ekv").string(), small_path = (dir.path() / "small.ekv").string();
  model.save(full_path);
  small.save(small_path);
  // Codes (4 bytes) and a norm code (1) per kept row, 256 norm levels, and 4 codebooks of 256
  // centroids of 4 floats.
  EXPECT_EQ(small.compressed_rows()->bytes(), rows / 2 * 5 + 256 * 4 + 4 * 256 * 4 * 4);
  const auto loaded = TextClassifier::load(small_path);
  ASSERT_NE(loaded.compressed_rows(), nullptr);
  for (const auto& ex : test.examples) {
    const auto a = small.predict(ex.tokens, 3), b = loaded.predict(ex.tokens, 3);
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].label, b[i].label);
      EXPECT_EQ(a[i].probability, b[i].probability);
    }
  }
  // Saved again, it stays quantized: the same bytes.
  const std::string again = (dir.path() / "again.ekv").string();
  loaded.save(again);
  EXPECT_EQ(testing::read_file(again), testing::read_file(small_path));
  // Without a cutoff every row stays; int8 codes lose almost nothing.
  const auto int8 = model.quantize({.codec = Codec::int8});
  EXPECT_EQ(int8.word_count() + int8.bucket_rows(), rows);
  EXPECT_EQ(evaluate_classifier(int8, test).accuracy, evaluate_classifier(model, test).accuracy);
  EXPECT_THROW((void)model.quantize({.dsub = 3}), ArgumentError);
}

TEST(TextClassifier, FilesOfTheFirstLayoutStillLoad) {
  // Version 1 named each n-gram row "<bucket N>" in the vocabulary (a model file from round one).
  const auto model = TextClassifier::load(std::string(EMBEDKIT_SOURCE_DIR) + "/fuzz/corpus/classifier/softmax-bigrams.ekv");
  EXPECT_GT(model.bucket_rows(), 0U);
  EXPECT_EQ(model.predict(std::vector<std::string>{"good", "film"}, 1).size(), 1U);
}

TEST(TextClassifier, OneThreadRunsAreReproducibleAndSeedsMatter) {
  const LabeledData train = topic_data(20, 5);
  const ClassifierOptions o{.dim = 8, .epochs = 2, .word_ngrams = 2, .dropout = 0.2F, .threads = 1, .seed = 9};
  const auto a = TextClassifier::train(train, o), b = TextClassifier::train(train, o);
  EXPECT_TRUE(a.word_vectors().table() == b.word_vectors().table());
  ClassifierOptions other = o;
  other.seed = 10;
  EXPECT_FALSE(a.word_vectors().table() == TextClassifier::train(train, other).word_vectors().table());
}

TEST(TextClassifier, FrozenPretrainedRowsStayBitIdentical) {
  const LabeledData train = topic_data(20, 6);
  // Pretrained vectors for some of the words, with a word the data lacks.
  const std::vector<VocabularyEntry> words = {{"goal", 5}, {"bread", 4}, {"guitar", 3}, {"absent", 1}};
  EmbeddingTable table(words.size(), 4);
  table.fill_normal(0.0F, 1.0F, 42);
  testing::ScratchDir dir;
  const std::string path = (dir.path() / "pre.vec").string();
  save_vectors(WordVectors(Vocabulary::from_entries(words, "pre"), std::move(table)), path,
               {.format = VectorFormat::word2vec_text});
  const WordVectors pre = load_vectors(path);
  std::string report;
  for (const auto optimizer : {ClassifierOptimizer::sgd, ClassifierOptimizer::adagrad, ClassifierOptimizer::adam}) {
  for (const auto& [schedule, should_change] :
       {std::pair{FreezeSchedule::frozen(), false}, std::pair{FreezeSchedule::fine_tune(), true}}) {
    const auto model = TextClassifier::train(train,
                                             {.dim = 4, .epochs = 3, .learning_rate = 0.5F, .optimizer = optimizer,
                                              .threads = 1, .pretrained = path, .freeze = schedule},
                                             {.on_pretrained = [&](const std::string& r) { report = r; }});
    const WordVectors learned = model.word_vectors();
    for (const std::string_view w : {"goal", "bread", "guitar"}) {
      const auto id = learned.words().find(w);
      ASSERT_TRUE(id);
      const auto got = learned.table().row(*id);
      const auto want = pre.table().row(*pre.words().find(w));
      EXPECT_EQ(std::equal(got.begin(), got.end(), want.begin()), !should_change)
          << w << " " << classifier_optimizer_name(optimizer);
    }
  }
  }
  EXPECT_NE(report.find("3"), std::string::npos) << report;
  EXPECT_THROW((void)TextClassifier::train(train, {.dim = 5, .pretrained = path}), ArgumentError);
  EXPECT_EQ(TextClassifier::train(train, {.epochs = 1, .pretrained = path}).dim(), 4U) << "dim from the vectors";
}

TEST(TextClassifier, RejectsDataThatCannotTrainAndBadOptions) {
  const auto one_label = parse_labeled_text("__label__a x\n__label__a y\n", "one", {});
  try {
    (void)TextClassifier::train(one_label, {});
    FAIL() << "one label must not train a softmax";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("1 distinct label"), std::string::npos) << e.what();
  }
  const LabeledData data = topic_data(2, 7);
  EXPECT_THROW((void)TextClassifier::train(data, {.dim = 200000}), ArgumentError);
  EXPECT_EQ(TextClassifier::train(data, {.epochs = 1}).dim(), kDefaultDim) << "dim 0 = fastText's 100";
  EXPECT_THROW((void)TextClassifier::train(data, {.minn = 4, .maxn = 2}), ArgumentError);
  EXPECT_THROW((void)TextClassifier::train(data, {.dropout = 1.0F}), ArgumentError);
  EXPECT_THROW((void)TextClassifier::train(data, {.learning_rate = 1e30F, .threads = 1}), Error) << "divergence";
  EXPECT_THROW((void)TextClassifier::train(data, {.threads = kMaxThreads + 1}), ArgumentError);
  // A label the model could not hold (load() refuses control characters) is refused at once.
  const auto escape = parse_labeled_text("__label__a x\n__label__b\x1b[2J y\n", "esc", {});
  try {
    (void)TextClassifier::train(escape, {});
    FAIL() << "a label with ESC was accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("esc:2: label"), std::string::npos) << e.what();
  }
}

TEST(TextClassifier, MinCountAboveEveryWordIsAnErrorNotAOneWordModel) {
  const auto data = parse_labeled_text("__label__a x x y\n__label__b y z\n__label__a x\n", "few", {});
  try {
    (void)TextClassifier::train(data, {.min_count = 4});
    FAIL() << "no word occurs 4 times: nothing to learn from";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("no word occurs at least 4 times (--min-count); the most frequent, 'x', "
                                         "occurs 3 times"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(TextClassifier::train(data, {.epochs = 1, .min_count = 3}).word_count(), 2U) << "x and </s>";
}

TEST(ClassificationMetrics, MultiLabelPrecisionAndRecallAtK) {
  // Each example carries two labels; one-vs-all learns both.
  std::string text;
  for (int i = 0; i < 30; ++i) text += "__label__x __label__y alpha beta\n__label__z gamma delta\n";
  const auto data = parse_labeled_text(text, "ml", {});
  const auto model = TextClassifier::train(data, {.dim = 8, .epochs = 30, .learning_rate = 0.5F,
                                                  .loss = ClassifierLoss::one_vs_all, .threads = 1});
  const auto r2 = evaluate_classifier(model, data, 2);
  // Top-2 of the first kind hits both labels; of the second, one of two predictions hits.
  EXPECT_NEAR(r2.precision_at_k, (60.0 + 30.0) / 120.0, 1e-12);
  EXPECT_NEAR(r2.recall_at_k, 1.0, 1e-12);
  EXPECT_EQ(r2.accuracy, 1.0);
  const auto above = evaluate_classifier(model, data, 3, 0.5F);  // only the confident labels
  EXPECT_NEAR(above.precision_at_k, 1.0, 1e-12);
  EXPECT_NEAR(above.recall_at_k, 1.0, 1e-12);
}

TEST(ClassificationMetrics, UnseenGoldLabelsCountAsErrors) {
  const LabeledData train = topic_data(20, 8);
  const auto model = TextClassifier::train(train, {.dim = 8, .epochs = 10, .learning_rate = 0.5F, .threads = 1});
  const auto test = parse_labeled_text("__label__sport goal team\n__label__weather rain cloud\n", "t", {});
  const auto r = evaluate_classifier(model, test);
  EXPECT_EQ(r.accuracy, 0.5);
  ASSERT_EQ(r.per_label.size(), 4U);
  EXPECT_EQ(r.per_label[3].label, "weather");
  EXPECT_EQ(r.per_label[3].support, 1U);
  EXPECT_EQ(r.per_label[3].recall, 0.0);
}

TEST(ModelSelection, CrossValidationUsesEveryExampleOnceForTesting) {
  const LabeledData data = topic_data(10, 9);  // 30 examples
  const auto cv = cross_validate(data, {.dim = 8, .epochs = 10, .learning_rate = 0.5F, .threads = 1}, {.folds = 3});
  ASSERT_EQ(cv.fold_accuracy.size(), 3U);
  EXPECT_GT(cv.mean_accuracy, 0.8);
  EXPECT_THROW((void)cross_validate(data, {}, {.folds = 1}), ArgumentError);
  EXPECT_THROW((void)cross_validate(data, {}, {.folds = 31}), ArgumentError);
}

TEST(ModelSelection, AutotuneKeepsTheBestTrialWithinItsBudget) {
  const LabeledData train = topic_data(20, 10), validation = topic_data(10, 11);
  std::size_t calls = 0;
  const auto result = autotune(train, validation, {.dim = 8, .epochs = 1, .learning_rate = 0.01F, .threads = 1},
                               {.seconds = 1.0}, [&](const AutotuneTrial&, bool) { ++calls; });
  ASSERT_TRUE(result.best);
  EXPECT_EQ(calls, result.trials.size());
  EXPECT_GE(result.trials.size(), 2U);
  for (const auto& t : result.trials) EXPECT_LE(t.accuracy, result.best_trial.accuracy);
  EXPECT_EQ(evaluate_classifier(*result.best, validation).accuracy, result.best_trial.accuracy);
}

}  // namespace
}  // namespace embedkit
