// The pieces of word-vector training (sampling table, Huffman tree, losses against finite
// differences) and the trainer's guarantees (reproducible with one thread, subwords for unseen
// words, divergence stops with an error).
#include "embedkit/train/word_vector_trainer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/table/embedding_bag.h"
#include "test_files.h"
#include "train/objectives/losses.h"
#include "train/objectives/negative_table.h"
#include "train/word2vec/word2vec_worker.h"
#include "vocab/huffman_tree.h"

namespace embedkit {
namespace {

TEST(NegativeTable, OtherPowers) {
  const std::vector<std::uint64_t> counts = {16, 1, 0, 81};
  // fastText's square root: 4, 1, 0, 9 out of 14.
  const detail::NegativeTable root(counts, 0.5);
  EXPECT_NEAR(root.probability(0), 4.0 / 14, 1e-12);
  EXPECT_NEAR(root.probability(1), 1.0 / 14, 1e-12);
  EXPECT_EQ(root.probability(2), 0.0);
  EXPECT_NEAR(root.probability(3), 9.0 / 14, 1e-12);
  // Power 0: every word that occurs is equally likely; a word that never occurs still never is.
  const detail::NegativeTable flat(counts, 0.0);
  SplitMix64 rng(5);
  std::map<TokenId, std::size_t> drawn;
  for (int i = 0; i < 30000; ++i) ++drawn[flat.draw(rng)];
  EXPECT_EQ(drawn.count(2), 0U);
  for (const TokenId w : {0U, 1U, 3U}) EXPECT_NEAR(drawn[w] / 30000.0, 1.0 / 3, 0.015) << w;
}

TEST(NegativeTable, DrawsFollowCountsToThePowerThreeQuarters) {
  const std::vector<std::uint64_t> counts = {16, 1, 0, 81};
  const detail::NegativeTable table(counts);
  // 16^.75 = 8, 1^.75 = 1, 81^.75 = 27: probabilities 8/36, 1/36, 0, 27/36.
  EXPECT_NEAR(table.probability(0), 8.0 / 36, 1e-12);
  EXPECT_NEAR(table.probability(1), 1.0 / 36, 1e-12);
  EXPECT_EQ(table.probability(2), 0.0);
  EXPECT_NEAR(table.probability(3), 27.0 / 36, 1e-12);
  SplitMix64 rng(3);
  std::map<TokenId, std::size_t> drawn;
  constexpr int kDraws = 360000;
  for (int i = 0; i < kDraws; ++i) ++drawn[table.draw(rng)];
  EXPECT_EQ(drawn.count(2), 0U) << "a word never seen is never drawn";
  EXPECT_NEAR(drawn[0] / double(kDraws), 8.0 / 36, 0.004);
  EXPECT_NEAR(drawn[1] / double(kDraws), 1.0 / 36, 0.002);
  EXPECT_NEAR(drawn[3] / double(kDraws), 27.0 / 36, 0.004);
  // A Zipfian vocabulary of 5,000 words: the draws match the probabilities (chi-square-ish bound
  // on the 20 most frequent words).
  std::vector<std::uint64_t> zipf(5000);
  for (std::size_t w = 0; w < zipf.size(); ++w) zipf[w] = 1000000 / (w + 1);
  const detail::NegativeTable big(zipf);
  std::vector<std::size_t> hits(zipf.size());
  for (int i = 0; i < 1000000; ++i) ++hits[big.draw(rng)];
  for (TokenId w = 0; w < 20; ++w) {
    const double expected = big.probability(w) * 1e6;
    EXPECT_NEAR(static_cast<double>(hits[w]), expected, 5 * std::sqrt(expected)) << w;
  }
}

TEST(HuffmanTree, KnownCodesAndPrefixFreedom) {
  // Counts 5, 4, 2, 1: merge 1+2 -> 3, then 3+4 -> 7, then 5+7 -> 12 (the root).
  const std::vector<std::uint64_t> counts = {5, 4, 2, 1};
  const detail::HuffmanTree tree(counts);
  EXPECT_EQ(tree.internal_nodes(), 3U);
  auto code = [&](std::size_t w) {
    std::string s;
    for (const auto c : tree.code(w)) s += static_cast<char>('0' + c);
    return s;
  };
  EXPECT_EQ(code(0), "0");    // the most frequent word: one decision at the root
  EXPECT_EQ(code(1), "11");
  EXPECT_EQ(code(2), "101");
  EXPECT_EQ(code(3), "100");
  EXPECT_EQ(tree.path(0)[0], 2U) << "the root is the last internal node";
  EXPECT_EQ(std::vector<std::uint32_t>(tree.path(3).begin(), tree.path(3).end()), (std::vector<std::uint32_t>{2, 1, 0}));
  // On a larger random vocabulary, codes are prefix-free and frequent words are never longer.
  std::mt19937 rng(4);
  std::vector<std::uint64_t> many(300);
  for (auto& c : many) c = 1 + rng() % 1000;
  std::sort(many.rbegin(), many.rend());
  const detail::HuffmanTree big(many);
  std::set<std::string> codes;
  for (std::size_t w = 0; w < many.size(); ++w) {
    std::string s;
    for (const auto c : big.code(w)) s += static_cast<char>('0' + c);
    codes.insert(s);
    if (w > 0) {
      EXPECT_LE(big.code(w - 1).size(), big.code(w).size() + (many[w - 1] == many[w] ? 1 : 0));
    }
  }
  EXPECT_EQ(codes.size(), many.size());
  for (const auto& a : codes) {
    for (const auto& b : codes) {
      if (a != b) {
        EXPECT_NE(b.rfind(a, 0), 0U) << a << " is a prefix of " << b;
      }
    }
  }
}

// The step each loss applies to h (grad_h, with lr = 1) must equal -dL/dh, and the change of
// each output row must equal -dL/d(row): checked against central finite differences of the loss.
void check_loss_gradient(bool hierarchical) {
  constexpr std::size_t dim = 6, rows = 40;
  std::mt19937 rng(9);
  std::normal_distribution<float> normal(0.0F, 0.5F);
  std::vector<float> h(dim), out(rows * 16, 0.0F);
  for (float& x : h) x = normal(rng);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t d = 0; d < dim; ++d) out[r * 16 + d] = normal(rng);
  }
  std::vector<std::uint64_t> counts(rows);
  for (std::size_t r = 0; r < rows; ++r) counts[r] = 1 + (rows - r) * 3;
  const detail::NegativeTable table(counts);
  // Three negatives distinct from each other (draw_negatives never returns the target), so that
  // the loss is a plain function of h and the rows (a row drawn twice would be updated in between).
  const TokenId target = 3;
  std::vector<TokenId> negatives(3);
  for (std::uint64_t seed = 5;; ++seed) {
    SplitMix64 r(seed);
    ASSERT_EQ(detail::draw_negatives(table, r, target, negatives.size(), negatives.data()), negatives.size());
    ASSERT_EQ(std::count(negatives.begin(), negatives.end(), target), 0);
    if (std::set<TokenId>(negatives.begin(), negatives.end()).size() == negatives.size()) break;
  }
  const detail::HuffmanTree tree(counts);
  const kernels::KernelTable& k = kernels::scalar_kernels();
  // The same negatives for every evaluation.
  auto loss_at = [&](const std::vector<float>& hh, std::vector<float> o, std::vector<float>* grad_h,
                     std::vector<float>* o_after) {
    std::vector<float> g(dim, 0.0F);
    const float loss = hierarchical ? detail::hierarchical_softmax<detail::ExactSigmoid>(hh.data(), o.data(), 16,
                                                                                         target, tree, 1.0F, g.data(), dim, k)
                                    : detail::negative_sampling<detail::ExactSigmoid>(hh.data(), o.data(), 16, target,
                                                                                      negatives, 1.0F, g.data(), dim, k);
    if (grad_h) *grad_h = g;
    if (o_after) *o_after = o;
    return static_cast<double>(loss);
  };
  std::vector<float> grad_h, out_after;
  (void)loss_at(h, out, &grad_h, &out_after);
  const float eps = 1e-3F;
  for (std::size_t d = 0; d < dim; ++d) {
    auto hp = h, hm = h;
    hp[d] += eps;
    hm[d] -= eps;
    const double numeric = (loss_at(hp, out, nullptr, nullptr) - loss_at(hm, out, nullptr, nullptr)) / (2 * eps);
    EXPECT_NEAR(grad_h[d], -numeric, 2e-3) << "dL/dh[" << d << "]";
  }
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t d = 0; d < dim; ++d) {
      const std::size_t i = r * 16 + d;
      auto op = out, om = out;
      op[i] += eps;
      om[i] -= eps;
      const double numeric = (loss_at(h, op, nullptr, nullptr) - loss_at(h, om, nullptr, nullptr)) / (2 * eps);
      const double step = out_after[i] - out[i];
      EXPECT_NEAR(step, -numeric, 2e-3) << "row " << r << " dim " << d;
    }
  }
}

TEST(WordLosses, NegativeSamplingGradientMatchesFiniteDifferences) { check_loss_gradient(false); }
TEST(WordLosses, HierarchicalSoftmaxGradientMatchesFiniteDifferences) { check_loss_gradient(true); }

// skipgram_center_step's shortcut through the layer (read the mean once, move it by each step,
// write the rows once with the difference) must give what fastText computes step by step: for
// each target, re-average the center's rows, score, and add the step to every row.
TEST(WordLosses, SkipgramCenterStepEqualsFastTextsOrder) {
  constexpr std::size_t dim = 7, input_rows = 30, output_rows = 12;
  std::mt19937 rng(4);
  std::normal_distribution<float> normal(0.0F, 0.5F);
  EmbeddingTable input(input_rows, dim), output(output_rows, dim);
  const std::size_t stride = input.stride();
  ASSERT_EQ(output.stride(), stride);
  for (std::size_t r = 0; r < input_rows; ++r) {
    for (std::size_t d = 0; d < dim; ++d) input.data()[r * stride + d] = normal(rng);
  }
  for (std::size_t r = 0; r < output_rows; ++r) {
    for (std::size_t d = 0; d < dim; ++d) output.data()[r * stride + d] = normal(rng);
  }
  const std::vector<TokenId> rows{3, 17, 8, 25, 11};
  const std::vector<TokenId> targets{2, 9, 2, 5};  // a target may repeat, as in a real window
  const std::vector<std::vector<TokenId>> negatives{{1, 4}, {0, 2}, {7, 11}, {6, 2}};
  const kernels::KernelTable& k = kernels::scalar_kernels();
  const float lr = 0.3F;

  EmbeddingBag fast_input(input.clone(), {.mode = BagMode::mean});
  EmbeddingTable fast_output = output.clone();
  std::vector<float> hidden(dim), start(dim), grad(dim), scratch(dim);
  detail::skipgram_center_step(
      fast_input, rows, targets.size(),
      [&](std::size_t t, const float* h, float* grad_h) {
        detail::negative_sampling<detail::ExactSigmoid>(h, fast_output.data(), stride, targets[t], negatives[t], lr,
                                                        grad_h, dim, k);
      },
      hidden, start, grad, scratch, k);

  EmbeddingTable slow_input = input.clone(), slow_output = output.clone();
  for (std::size_t t = 0; t < targets.size(); ++t) {
    std::vector<float> h(dim, 0.0F), g(dim, 0.0F);
    for (const TokenId r : rows) {
      for (std::size_t d = 0; d < dim; ++d) h[d] += slow_input.data()[r * stride + d] / static_cast<float>(rows.size());
    }
    detail::negative_sampling<detail::ExactSigmoid>(h.data(), slow_output.data(), stride, targets[t], negatives[t], lr,
                                                    g.data(), dim, k);
    for (const TokenId r : rows) {
      for (std::size_t d = 0; d < dim; ++d) slow_input.data()[r * stride + d] += g[d];
    }
  }
  const float* fast = fast_input.table().data();
  for (std::size_t i = 0; i < input_rows * stride; ++i) {
    EXPECT_NEAR(fast[i], slow_input.data()[i], 1e-5F) << "input " << i;
  }
  for (std::size_t i = 0; i < output_rows * stride; ++i) {
    EXPECT_NEAR(fast_output.data()[i], slow_output.data()[i], 1e-5F) << "output " << i;
  }
  // And the steps were not all zero: the rows moved.
  EXPECT_GT(std::abs(fast[3 * stride] - input.data()[3 * stride]), 1e-3F);
}

TEST(WordLosses, TableSigmoidIsCloseToExact) {
  for (float x = -10.0F; x <= 10.0F; x += 0.37F) {
    EXPECT_NEAR(detail::TableSigmoid::sigmoid(x), detail::ExactSigmoid::sigmoid(x), 0.02F) << x;
  }
}

std::string small_corpus() {
  const auto path = testing::source_file("data/enwiki-5M.txt");
  return path.string();
}

WordVectorOptions quick_options() {
  WordVectorOptions o;
  o.dim = 16;
  o.epochs = 1;
  o.min_count = 20;
  o.subword.bucket = 5000;
  o.threads = 1;
  return o;
}

TEST(WordVectorTrainer, OneThreadRunsAreBitReproducible) {
  testing::ScratchDir dir;
  // A slice of the bundled corpus keeps this fast.
  const std::string text = testing::read_file(small_corpus()).substr(0, 400000);
  const std::string path = dir.write("corpus.txt", text);
  for (const WordModel model : {WordModel::skipgram, WordModel::cbow}) {
    for (const WordLoss loss : {WordLoss::negative_sampling, WordLoss::hierarchical_softmax}) {
      WordVectorOptions o = quick_options();
      o.model = model;
      o.loss = loss;
      o.subwords = loss == WordLoss::negative_sampling;
      const WordVectors a = train_word_vectors(path, o);
      const WordVectors b = train_word_vectors(path, o);
      EXPECT_TRUE(a.table() == b.table());
      o.seed = 2;
      const WordVectors c = train_word_vectors(path, o);
      EXPECT_FALSE(a.table() == c.table()) << "another seed gives another run";
      EXPECT_TRUE(std::isfinite(std::stod(a.metadata.at("training.final_loss"))));
    }
  }
}

TEST(WordVectorTrainer, LearnsSomethingAndGivesUnseenWordsVectors) {
  testing::ScratchDir dir;
  const std::string path = dir.write("corpus.txt", testing::read_file(small_corpus()).substr(0, 1500000));
  WordVectorOptions o = quick_options();
  o.epochs = 3;
  o.threads = 2;
  std::vector<double> epoch_loss;
  TrainingCallbacks callbacks;
  CorpusSummary summary;
  callbacks.on_corpus = [&](const CorpusSummary& s) { summary = s; };
  callbacks.on_progress = [&](const TrainingProgress& p) { epoch_loss = p.epoch_loss; };
  const WordVectors wv = train_word_vectors(path, o, callbacks);
  EXPECT_GT(summary.tokens, 200000U);
  EXPECT_EQ(summary.words, wv.size());
  // An untrained model (output layer zero) scores every pair 1/2: a loss of (1 + negatives) log 2
  // per prediction. Every epoch must do much better. (Epoch losses need not fall monotonically:
  // with skip-gram and a high learning rate on a small corpus they dip, then rise a little.)
  ASSERT_EQ(epoch_loss.size(), 3U);
  for (const double loss : epoch_loss) {
    EXPECT_GT(loss, 0.0);
    EXPECT_LT(loss, 0.8 * 6 * std::log(2.0));
  }
  ASSERT_TRUE(wv.subwords().has_value());
  // Only the buckets the words use are kept (the others never trained): the model's size follows
  // its vocabulary, not the hash space.
  std::set<std::uint32_t> used;
  std::vector<std::uint32_t> buckets;
  for (TokenId id = 0; id < wv.size(); ++id) {
    buckets.clear();
    subword_buckets(wv.words().word(id), *wv.subwords(), buckets);
    used.insert(buckets.begin(), buckets.end());
  }
  EXPECT_FALSE(wv.stores_every_bucket());
  EXPECT_EQ(std::vector<std::uint32_t>(wv.stored_buckets().begin(), wv.stored_buckets().end()),
            std::vector<std::uint32_t>(used.begin(), used.end()));
  EXPECT_EQ(wv.table().rows(), wv.size() + used.size());
  std::vector<float> v(wv.dim());
  EXPECT_EQ(wv.vector("embedkitish", v), WordVectors::Source::from_subwords);
  EXPECT_GT(std::fabs(v[0]) + std::fabs(v[1]), 0.0F);
  // Related words end up closer than unrelated ones: "he" ~ "she" vs "he" ~ "1990".
  auto cosine = [&](std::string_view a, std::string_view b) {
    std::vector<float> x(wv.dim()), y(wv.dim());
    (void)wv.vector(a, x);
    (void)wv.vector(b, y);
    double dot = 0, nx = 0, ny = 0;
    for (std::size_t d = 0; d < x.size(); ++d) {
      dot += x[d] * y[d];
      nx += x[d] * x[d];
      ny += y[d] * y[d];
    }
    return dot / std::sqrt(nx * ny);
  };
  EXPECT_GT(cosine("he", "she"), cosine("he", "1990"));
}

TEST(WordVectorTrainer, DivergenceStopsWithAClearError) {
  testing::ScratchDir dir;
  const std::string path = dir.write("corpus.txt", testing::read_file(small_corpus()).substr(0, 200000));
  WordVectorOptions o = quick_options();
  o.learning_rate = 1e30F;
  try {
    (void)train_word_vectors(path, o);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("training diverged"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("lower the learning rate"), std::string::npos) << e.what();
  }
}

// A stop request (Ctrl-C in Python) returns the model reached so far, saying where it stopped.
TEST(WordVectorTrainer, AStopRequestReturnsTheModelSoFar) {
  testing::ScratchDir dir;
  const std::string path = dir.write("corpus.txt", testing::read_file(small_corpus()).substr(0, 1500000));
  WordVectorOptions o = quick_options();
  o.epochs = 200;  // far longer than the first poll (half a second)
  TrainingCallbacks callbacks;
  int polls = 0;
  bool finished = true;
  std::vector<std::size_t> epochs_seen;
  callbacks.should_stop = [&] {
    ++polls;
    return epochs_seen.size() >= 2;
  };
  callbacks.on_progress = [&](const TrainingProgress& p) { finished = p.finished; };
  callbacks.on_epoch = [&](std::size_t done, const WordVectors& now) {
    epochs_seen.push_back(done);
    EXPECT_EQ(now.dim(), 16U);
  };
  const WordVectors wv = train_word_vectors(path, o, callbacks);
  EXPECT_GE(polls, 2);
  EXPECT_FALSE(finished);
  ASSERT_TRUE(wv.metadata.contains("training.stopped"));
  const std::string& where = wv.metadata.at("training.stopped");
  EXPECT_NE(where.find("of 200"), std::string::npos) << where;
  // The record counts whole epochs, as the epoch callbacks saw them.
  ASSERT_FALSE(epochs_seen.empty());
  for (std::size_t i = 0; i < epochs_seen.size(); ++i) EXPECT_EQ(epochs_seen[i], i + 1);
  EXPECT_EQ(wv.metadata.at("training.epochs_done"), std::to_string(epochs_seen.size())) << where;
  if (where.starts_with("after epoch")) {
    EXPECT_EQ(where, fmt::format("after epoch {} of 200", epochs_seen.size()));
  }
  std::vector<float> v(wv.dim());
  wv.vector(TokenId{0}, v);
  for (const float x : v) EXPECT_TRUE(std::isfinite(x));
  // A stop during the vocabulary pass: no model yet, so an error says so.
  TrainingCallbacks at_once;
  at_once.should_stop = [] { return true; };
  try {
    (void)train_word_vectors(path, o, at_once);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "training was stopped during the vocabulary pass, before any vector was learned");
  }
}

TEST(WordVectorTrainer, ResumingFromACheckpointEqualsAnUninterruptedRun) {
  testing::ScratchDir dir;
  const std::string path = dir.write("corpus.txt", testing::read_file(small_corpus()).substr(0, 300000));
  for (const bool subwords : {false, true}) {
    WordVectorOptions o = quick_options();
    o.epochs = 3;
    o.subwords = subwords;
    const WordVectors straight = train_word_vectors(path, o);
    // Interrupted: the same run, checkpointing every epoch, "killed" after the checkpoint of
    // epoch 1 (a callback throws), then resumed.
    WordVectorOptions with_checkpoints = o;
    with_checkpoints.checkpoint = (dir.path() / "run.ckpt").string();
    with_checkpoints.checkpoint_every = 1;
    const WordVectors checkpointed = train_word_vectors(path, with_checkpoints);
    EXPECT_TRUE(checkpointed.table() == straight.table()) << "checkpointing does not change the run";
    EXPECT_EQ(load_vectors(with_checkpoints.checkpoint).metadata.at("training.epochs_done"), "3");
    // Keep the checkpoint written after epoch 1, as if the run had been killed then.
    const std::string after_one = (dir.path() / "after-one.ekv").string();
    TrainingCallbacks keep_first;
    keep_first.on_checkpoint = [&](std::size_t epochs, const std::string& file) {
      if (epochs == 1) std::filesystem::copy_file(file, after_one, std::filesystem::copy_options::overwrite_existing);
    };
    (void)train_word_vectors(path, with_checkpoints, keep_first);
    const WordVectors resumed = resume_word_vectors(path, after_one, o);
    EXPECT_TRUE(resumed.table() == straight.table()) << "resumed after epoch 1 = uninterrupted";
    ASSERT_TRUE(resumed.output.has_value());
    EXPECT_TRUE(*resumed.output == *straight.output);
    // A different setting is refused, naming it.
    WordVectorOptions other = o;
    other.window = 7;
    try {
      (void)resume_word_vectors(path, after_one, other);
      ADD_FAILURE() << "no error";
    } catch (const ArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find("window = 5, not 7"), std::string::npos) << e.what();
    }
  }
}

TEST(WordVectorTrainer, ResumeRefusesAnotherTextWithAsManyTokens) {
  testing::ScratchDir dir;
  const std::string text = testing::read_file(small_corpus()).substr(0, 200000);
  const std::string path = dir.write("corpus.txt", text);
  // Swapping two letters changes words but not their number.
  std::string swapped = text;
  for (char& c : swapped) c = c == 'a' ? 'e' : c == 'e' ? 'a' : c;
  const std::string other = dir.write("other.txt", swapped);
  WordVectorOptions o = quick_options();
  o.epochs = 2;
  o.checkpoint = (dir.path() / "run.ckpt").string();
  o.checkpoint_every = 1;
  (void)train_word_vectors(path, o);
  o.checkpoint_every = 0;
  try {
    (void)resume_word_vectors(other, (dir.path() / "run.ckpt").string(), o);
    ADD_FAILURE() << "a different text of the same length was accepted";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("is not the text the checkpointed run read"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW((void)resume_word_vectors(path, (dir.path() / "run.ckpt").string(), o));
}

TEST(WordVectorTrainer, CheckpointsReplaceOnlyCheckpoints) {
  testing::ScratchDir dir;
  const std::string path = dir.write("corpus.txt", testing::read_file(small_corpus()).substr(0, 100000));
  WordVectorOptions o = quick_options();
  o.checkpoint_every = 1;
  // Not ours: a text file, and a trained model in the native format (it has every training key
  // but the checkpoint's own).
  const std::string notes = dir.write("notes.txt", "precious\n");
  o.checkpoint = notes;
  try {
    (void)train_word_vectors(path, o);
    ADD_FAILURE() << "a text file was taken for a checkpoint";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("exists and is not an embedkit checkpoint"), std::string::npos) << e.what();
  }
  EXPECT_EQ(testing::read_file(notes), "precious\n");
  const std::string model = (dir.path() / "model.ekv").string();
  WordVectorOptions plain = quick_options();
  save_vectors(train_word_vectors(path, plain), model, {.format = VectorFormat::native});
  o.checkpoint = model;
  EXPECT_THROW((void)train_word_vectors(path, o), ArgumentError);
  // Ours: an earlier checkpoint is replaced.
  o.checkpoint = (dir.path() / "run.ckpt").string();
  (void)train_word_vectors(path, o);
  EXPECT_NO_THROW((void)train_word_vectors(path, o));
  EXPECT_EQ(load_vectors(o.checkpoint).metadata.at("training.checkpoint"), "1");
}

TEST(WordVectorTrainer, ContinuedTrainingGrowsTheVocabulary) {
  testing::ScratchDir dir;
  const std::string text = testing::read_file(small_corpus());
  const std::string first = dir.write("first.txt", text.substr(0, 200000));
  const std::string second = dir.write("second.txt", text.substr(200000, 200000));
  WordVectorOptions o = quick_options();
  const WordVectors model = train_word_vectors(first, o);
  const WordVectors grown = continue_training(model, second, o);
  EXPECT_GT(grown.size(), model.size()) << "new frequent words were added";
  for (TokenId id = 0; id < model.size(); ++id) {
    ASSERT_EQ(grown.words().word(id), model.words().word(id)) << "old words keep their ids";
    EXPECT_GE(grown.words().count(id), model.words().count(id)) << "counts add up";
  }
  EXPECT_EQ(grown.metadata.at("training.added_words"), std::to_string(grown.size() - model.size()));
  // Nothing new: the same text again leaves the vocabulary as it is.
  const WordVectors again = continue_training(model, first, o);
  EXPECT_EQ(again.size(), model.size());
  EXPECT_EQ(again.metadata.at("training.added_words"), "0");
  for (TokenId id = 0; id < model.size(); ++id) EXPECT_EQ(again.words().count(id), 2 * model.words().count(id));
}

TEST(WordVectorTrainer, BadOptionsAndTinyCorporaAreErrors) {
  testing::ScratchDir dir;
  const std::string path = dir.write("corpus.txt", "a a a b b b\n");
  WordVectorOptions o = quick_options();
  o.min_count = 1;
  o.dim = 0;
  EXPECT_THROW((void)train_word_vectors(path, o), ArgumentError);
  o.dim = 8;
  o.min_count = 100;
  try {
    (void)train_word_vectors(path, o);
    ADD_FAILURE() << "no error";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("only 0 distinct words occur at least 100 times"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW((void)train_word_vectors("-", o), ArgumentError);
  o.min_count = 1;
  o.threads = kMaxThreads + 1;
  EXPECT_THROW((void)train_word_vectors(path, o), ArgumentError);
}

}  // namespace
}  // namespace embedkit
