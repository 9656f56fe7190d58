// Streams a text file (or stdin) of any size through a Tokenizer, in bounded memory.
//
//   struct Counter : embedkit::CorpusVisitor {
//     std::size_t tokens = 0;
//     void on_token(std::string_view) override { ++tokens; }
//   } counter;
//   embedkit::CorpusReader("corpus.txt", tokenizer).read(counter);
//
// The file is read in 1 MiB chunks. A chunk is cut after its last ASCII whitespace byte, so no
// token is split by the chunking; a run without whitespace longer than the chunk (a corrupt or
// binary file, or one gigantic token) is cut at a code point boundary, and the Tokenizer's
// max_token_bytes bounds it further. Memory is O(chunk) whatever the file or line length, so a
// one-line 100 MB corpus such as text8 streams as easily as a line-per-sentence file.
//
// Lines end at '\n'; a '\r' before it (CRLF) is whitespace and never part of a token. Empty
// lines are reported (on_line_end with no tokens in between) and a last line without '\n' still
// ends with on_line_end. UTF-8 errors name the file, line and absolute byte offset.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "embedkit/text/tokenizer.h"

namespace embedkit {

/// Counters passed to CorpusVisitor::on_progress.
struct CorpusProgress {
  std::uint64_t bytes_read = 0;   ///< bytes consumed so far
  std::uint64_t bytes_total = 0;  ///< file size, or 0 when unknown (pipes, stdin)
  std::uint64_t lines = 0;        ///< completed lines so far
};

/// Receives the stream. Only on_token is required.
class CorpusVisitor {
 public:
  virtual ~CorpusVisitor() = default;
  /// One token; the view is valid only during the call.
  virtual void on_token(std::string_view token) = 0;
  /// The end of a line ('\n', or end of file after a non-empty last line).
  virtual void on_line_end() {}
  /// Called after each chunk (about every MiB) and once at the end.
  virtual void on_progress(const CorpusProgress& /*progress*/) {}
};

/// One process's share of a file when several read it together (distributed training): bytes
/// [begin, end) of the file, each end moved forward to just after an ASCII whitespace byte (a
/// word boundary), so that the shares of consecutive cuts 0 = c0 < c1 < ... < cN = size hold
/// every token exactly once. A line that straddles a cut ends one share and starts the next.
struct CorpusShare {
  std::uint64_t begin = 0;
  std::uint64_t end = UINT64_MAX;  ///< past the file's end: to the end
  /// Share `index` of `count` about equal ones of a file of `bytes` bytes.
  [[nodiscard]] static CorpusShare of(std::uint64_t bytes, std::size_t index, std::size_t count) noexcept;
  [[nodiscard]] bool whole() const noexcept { return begin == 0 && end == UINT64_MAX; }
};

/// Reads one file front to back. Not thread-safe; cheap to construct.
class CorpusReader {
 public:
  /// `path` "-" means standard input. The tokenizer is copied (it is small and immutable).
  /// With a `share` (not the whole file), only its tokens are read: the input must then be a
  /// regular file, and line numbers in messages count from the share's first line.
  CorpusReader(std::string path, Tokenizer tokenizer, CorpusShare share = {});

  /// Streams the whole input into `visitor`. Throws IoError when the file cannot be opened or
  /// read, FormatError on invalid UTF-8 (under InvalidUtf8::error); exceptions thrown by the
  /// visitor propagate unchanged.
  void read(CorpusVisitor& visitor);

  /// Bytes per read; at least 4 * max_token_bytes. Exposed for tests of chunk boundaries.
  void set_chunk_bytes(std::size_t bytes);

 private:
  std::string path_;
  Tokenizer tokenizer_;
  CorpusShare share_;
  std::size_t chunk_bytes_ = std::size_t{1} << 20U;
};

}  // namespace embedkit
