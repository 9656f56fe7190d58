// Files made by an attacker or a careless user: every reader fails cleanly, memory follows what a
// file really holds, and no word a format cannot hold gets in or out.
#include <gtest/gtest.h>
#include <omp.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <thread>

#include "embedkit/classify/labeled_data.h"
#include "embedkit/classify/text_classifier.h"
#include "embedkit/core/error.h"
#include "embedkit/eval/analogy_evaluation.h"
#include "embedkit/eval/word_similarity.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/text/corpus_reader.h"
#include "embedkit/vocab/vocabulary.h"
#include "test_files.h"

namespace embedkit {
namespace {

using testing::error_of;

using testing::ScratchDir;

std::string safetensors(const std::string& header_json, const std::string& data = {}) {
  const std::uint64_t size = header_json.size();
  std::string file(reinterpret_cast<const char*>(&size), 8);
  return file + header_json + data;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// The growth of peak resident memory (MB) while `f` runs, measured in a child process so that
// the test process's own peak does not hide it.
long peak_growth_mb(const std::function<void()>& f) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return -1;
  const pid_t child = ::fork();
  if (child == 0) {
    // The parent's OpenMP worker threads do not exist in the child: run its parallel loops on
    // this one thread (a larger team would wait on threads that were never forked).
    omp_set_num_threads(1);
    rusage before{}, after{};
    ::getrusage(RUSAGE_SELF, &before);
    try {
      f();
    } catch (...) {
    }
    ::getrusage(RUSAGE_SELF, &after);
    const long growth = (after.ru_maxrss - before.ru_maxrss) / 1024;
    (void)!::write(pipe_fds[1], &growth, sizeof growth);
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  long growth = -1;
  (void)!::read(pipe_fds[0], &growth, sizeof growth);
  ::close(pipe_fds[0]);
  ::waitpid(child, nullptr, 0);
  return growth;
}

// `head`, then `blank` empty lines, then `tail` (built by appending: GCC 12 warns falsely about
// operator+ on strings this long).
std::string lines_around(std::string head, std::size_t blank, std::string_view tail) {
  head.append(blank, '\n');
  head.append(tail);
  return head;
}

TEST(HostileInput, SafetensorsBucketCountCannotWrapTheRowSum) {
  // 1 word + (2^64 - 1) buckets wrapped to the 0 rows of the tensor, and rows were then copied
  // past the mapping (a 174-byte file crashed every command that loads vectors).
  const std::string wrap = safetensors(
      R"({"embeddings":{"dtype":"F32","shape":[0,4],"data_offsets":[0,0]},)"
      R"("__metadata__":{"embedkit.words":"a","embedkit.subwords":"3 6 18446744073709551615"}})");
  EXPECT_NE(error_of([&] { (void)parse_vectors(wrap, "x.safetensors", {}); }).find("subword settings"),
            std::string::npos);
  // Buckets that fit 32 bits but still exceed the rows.
  const std::string more = safetensors(
      R"({"embeddings":{"dtype":"F32","shape":[1,4],"data_offsets":[0,16]},)"
      R"("__metadata__":{"embedkit.words":"a","embedkit.subwords":"3 6 5"}})",
      std::string(16, '\0'));
  EXPECT_EQ(error_of([&] { (void)parse_vectors(more, "x.safetensors", {}); }),
            "x.safetensors: 5 subword buckets for a tensor of 1 rows");
  // A shape whose byte size overflows 64 bits.
  const std::string huge = safetensors(
      R"({"embeddings":{"dtype":"F32","shape":[4611686018427387905,1024],"data_offsets":[0,16]}})",
      std::string(16, '\0'));
  EXPECT_NE(error_of([&] { (void)parse_vectors(huge, "x.safetensors", {}); }).find("does not match its data range"),
            std::string::npos);
}

TEST(HostileInput, SafetensorsHeaderIsCappedAsHuggingFaceDoes) {
  std::string file = safetensors(std::string(100'000'001, ' '));
  EXPECT_NE(error_of([&] { (void)parse_vectors(file, "x.safetensors", {}); }).find("over the 100000000-byte limit"),
            std::string::npos);
}

TEST(HostileInput, MemoryFollowsWhatTheFileHolds) {
  if (kSanitized) GTEST_SKIP() << "peak memory is not meaningful under AddressSanitizer";
  // A few KB claiming 1,000 rows of 2^20 dimensions: once 4 GB allocated and zeroed.
  std::string bomb = "1000 1048576\n";
  for (int i = 0; i < 1000; ++i) bomb.append("w").append(std::to_string(i)).append(" 0.5\n");
  EXPECT_EQ(error_of([&] { (void)parse_vectors(bomb, "bomb.vec", {}); }),
            "bomb.vec:2: word \"w0\" has 1 values, expected 1048576");
  EXPECT_LT(peak_growth_mb([&] { (void)parse_vectors(bomb, "bomb.vec", {}); }), 64);
  // 32 MB of blank lines after one vector: a line index once took 16 bytes per line.
  const std::string blanks = lines_around("the 1 2\n", 32 << 20, "cat 1 2\n");
  EXPECT_EQ(error_of([&] { (void)parse_vectors(blanks, "blank.txt", {.format = VectorFormat::glove}); }),
            "blank.txt:2: empty line");
  EXPECT_LT(peak_growth_mb([&] { (void)parse_vectors(blanks, "blank.txt", {.format = VectorFormat::glove}); }), 64);
}

TEST(HostileInput, EvaluationSetsCostTheirOwnSize) {
  if (kSanitized) GTEST_SKIP() << "peak memory is not meaningful under AddressSanitizer";
  ScratchDir dir;
  // 16 MB of blank lines: a vector of lines once took 32 bytes per line.
  const std::string path = dir.write("pairs.txt", lines_around(std::string(), 16 << 20, "cat dog 7.5\n"));
  EXPECT_EQ(read_word_pairs(path).size(), 1U);
  EXPECT_LT(peak_growth_mb([&] { (void)read_word_pairs(path); }), 64);
  const std::string analogies = dir.write("a.txt", lines_around(std::string(), 16 << 20, "a b c d\n"));
  EXPECT_LT(peak_growth_mb([&] { (void)read_analogies(analogies); }), 64);
}

TEST(HostileInput, NpyVocabularyLongerThanTheArrayIsRefusedBeforeIndexing) {
  ScratchDir dir;
  WordVectors two(Vocabulary::from_entries(std::vector<VocabularyEntry>{{"a", 1}, {"b", 1}}), EmbeddingTable(2, 3));
  const std::string npy = (dir.path() / "v.npy").string();
  save_vectors(two, npy, {.format = VectorFormat::npy});
  (void)dir.write("v.vocab", lines_around("a\nb\n", 1 << 20, ""));
  EXPECT_NE(error_of([&] { (void)load_vectors(npy); }).find("v.vocab: 1048578 words (lines) for 2 rows of vectors"),
            std::string::npos);
}

TEST(HostileInput, WordsAreCheckedWhereverTheyEnter) {
  // Control characters (terminal escapes, NUL, TAB) never become words.
  for (const std::string& word : {std::string("red\x1B[31m"), std::string("nu\0l", 4), std::string("a\tb"),
                                 std::string("\xC2\x9B" "2J")}) {
    EXPECT_THROW((void)Vocabulary::from_entries(std::vector<VocabularyEntry>{{word, 1}}), FormatError) << word;
  }
  EXPECT_EQ(*find_word_problem("bell\a"),
            "word \"bell\\x07\" holds a control character (U+0007) at byte 4: words hold no control characters");
  EXPECT_FALSE(find_word_problem("new york").has_value()) << "a space is a word's business; writers decide";
  // The npy vocabulary is one way in.
  ScratchDir dir;
  WordVectors one(Vocabulary::from_entries(std::vector<VocabularyEntry>{{"a", 1}}), EmbeddingTable(1, 3));
  const std::string npy = (dir.path() / "v.npy").string();
  save_vectors(one, npy, {.format = VectorFormat::npy});
  (void)dir.write("v.vocab", std::string("a\0b\n", 4));
  EXPECT_NE(error_of([&] { (void)load_vectors(npy); }).find("v.vocab:1: word \"a\\x00b\" holds a NUL"),
            std::string::npos);
  // A word with a space: kept by formats that can hold it, refused by those that cannot.
  WordVectors spaced(Vocabulary::from_entries(std::vector<VocabularyEntry>{{"new york", 3}}), EmbeddingTable(1, 2));
  const std::string ekv = (dir.path() / "s.ekv").string();
  save_vectors(spaced, ekv, {.format = VectorFormat::native});
  EXPECT_EQ(load_vectors(ekv).words().word(0), "new york");
  for (const VectorFormat format : {VectorFormat::word2vec_text, VectorFormat::glove, VectorFormat::word2vec_binary,
                                    VectorFormat::fasttext_bin}) {
    const std::string out = (dir.path() / "s.out").string();
    EXPECT_NE(error_of([&] { save_vectors(spaced, out, {.format = format}); }).find("which ends words at a space"),
              std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(out)) << "nothing written";
  }
}

// fastText drops a dictionary's empty words; a dictionary of nothing else loads as no words (it
// once left the table's rows behind and failed an internal check instead).
TEST(HostileInput, FastTextBinOfOnlyEmptyWordsLoadsAsNoWords) {
  ScratchDir dir;
  const std::string bin = (dir.path() / "v.bin").string();
  save_vectors(WordVectors(Vocabulary::from_entries(std::vector<VocabularyEntry>{{"zq", 1}}), EmbeddingTable(1, 2)),
               bin, {.format = VectorFormat::fasttext_bin});
  std::string bytes = testing::read_file(bin);
  const std::size_t at = bytes.find(std::string("zq\0", 3));
  ASSERT_NE(at, std::string::npos);
  bytes.erase(at, 2);
  (void)dir.write("empty.bin", bytes);
  const WordVectors wv = load_vectors((dir.path() / "empty.bin").string());
  EXPECT_EQ(wv.size(), 0U);
  EXPECT_EQ(wv.table().rows(), 0U);
  EXPECT_EQ(wv.metadata.count("dropped_duplicates"), 0U);
}

TEST(HostileInput, NpyAndItsVocabularyChangeTogether) {
  ScratchDir dir;
  const std::string npy = (dir.path() / "v.npy").string();
  EXPECT_NE(error_of([&] {
              save_vectors(WordVectors(Vocabulary::from_entries(std::vector<VocabularyEntry>{{"a", 1}}),
                                       EmbeddingTable(1, 2)),
                           npy, {.format = VectorFormat::npy, .vocabulary_path = dir.path().string() + "/./v.npy"});
            }).find("is the .npy output itself"),
            std::string::npos);
  // Two writers alternate pairs whose words say what their rows hold; a reader never sees a word
  // of one pair beside the rows of the other.
  auto pair = [](float value, char prefix) {
    std::vector<VocabularyEntry> entries;
    for (int i = 0; i < 50; ++i) entries.push_back({std::string(1, prefix) + std::to_string(i), 1});
    EmbeddingTable table(50, 8);
    for (std::size_t r = 0; r < 50; ++r) std::fill(table.row(r).begin(), table.row(r).end(), value);
    return WordVectors(Vocabulary::from_entries(entries), std::move(table));
  };
  const WordVectors a = pair(1.0F, 'a'), b = pair(2.0F, 'b');
  save_vectors(a, npy, {.format = VectorFormat::npy});
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 150; ++i) save_vectors(i % 2 == 0 ? b : a, npy, {.format = VectorFormat::npy});
    stop = true;
  });
  int mixed = 0, reads = 0;
  while (!stop) {
    const WordVectors v = load_vectors(npy);
    const float expected = v.words().word(0)[0] == 'a' ? 1.0F : 2.0F;
    mixed += v.table().row(0)[0] != expected;
    ++reads;
  }
  writer.join();
  EXPECT_EQ(mixed, 0) << "of " << reads << " reads";
}

TEST(HostileInput, CompressedTextIsNamedNotMisreadAsUtf8) {
  ScratchDir dir;
  const std::string gz = dir.write("corpus.txt.gz", std::string("\x1F\x8B\x08\x00\x00\x00\x00\x00\x00\x03", 10));
  struct Ignore : CorpusVisitor {
    void on_token(std::string_view) override {}
  } ignore;
  CorpusReader reader(gz, Tokenizer(TokenizerOptions{}));
  EXPECT_NE(error_of([&] { reader.read(ignore); }).find("is a gzip-compressed file, not text; decompress it first"),
            std::string::npos);
  const std::string xz = dir.write("v.tsv", std::string("\xFD" "7zXZ\0\0\0", 9));
  EXPECT_NE(error_of([&] { (void)Vocabulary::load(xz); }).find("is a xz-compressed file"), std::string::npos);
}

TEST(HostileInput, FifoIsRefusedNotWaitedOn) {
  ScratchDir dir;
  const std::string fifo = (dir.path() / "v.vec").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_NE(error_of([&] { (void)load_vectors(fifo); }).find("is a FIFO (named pipe), not a regular file"),
            std::string::npos);
}

TEST(HostileInput, ClassifierWithDuplicateLabelsIsRefused) {
  ScratchDir dir;
  const LabeledData data = parse_labeled_text("__label__pos good fine\n__label__neg bad awful\n", "two", {});
  const std::string path = (dir.path() / "m.ekv").string();
  TextClassifier::train(data, {.dim = 4, .epochs = 1, .threads = 1}).save(path);
  WordVectors file = load_vectors(path);
  std::string& settings = file.metadata.at("embedkit.classifier");
  const std::size_t at = settings.find("\"neg\"");
  ASSERT_NE(at, std::string::npos) << settings;
  settings.replace(at, 5, "\"pos\"");
  const std::string bad = (dir.path() / "bad.ekv").string();
  save_vectors(file, bad, {.format = VectorFormat::native});
  EXPECT_NE(error_of([&] { (void)TextClassifier::load(bad); }).find("label \"pos\" appears twice (labels 1 and 2)"),
            std::string::npos);
}

TEST(HostileInput, TokensNeverHoldControlCharacters) {
  const Tokenizer tokenizer(TokenizerOptions{});
  EXPECT_EQ(tokenizer.tokenize(std::string("a\0b\x1B[1mc\x7F" "d \xC2\x85" "e", 14)),
            (std::vector<std::string>{"a", "b", "[1mc", "d", "e"}));
}

}  // namespace
}  // namespace embedkit
