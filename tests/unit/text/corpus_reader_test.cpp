#include "embedkit/text/corpus_reader.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "embedkit/core/error.h"
#include "test_files.h"

namespace embedkit {
namespace {

using testing::ScratchDir;

// Records the stream as text: tokens joined by spaces, "|" at each line end.
struct Recorder : CorpusVisitor {
  std::string events;
  std::vector<CorpusProgress> progress;
  void on_token(std::string_view token) override {
    if (!events.empty() && events.back() != '|') events += ' ';
    events += token;
  }
  void on_line_end() override { events += '|'; }
  void on_progress(const CorpusProgress& p) override { progress.push_back(p); }
};

std::string read_events(const std::string& path, const Tokenizer& tok, std::size_t chunk = 1 << 20) {
  Recorder recorder;
  CorpusReader reader(path, tok);
  reader.set_chunk_bytes(chunk);
  reader.read(recorder);
  return recorder.events;
}

TEST(CorpusReader, ReportsLinesIncludingEmptyOnesAndCrlf) {
  ScratchDir dir;
  const Tokenizer tok;
  EXPECT_EQ(read_events(dir.write("a.txt", "a b\r\n\r\n\nc"), tok), "a b|||c|");
  EXPECT_EQ(read_events(dir.write("b.txt", "x\n"), tok), "x|");
  EXPECT_EQ(read_events(dir.write("c.txt", ""), tok), "");
  EXPECT_EQ(read_events(dir.write("d.txt", "   "), tok), "|") << "a last line of spaces still ends";
}

// Whatever the chunk size, the stream equals tokenizing each line in memory.
TEST(CorpusReader, ChunkBoundariesNeverChangeTheTokens) {
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {"a", "bb", "ccc", "é", "€uro", "😀", "longerword", " ", " ",
                                           "  ", "\t", "\n", "\r\n", ",", "x\xC2\xA0y"};
  // Runs without ASCII whitespace stay under 32 bytes: longer runs are cut where the chunk ends
  // (documented), which is the one case where chunking may move a split point.
  std::string text;
  std::size_t run = 0;
  for (int i = 0; i < 5000; ++i) {
    const std::string& piece = pieces[rng() % pieces.size()];
    if (run + piece.size() > 24) {
      text += ' ';
      run = 0;
    }
    text += piece;
    run = piece.find_first_of(" \t\n") == std::string::npos ? run + piece.size() : 0;
  }
  ScratchDir dir;
  const std::string path = dir.write("random.txt", text);
  const Tokenizer tok({.split = Split::words, .max_token_bytes = 8});

  // Every '\n' ends a line; a non-empty remainder after the last one is a line too.
  std::string expected;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::vector<std::string> tokens = tok.tokenize(std::string_view(text).substr(start, end - start));
    for (std::size_t i = 0; i < tokens.size(); ++i) expected += (i ? " " : "") + tokens[i];
    expected += '|';
    start = end + 1;
  }
  for (const std::size_t chunk : {32, 33, 37, 64, 1000, 1 << 20}) {
    EXPECT_EQ(read_events(path, tok, chunk), expected) << "chunk " << chunk;
  }
}

// Shares of a file, read one by one, hold every token exactly once, in order, however many
// there are and wherever the cuts fall (inside words, on spaces, inside multi-byte characters).
TEST(CorpusReader, SharesHoldEveryTokenExactlyOnce) {
  std::mt19937 rng(3);
  const std::vector<std::string> pieces = {"a", "bb", "ccc", "é€", "😀x", "word", " ", "  ", "\n", "\r\n", "\t"};
  std::string text;
  for (int i = 0; i < 3000; ++i) text += pieces[rng() % pieces.size()];
  ScratchDir dir;
  const std::string path = dir.write("shares.txt", text);
  const Tokenizer tok;
  struct Tokens : CorpusVisitor {
    std::vector<std::string> all;
    std::uint64_t bytes = 0;
    void on_token(std::string_view token) override { all.emplace_back(token); }
    void on_progress(const CorpusProgress& p) override { bytes = p.bytes_read; }
  };
  Tokens whole;
  CorpusReader(path, tok).read(whole);
  for (const std::size_t count : {1, 2, 3, 7, 64, 5000}) {
    std::vector<std::string> joined;
    std::uint64_t bytes = 0;
    for (std::size_t i = 0; i < count; ++i) {
      Tokens part;
      CorpusReader reader(path, tok, CorpusShare::of(text.size(), i, count));
      reader.set_chunk_bytes(64);
      reader.read(part);
      joined.insert(joined.end(), part.all.begin(), part.all.end());
      bytes += part.bytes;
    }
    EXPECT_EQ(joined, whole.all) << count << " shares";
    EXPECT_EQ(bytes, text.size()) << count << " shares read every byte once";
  }
  EXPECT_EQ(CorpusShare::of(10, 0, 1).whole(), true);
  EXPECT_EQ(CorpusShare::of(10, 1, 3).begin, 3U);
  EXPECT_EQ(CorpusShare::of(10, 2, 3).end, UINT64_MAX);
  // Shares need a file they can seek in.
  EXPECT_THROW(CorpusReader("-", tok, CorpusShare::of(10, 1, 2)).read(whole), ArgumentError);
}

TEST(CorpusReader, OneHugeLineStreamsInSmallChunks) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "word" + std::to_string(i % 97) + ' ';
  ScratchDir dir;
  const std::string path = dir.write("text8.txt", text);
  struct Counter : CorpusVisitor {
    std::size_t tokens = 0, lines = 0;
    void on_token(std::string_view) override { ++tokens; }
    void on_line_end() override { ++lines; }
  } counter;
  CorpusReader reader(path, Tokenizer{});
  reader.set_chunk_bytes(4096);
  reader.read(counter);
  EXPECT_EQ(counter.tokens, 20000U);
  EXPECT_EQ(counter.lines, 1U);
}

TEST(CorpusReader, TokenLongerThanTheChunkIsCutNotLost) {
  const std::string giant(10000, 'z');
  ScratchDir dir;
  const Tokenizer tok({.max_token_bytes = 64});
  Recorder recorder;
  CorpusReader reader(dir.write("g.txt", "a " + giant + " b\n"), tok);
  reader.set_chunk_bytes(256);
  reader.read(recorder);
  std::size_t z = 0;
  for (const char c : recorder.events) z += c == 'z';
  EXPECT_EQ(z, giant.size());
  EXPECT_EQ(recorder.events.substr(0, 2), "a ");
  EXPECT_EQ(recorder.events.substr(recorder.events.size() - 3), " b|");
}

TEST(CorpusReader, InvalidUtf8NamesFileLineAndAbsoluteOffset) {
  ScratchDir dir;
  const std::string path = dir.write("bad.txt", "fine line\nsecond\nbroken zee\xC3n here\n");
  try {
    (void)read_events(path, Tokenizer{});
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    const std::string expected = path + ":3: byte 27: invalid UTF-8 (bytes 0xC3 0x6E 0x20 0x68)";
    EXPECT_EQ(std::string(e.what()).substr(0, expected.size()), expected);
  }
  EXPECT_EQ(read_events(path, Tokenizer({.invalid_utf8 = InvalidUtf8::replace})),
            "fine line|second|broken zee\xEF\xBF\xBDn here|");
}

TEST(CorpusReader, MissingFileIsAnIoErrorNamingIt) {
  try {
    (void)read_events("/no/such/corpus.txt", Tokenizer{});
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot open '/no/such/corpus.txt': No such file or directory");
  }
}

TEST(CorpusReader, ProgressIsMonotoneAndEndsAtTheFileSize) {
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "some words here\n";
  ScratchDir dir;
  Recorder recorder;
  CorpusReader reader(dir.write("p.txt", text), Tokenizer{});
  reader.set_chunk_bytes(4096);
  reader.read(recorder);
  ASSERT_GE(recorder.progress.size(), 10U);
  for (std::size_t i = 1; i < recorder.progress.size(); ++i) {
    EXPECT_GE(recorder.progress[i].bytes_read, recorder.progress[i - 1].bytes_read);
    EXPECT_EQ(recorder.progress[i].bytes_total, text.size());
  }
  EXPECT_EQ(recorder.progress.back().bytes_read, text.size());
  EXPECT_EQ(recorder.progress.back().lines, 3000U);
}

}  // namespace
}  // namespace embedkit

namespace embedkit {
namespace {

// A pipe delivers text in small pieces that split words; the reader must rejoin them.
TEST(CorpusReader, PipeDeliveringFragmentsYieldsWholeTokens) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const int saved_stdin = ::dup(STDIN_FILENO);
  ASSERT_EQ(::dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
  ::close(fds[0]);
  std::thread writer([fd = fds[1]] {
    for (const char* piece : {"hel", "lo wo", "rld\nsec", "ond line", "\n"}) {
      ASSERT_GT(::write(fd, piece, std::strlen(piece)), 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::close(fd);
  });
  Recorder recorder;
  CorpusReader("-", Tokenizer{}).read(recorder);
  writer.join();
  ::dup2(saved_stdin, STDIN_FILENO);
  ::close(saved_stdin);
  EXPECT_EQ(recorder.events, "hello world|second line|");
}

}  // namespace
}  // namespace embedkit
