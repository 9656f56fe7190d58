// The Transformer classifier end to end: it learns what depends on word order (which a bag of
// words cannot), its file predicts exactly as the model that wrote it, a file that lies about
// its encoder is refused, and one-thread runs are reproducible.
#include <gtest/gtest.h>

#include <string>

#include "embedkit/classify/classification_metrics.h"
#include "embedkit/classify/text_classifier.h"
#include "embedkit/core/error.h"
#include "embedkit/core/random.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/io/word_vectors.h"
#include "test_files.h"

namespace embedkit {
namespace {

// The same words in both classes; only their order tells them apart: "x ... before y" is one
// label, "y ... before x" the other.
LabeledData order_data(std::size_t examples, std::uint64_t seed) {
  const std::vector<std::string> filler = {"the", "a", "was", "very", "it", "and"};
  SplitMix64 rng(seed);
  std::string text;
  for (std::size_t i = 0; i < examples; ++i) {
    const bool forward = rng.next() % 2 == 0;
    text += forward ? "__label__forward" : "__label__backward";
    std::vector<std::string> words;
    for (int w = 0; w < 4; ++w) words.push_back(filler[rng.next() % filler.size()]);
    const std::size_t first = rng.next() % 3, second = first + 1 + rng.next() % 2;
    words.insert(words.begin() + static_cast<std::ptrdiff_t>(first), forward ? "up" : "down");
    words.insert(words.begin() + static_cast<std::ptrdiff_t>(second), forward ? "down" : "up");
    for (const std::string& w : words) text += " " + w;
    text += "\n";
  }
  return parse_labeled_text(text, "order", {});
}

ClassifierOptions transformer_options(nn::PositionKind positions) {
  return {.dim = 16,
          .epochs = 30,
          .learning_rate = 3e-3F,
          .batch_size = 16,
          .threads = 1,
          .encoder = ClassifierEncoder::transformer,
          .transformer = {.layers = 1, .heads = 2, .positions = positions, .dropout = 0.0F, .warmup = 0.05F}};
}

TEST(TransformerClassifier, LearnsWordOrderThatABagCannotSee) {
  const LabeledData train = order_data(400, 1), test = order_data(200, 2);
  const TextClassifier bag = TextClassifier::train(train, {.dim = 16, .epochs = 30, .threads = 1});
  EXPECT_LT(evaluate_classifier(bag, test).accuracy, 0.7) << "the bag sees the same words in both classes";
  for (const auto positions : {nn::PositionKind::rotary, nn::PositionKind::sinusoidal, nn::PositionKind::learned}) {
    const TextClassifier model = TextClassifier::train(train, transformer_options(positions));
    EXPECT_GE(evaluate_classifier(model, test).accuracy, 0.95) << nn::position_kind_name(positions);
  }
  // Without positions, attention over the words is a bag too.
  const TextClassifier unordered = TextClassifier::train(train, transformer_options(nn::PositionKind::none));
  EXPECT_LT(evaluate_classifier(unordered, test).accuracy, 0.7);
}

TEST(TransformerClassifier, ItsFilePredictsExactlyAsTheModelAndOneThreadRunsRepeat) {
  const LabeledData train = order_data(200, 3), test = order_data(50, 4);
  ClassifierOptions options = transformer_options(nn::PositionKind::learned);
  options.epochs = 3;
  options.transformer.dropout = 0.1F;
  const TextClassifier model = TextClassifier::train(train, options);
  const TextClassifier again = TextClassifier::train(train, options);
  const testing::ScratchDir dir;
  const std::string path = (dir.path() / "order.ekv").string();
  model.save(path);
  const TextClassifier loaded = TextClassifier::load(path);
  EXPECT_EQ(loaded.options().encoder, ClassifierEncoder::transformer);
  EXPECT_EQ(loaded.options().transformer.positions, nn::PositionKind::learned);
  const auto a = model.predict_all(test, 2), b = loaded.predict_all(test, 2), c = again.predict_all(test, 2);
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (std::size_t k = 0; k < 2; ++k) {
      EXPECT_EQ(a[i][k].label, b[i][k].label);
      EXPECT_EQ(a[i][k].probability, b[i][k].probability) << "example " << i;
      EXPECT_EQ(a[i][k].probability, c[i][k].probability) << "one thread, same seed: the same model";
    }
  }
  // One text alone gets what it gets in a batch.
  EXPECT_EQ(model.predict(test.examples[0].tokens, 1)[0].probability, a[0][0].probability);
  // A file whose settings do not match its parameters is refused, not read past its end.
  WordVectors file = load_vectors(path);
  std::string& settings = file.metadata["embedkit.classifier"];
  const std::string layers = "\"layers\":1";
  ASSERT_NE(settings.find(layers), std::string::npos);
  settings.replace(settings.find(layers), layers.size(), "\"layers\":40");
  EXPECT_THROW(TextClassifier::from_vectors(std::move(file), "lying.ekv"), FormatError);
}

TEST(TransformerClassifier, RefusesTheBagsFeaturesAndLosses) {
  const LabeledData train = order_data(20, 5);
  ClassifierOptions options = transformer_options(nn::PositionKind::rotary);
  options.word_ngrams = 2;
  options.bucket = 1000;
  EXPECT_THROW(TextClassifier::train(train, options), ArgumentError);
  options = transformer_options(nn::PositionKind::rotary);
  options.loss = ClassifierLoss::one_vs_all;
  EXPECT_THROW(TextClassifier::train(train, options), ArgumentError);
  options = transformer_options(nn::PositionKind::rotary);
  options.transformer.heads = 3;  // does not divide 16
  EXPECT_THROW(TextClassifier::train(train, options), ArgumentError);
}

}  // namespace
}  // namespace embedkit

namespace embedkit {
namespace {

TEST(TransformerClassifier, CheckpointsEveryEpochAndResumesOnTheSameData) {
  const LabeledData train = order_data(200, 6), test = order_data(40, 7);
  const testing::ScratchDir dir;
  ClassifierOptions options = transformer_options(nn::PositionKind::rotary);
  options.epochs = 3;
  options.checkpoint = (dir.path() / "checkpoint.ekv").string();
  const TextClassifier model = TextClassifier::train(train, options);
  // The last checkpoint is the model.
  const TextClassifier last = TextClassifier::load(options.checkpoint);
  EXPECT_EQ(last.predict(test.examples[0].tokens, 1)[0].probability,
            model.predict(test.examples[0].tokens, 1)[0].probability);
  // Resuming a finished run gives it back; one stopped after epoch 2 trains epoch 3 again.
  const TextClassifier same = TextClassifier::train(train, {.threads = 1, .resume = options.checkpoint});
  EXPECT_EQ(same.predict(test.examples[0].tokens, 1)[0].probability,
            model.predict(test.examples[0].tokens, 1)[0].probability);
  WordVectors file = load_vectors(options.checkpoint);
  std::string& settings = file.metadata["embedkit.classifier"];
  ASSERT_NE(settings.find("\"epochs_done\":3"), std::string::npos);
  settings.replace(settings.find("\"epochs_done\":3"), 15, "\"epochs_done\":2");
  const std::string after_two = (dir.path() / "two.ekv").string();
  save_vectors(file, after_two, {.format = VectorFormat::native});
  const TextClassifier continued = TextClassifier::train(train, {.threads = 1, .resume = after_two});
  EXPECT_NE(continued.predict(test.examples[0].tokens, 1)[0].probability,
            last.predict(test.examples[0].tokens, 1)[0].probability)
      << "epoch 3 ran from the checkpoint's weights";
  EXPECT_GE(evaluate_classifier(continued, test).accuracy, 0.5);
  EXPECT_THROW(TextClassifier::train(order_data(150, 8), {.threads = 1, .resume = after_two}), ArgumentError)
      << "other data";
  const std::string bag = (dir.path() / "bag.ekv").string();
  TextClassifier::train(train, {.dim = 8, .epochs = 1, .threads = 1}).save(bag);
  EXPECT_THROW(TextClassifier::train(train, {.threads = 1, .resume = bag}), ArgumentError);
}

}  // namespace
}  // namespace embedkit
