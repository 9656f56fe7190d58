// Every file in ../shared/data/vectors/ loads with the right shape or fails with the right
// error, and fastText models reproduce fastText's own printed vectors (SOURCES.md's reference
// values) for seen and unseen words.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "embedkit/core/error.h"
#include "embedkit/io/vector_io.h"
#include "test_files.h"

namespace embedkit {
namespace {

using testing::shared_data;

std::string vectors_path(std::string_view name) {
  return shared_data(std::string("vectors/") + std::string(name)).string();
}

#define REQUIRE_SHARED(path) \
  if ((path).empty()) GTEST_SKIP() << "shared vector data is not available"

std::vector<float> parse_floats(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::vector<float> values;
  float v;
  while (in >> v) values.push_back(v);
  return values;
}

void expect_vector(const WordVectors& wv, std::string_view word, std::string_view expected, float tolerance,
                   WordVectors::Source source) {
  SCOPED_TRACE(std::string(word));
  std::vector<float> v(wv.dim());
  EXPECT_EQ(wv.vector(word, v), source);
  const std::vector<float> want = parse_floats(expected);
  ASSERT_EQ(want.size(), v.size());
  for (std::size_t d = 0; d < v.size(); ++d) EXPECT_NEAR(v[d], want[d], tolerance) << "dimension " << d;
}

struct Shape {
  const char* file;
  VectorFormat format;
  std::size_t words;
  std::size_t dim;
  std::size_t bucket;  // 0 = no subwords
};

std::string error_loading(const std::string& path, const LoadOptions& options = {});

TEST(SharedVectors, EveryFileLoadsWithTheRightShape) {
  const Shape shapes[] = {
      {"gensim-testdata/word2vec_pre_kv_c", VectorFormat::word2vec_text, 1750, 10, 0},
      {"gensim-testdata/high_precision.kv.txt", VectorFormat::word2vec_text, 2, 2, 0},
      {"gensim-testdata/high_precision.kv.bin", VectorFormat::word2vec_binary, 2, 2, 0},
      {"gensim-testdata/euclidean_vectors.bin", VectorFormat::word2vec_binary, 2747, 10, 0},
      {"gensim-testdata/poincare_vectors.bin", VectorFormat::word2vec_binary, 1182, 10, 0},
      {"gensim-testdata/test_glove.txt", VectorFormat::glove, 76, 50, 0},
      {"gensim-testdata/lee_fasttext.vec", VectorFormat::word2vec_text, 1762, 10, 0},
      {"gensim-testdata/lee_fasttext.bin", VectorFormat::fasttext_bin, 1762, 10, 1000},
      {"gensim-testdata/lee_fasttext_new.bin", VectorFormat::fasttext_bin, 1763, 10, 1000},
      {"gensim-testdata/toy-model.bin", VectorFormat::fasttext_bin, 22, 5, 100},
      {"gensim-testdata/toy-model.vec", VectorFormat::word2vec_text, 22, 5, 0},
      // 24 dictionary entries, one of them an empty word (dropped: no token can be empty).
      {"gensim-testdata/toy-model-pretrained.bin", VectorFormat::fasttext_bin, 23, 5, 100},
      {"gensim-testdata/crime-and-punishment.bin", VectorFormat::fasttext_bin, 291, 5, 100},
      {"gensim-testdata/crime-and-punishment.vec", VectorFormat::word2vec_text, 291, 5, 0},
      {"gensim-testdata/non_ascii_fasttext.bin", VectorFormat::fasttext_bin, 171, 2, 10000},
      {"gensim-testdata/EN.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt", VectorFormat::word2vec_text, 20, 300, 0},
      {"gensim-testdata/IT.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt", VectorFormat::word2vec_text, 20, 300, 0},
      {"finalfusion-testdata/similarity.bin", VectorFormat::word2vec_binary, 41, 100, 0},
      {"finalfusion-testdata/analogy.bin", VectorFormat::word2vec_binary, 43, 100, 0},
      {"finalfusion-testdata/similarity.txt", VectorFormat::word2vec_text, 41, 100, 0},
      {"finalfusion-testdata/similarity.nodims", VectorFormat::glove, 41, 100, 0},
      {"finalfusion-testdata/fasttext.bin", VectorFormat::fasttext_bin, 157, 50, 100},
  };
  for (const Shape& s : shapes) {
    SCOPED_TRACE(s.file);
    const std::string path = vectors_path(s.file);
    REQUIRE_SHARED(path);
    const std::string head = testing::read_file(path).substr(0, 4096);
    EXPECT_EQ(detect_vector_format(head, path), s.format);
    const WordVectors wv = load_vectors(path);
    EXPECT_EQ(wv.size(), s.words);
    EXPECT_EQ(wv.dim(), s.dim);
    EXPECT_EQ(wv.subwords() ? wv.subwords()->bucket : 0, s.bucket);
    EXPECT_EQ(wv.table().rows(), s.words + s.bucket);
  }
  const WordVectors pretrained = load_vectors(vectors_path("gensim-testdata/toy-model-pretrained.bin"));
  EXPECT_EQ(pretrained.metadata.at("dropped_empty_words"), "1");
}

std::string error_loading(const std::string& path, const LoadOptions& options) {
  try {
    (void)load_vectors(path, options);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SharedVectors, BrokenFilesFailWithTheRightError) {
  const std::string short_vec = vectors_path("gensim-testdata/pretrained.vec");
  REQUIRE_SHARED(short_vec);
  EXPECT_EQ(error_loading(short_vec), short_vec + ":1: the header says 3 rows but the file has 1 lines of vectors");
  for (const char* name : {"finalfusion-testdata/utf8-incomplete.bin", "finalfusion-testdata/utf8-incomplete.txt",
                           "finalfusion-testdata/utf8-incomplete.dims", "gensim-testdata/cp852_fasttext.bin",
                           "gensim-testdata/pang_lee_polarity_fasttext.vec"}) {
    SCOPED_TRACE(name);
    const std::string path = vectors_path(name);
    const std::string message = error_loading(path);
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find("invalid UTF-8"), std::string::npos) << message;
  }
  // Lossy loading repairs them instead (U+FFFD), as Python's errors="replace" would.
  const LoadOptions lossy{.invalid_utf8 = InvalidUtf8::replace, .duplicates = DuplicateWords::keep_first};
  const WordVectors repaired = load_vectors(vectors_path("finalfusion-testdata/utf8-incomplete.txt"), lossy);
  EXPECT_EQ(repaired.size(), 3U);
  EXPECT_TRUE(repaired.words().find("zee\xEF\xBF\xBDn").has_value());
  // cp852 bytes are not UTF-8: six words become equal once repaired, and only the first stays.
  const WordVectors cp852 = load_vectors(vectors_path("gensim-testdata/cp852_fasttext.bin"), lossy);
  EXPECT_EQ(cp852.size(), 165U);
  EXPECT_EQ(cp852.metadata.at("dropped_duplicates"), "6");
  EXPECT_EQ(cp852.table().rows(), 165U + 1000U);
  const WordVectors pang = load_vectors(vectors_path("gensim-testdata/pang_lee_polarity_fasttext.vec"), lossy);
  EXPECT_EQ(pang.dim(), 100U);
  EXPECT_GE(pang.size(), 1690U);
}

TEST(SharedVectors, FastTextUnseenWordsMatchFastTextItself) {
  const std::string toy = vectors_path("gensim-testdata/toy-model.bin");
  REQUIRE_SHARED(toy);
  const WordVectors model = load_vectors(toy);
  constexpr auto unseen = WordVectors::Source::from_subwords;
  expect_vector(model, "quick", "0.023393 0.11499 0.11684 -0.13349 0.022543", 1e-4F, unseen);
  expect_vector(model, "brown", "0.015288 0.050404 -0.041395 -0.090371 0.06441", 1e-4F, unseen);
  expect_vector(model, "fox", "0.061692 0.082914 0.020081 -0.039159 0.03296", 1e-4F, unseen);
  expect_vector(model, "jumps", "0.070107 0.081465 0.051763 0.012084 0.0050402", 1e-4F, unseen);
  expect_vector(model, "over", "0.055023 0.03465 0.01648 -0.11129 0.094555", 1e-4F, unseen);
  expect_vector(model, "lazy", "-0.022103 -0.020126 -0.033612 -0.049473 0.0054174", 1e-4F, unseen);
  expect_vector(model, "dog", "0.084983 0.09216 0.020204 -0.13616 0.01118", 1e-4F, unseen);

  const WordVectors crime = load_vectors(vectors_path("gensim-testdata/crime-and-punishment.bin"));
  expect_vector(crime, "steamtrain", "0.031988 0.022966 0.059483 0.094547 0.062693", 1e-4F, unseen);
  expect_vector(crime, "паровоз", "-0.0033987 0.056236 0.036073 0.094008 0.00085222", 1e-4F, unseen);
  expect_vector(crime, "rechtsschutzversicherungsgesellschaften", "-0.012889 0.029756 0.018020 0.099077 0.041939",
                1e-4F, unseen);

  constexpr auto seen = WordVectors::Source::in_vocabulary;
  expect_vector(load_vectors(vectors_path("gensim-testdata/lee_fasttext_new.bin")), "hundred",
                "-0.025627 -0.11448 0.18116 -0.96779 0.2532 -0.93224 0.3929 0.12679 -0.19685 -0.13179", 1e-4F, seen);
  expect_vector(load_vectors(vectors_path("gensim-testdata/lee_fasttext.bin")), "hundred",
                "-0.57144 -0.0085561 0.15748 -0.67855 -0.25459 -0.58077 -0.09913 1.1447 0.23418 0.060007", 1e-4F,
                seen);
}

// In-vocabulary words of a .bin compose to what fastText wrote into the .vec beside it.
TEST(SharedVectors, FastTextSeenWordsMatchTheirVecFiles) {
  for (const char* stem : {"gensim-testdata/toy-model", "gensim-testdata/crime-and-punishment",
                           "gensim-testdata/lee_fasttext_new"}) {
    SCOPED_TRACE(stem);
    const std::string bin = vectors_path(std::string(stem) + ".bin");
    const std::string vec = vectors_path(std::string(stem) == "gensim-testdata/lee_fasttext_new"
                                             ? "gensim-testdata/lee_fasttext.vec"
                                             : std::string(stem) + ".vec");
    REQUIRE_SHARED(bin);
    if (std::string(stem) == "gensim-testdata/lee_fasttext_new") continue;  // .vec is from the old model
    const WordVectors model = load_vectors(bin);
    const WordVectors text = load_vectors(vec);
    ASSERT_EQ(model.size(), text.size());
    std::vector<float> a(model.dim()), b(model.dim());
    for (TokenId id = 0; id < text.size(); ++id) {
      const std::string_view word = text.words().word(id);
      ASSERT_EQ(model.vector(word, a), WordVectors::Source::in_vocabulary) << word;
      (void)text.vector(word, b);
      // .vec files print 5-6 significant digits.
      for (std::size_t d = 0; d < a.size(); ++d) EXPECT_NEAR(a[d], b[d], 1e-4F + 1e-4F * std::fabs(b[d])) << word;
    }
  }
}

TEST(SharedVectors, SupervisedModelsLoadTheirWordVectorsAndLabels) {
  const std::string path = vectors_path("gensim-testdata/pang_lee_polarity_fasttext.bin");
  REQUIRE_SHARED(path);
  // Some of its words are Latin-1 bytes: strict loading names the first; lossy loading works.
  EXPECT_NE(error_loading(path).find("invalid UTF-8"), std::string::npos);
  const WordVectors model = load_vectors(path, {.invalid_utf8 = InvalidUtf8::replace,
                                                .duplicates = DuplicateWords::keep_first});
  EXPECT_EQ(model.size(), 1694U - std::stoul(model.metadata.count("dropped_duplicates") != 0
                                                  ? model.metadata.at("dropped_duplicates")
                                                  : std::string("0")));
  EXPECT_EQ(model.dim(), 100U);
  EXPECT_EQ(model.metadata.at("fasttext.model"), "3");
  EXPECT_NE(model.metadata.at("fasttext.labels").find("__label__"), std::string::npos);
  EXPECT_FALSE(model.subwords().has_value());
}

TEST(SharedVectors, BinaryAndTextCopiesAgree) {
  const std::string bin = vectors_path("finalfusion-testdata/similarity.bin");
  REQUIRE_SHARED(bin);
  const WordVectors a = load_vectors(bin);
  const WordVectors b = load_vectors(vectors_path("finalfusion-testdata/similarity.txt"));
  const WordVectors c = load_vectors(vectors_path("finalfusion-testdata/similarity.nodims"));
  ASSERT_EQ(a.size(), b.size());
  ASSERT_EQ(a.size(), c.size());
  for (TokenId id = 0; id < a.size(); ++id) {
    ASSERT_EQ(a.words().word(id), b.words().word(id));
    for (std::size_t d = 0; d < a.dim(); ++d) {
      EXPECT_NEAR(a.table().row(id)[d], b.table().row(id)[d], 1e-5F);
      EXPECT_EQ(b.table().row(id)[d], c.table().row(id)[d]);
    }
  }
  // SOURCES.md's reference: cos(Berlin, Potsdam) = 0.884851.
  const auto berlin = a.table().row(*a.words().find("Berlin"));
  const auto potsdam = a.table().row(*a.words().find("Potsdam"));
  double dot = 0, nb = 0, np = 0;
  for (std::size_t d = 0; d < a.dim(); ++d) {
    dot += berlin[d] * potsdam[d];
    nb += berlin[d] * berlin[d];
    np += potsdam[d] * potsdam[d];
  }
  EXPECT_NEAR(dot / std::sqrt(nb * np), 0.884851, 1e-5);
}

}  // namespace
}  // namespace embedkit
