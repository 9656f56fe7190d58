// Masked-language-model pretraining and the encoder file: the loss falls, context changes a
// word's vector (a word in two senses gets two kinds of vectors), files round-trip and refuse
// lies, checkpoints resume, and a classifier starts from a pretrained encoder.
#include "embedkit/train/masked_lm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "embedkit/classify/text_classifier.h"
#include "embedkit/core/error.h"
#include "embedkit/core/random.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/io/word_vectors.h"
#include "test_files.h"

namespace embedkit {
namespace {

// Sentences where "bank" sits among river words or among money words.
std::string two_senses_corpus(std::size_t lines, std::uint64_t seed) {
  const std::vector<std::string> river = {"river", "water", "fish", "shore", "boat", "mud"};
  const std::vector<std::string> money = {"money", "loan", "cash", "account", "credit", "deposit"};
  SplitMix64 rng(seed);
  std::string text;
  for (std::size_t i = 0; i < lines; ++i) {
    const auto& pool = rng.next() % 2 ? river : money;
    for (int w = 0; w < 7; ++w) {
      text += (w == 3 ? std::string("bank") : pool[rng.next() % pool.size()]) + (w == 6 ? "\n" : " ");
    }
  }
  return text;
}

PretrainOptions small_options() {
  return {.dim = 16, .layers = 1, .heads = 2, .max_length = 8, .dropout = 0.0F, .min_count = 1, .negatives = 8,
          .epochs = 4, .learning_rate = 3e-3F, .batch_size = 16, .threads = 1};
}

double cosine(std::span<const float> a, std::span<const float> b) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

TEST(MaskedLm, LearnsAndGivesAWordOneVectorPerSense) {
  const testing::ScratchDir dir;
  const std::string corpus = dir.write("senses.txt", two_senses_corpus(600, 1));
  std::vector<double> losses;
  PretrainCallbacks callbacks;
  callbacks.on_progress = [&](const PretrainProgress& p) { losses.push_back(p.loss); };
  const ContextualEncoder model = pretrain_encoder(corpus, small_options(), callbacks);
  ASSERT_GE(losses.size(), 2U);
  EXPECT_LT(losses.back(), losses.front());
  // "bank" among river words, twice, and among money words: its vectors in the same sense are
  // closer than across senses (its static row is one vector for all three).
  auto bank = [&](const std::vector<std::string>& tokens) {
    const ContextualEncoder::Encoded out = model.encode(tokens);
    return std::vector<float>(out.vectors.begin() + 3 * 16, out.vectors.begin() + 4 * 16);
  };
  const auto river1 = bank({"river", "water", "fish", "bank", "shore", "boat", "mud"});
  const auto river2 = bank({"mud", "boat", "water", "bank", "fish", "river", "shore"});
  const auto money = bank({"money", "loan", "cash", "bank", "account", "credit", "deposit"});
  EXPECT_GT(cosine(river1, river2), cosine(river1, money) + 0.05);
  EXPECT_GT(cosine(river1, river2), cosine(river2, money) + 0.05);
}

TEST(MaskedLm, FilesRoundTripRefuseLiesAndCheckpointsResume) {
  const testing::ScratchDir dir;
  const std::string corpus = dir.write("senses.txt", two_senses_corpus(200, 2));
  PretrainOptions options = small_options();
  options.epochs = 2;
  options.checkpoint = (dir.path() / "checkpoint.ekv").string();
  const ContextualEncoder model = pretrain_encoder(corpus, options);
  const std::string path = (dir.path() / "encoder.ekv").string();
  model.save(path);
  const ContextualEncoder loaded = ContextualEncoder::load(path);
  const std::vector<std::string> sentence = {"river", "bank", "never-seen"};
  EXPECT_EQ(model.encode(sentence).vectors, loaded.encode(sentence).vectors);
  EXPECT_EQ(loaded.encode(sentence).ids[2], loaded.unknown_id());
  // The static table is a vector file like any other.
  EXPECT_EQ(load_vectors(path).dim(), 16U);
  // Settings that do not match the parameters are refused before anything is built.
  WordVectors file = load_vectors(path);
  std::string& settings = file.metadata["embedkit.encoder"];
  settings.replace(settings.find("\"layers\":1"), 10, "\"layers\":9");
  EXPECT_THROW(ContextualEncoder::from_vectors(std::move(file), "lying.ekv"), FormatError);
  // The checkpoint (epoch 2's) resumes: nothing left to do, the same model comes back; one of
  // epoch 1 continues to the run's end.
  const ContextualEncoder same = pretrain_encoder(corpus, {.resume = options.checkpoint, .threads = 1});
  EXPECT_EQ(same.encode(sentence).vectors, model.encode(sentence).vectors);
  WordVectors checkpoint = load_vectors(options.checkpoint);
  std::string& record = checkpoint.metadata["embedkit.pretraining"];
  ASSERT_NE(record.find("\"epochs_done\":2"), std::string::npos);
  record.replace(record.find("\"epochs_done\":2"), 15, "\"epochs_done\":1");
  const std::string after_one = (dir.path() / "one.ekv").string();
  save_vectors(checkpoint, after_one, {.format = VectorFormat::native});
  const ContextualEncoder continued = pretrain_encoder(corpus, {.resume = after_one, .threads = 1});
  EXPECT_NE(continued.encode(sentence).vectors, model.encode(sentence).vectors) << "epoch 2 ran again";
  const std::string other = dir.write("other.txt", two_senses_corpus(200, 9));
  EXPECT_THROW((void)pretrain_encoder(other, {.resume = options.checkpoint, .threads = 1}), FormatError)
      << "a checkpoint continues on its own corpus only";
  EXPECT_THROW((void)pretrain_encoder(corpus, {.resume = path, .threads = 1}), FormatError)
      << "a model saved without its training record is no checkpoint";
}

TEST(MaskedLm, AClassifierStartsFromAPretrainedEncoder) {
  const testing::ScratchDir dir;
  const std::string corpus = dir.write("senses.txt", two_senses_corpus(200, 3));
  const std::string path = (dir.path() / "encoder.ekv").string();
  pretrain_encoder(corpus, small_options()).save(path);
  std::string labeled;
  for (int i = 0; i < 20; ++i) labeled += "__label__r river bank water\n__label__m money bank loan\n";
  const LabeledData data = parse_labeled_text(labeled, "senses", {});
  const TextClassifier model =
      TextClassifier::train(data, {.epochs = 10, .learning_rate = 3e-3F, .batch_size = 8, .threads = 1,
                                   .pretrained = path, .encoder = ClassifierEncoder::transformer,
                                   .transformer = {.layers = 3, .heads = 4}});
  EXPECT_EQ(model.options().transformer.layers, 1U) << "the encoder's shape is the pretrained one's";
  EXPECT_EQ(model.options().transformer.heads, 2U);
  EXPECT_EQ(model.label(model.predict(data.examples[0].tokens, 1)[0].label), data.examples[0].labels[0]);
}

}  // namespace
}  // namespace embedkit
