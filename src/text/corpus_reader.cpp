#include "embedkit/text/corpus_reader.h"

#include <fmt/format.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "core/compressed_input.h"
#include "embedkit/core/error.h"

namespace embedkit {
namespace {

// Closes the descriptor on every exit path (but never stdin's).
struct Descriptor {
  int fd;
  bool owned;
  Descriptor(int descriptor, bool is_owned) : fd(descriptor), owned(is_owned) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (owned && fd >= 0) ::close(fd);
  }
};

constexpr bool is_ascii_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Position just past the last ASCII whitespace byte in data[0, n), or 0 when there is none.
std::size_t cut_after_last_space(const char* data, std::size_t n) {
  for (std::size_t i = n; i > 0; --i) {
    if (is_ascii_space(data[i - 1])) return i;
  }
  return 0;
}

// Largest cut <= n that does not split a UTF-8 sequence (backs over continuation bytes and
// the lead byte of an unfinished sequence).
std::size_t cut_at_code_point(const char* data, std::size_t n) {
  std::size_t cut = n;
  std::size_t backed = 0;
  while (cut > 0 && backed < 3 && (static_cast<unsigned char>(data[cut - 1]) & 0xC0U) == 0x80U) {
    --cut;
    ++backed;
  }
  if (cut > 0 && static_cast<unsigned char>(data[cut - 1]) >= 0xC0U) --cut;
  return cut == 0 ? n : cut;  // invalid bytes everywhere: let the UTF-8 check report them
}

// The first word boundary at or after `at` in a file of `size` bytes: `at` itself when it is 0 or
// the byte before it is whitespace, else just past the next whitespace byte (or the end).
std::uint64_t word_boundary(int fd, std::uint64_t at, std::uint64_t size, const std::string& path) {
  if (at == 0 || at >= size) return std::min(at, size);
  std::vector<char> block(1U << 16U);
  for (std::uint64_t pos = at - 1; pos < size;) {
    const ssize_t n = ::pread(fd, block.data(), block.size(), static_cast<off_t>(pos));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw IoError(detail::with_errno(fmt::format("cannot read '{}' at byte {}", path, pos), errno));
    for (ssize_t i = 0; i < n; ++i) {
      if (is_ascii_space(block[static_cast<std::size_t>(i)])) return pos + static_cast<std::uint64_t>(i) + 1;
    }
    pos += static_cast<std::uint64_t>(n);
  }
  return size;
}

}  // namespace

CorpusShare CorpusShare::of(std::uint64_t bytes, std::size_t index, std::size_t count) noexcept {
  if (count <= 1) return {};
  // floor(bytes * i / count), without overflow.
  const auto cut = [&](std::uint64_t i) { return bytes / count * i + bytes % count * i / count; };
  return {cut(index), index + 1 == count ? UINT64_MAX : cut(index + 1)};
}

CorpusReader::CorpusReader(std::string path, Tokenizer tokenizer, CorpusShare share)
    : path_(std::move(path)), tokenizer_(std::move(tokenizer)), share_(share) {
  set_chunk_bytes(chunk_bytes_);
}

void CorpusReader::set_chunk_bytes(std::size_t bytes) {
  chunk_bytes_ = std::max(bytes, 4 * tokenizer_.options().max_token_bytes);
}

void CorpusReader::read(CorpusVisitor& visitor) {
  const bool is_stdin = path_ == "-";
  const Descriptor file{is_stdin ? STDIN_FILENO : ::open(path_.c_str(), O_RDONLY | O_CLOEXEC), !is_stdin};
  if (file.fd < 0) throw IoError(detail::with_errno(fmt::format("cannot open '{}'", path_), errno));

  CorpusProgress progress;
  struct stat info {};
  const bool regular = ::fstat(file.fd, &info) == 0 && S_ISREG(info.st_mode);
  if (regular) progress.bytes_total = static_cast<std::uint64_t>(info.st_size);
  const std::string source_name = is_stdin ? std::string("<stdin>") : path_;
  // A share: its word-bounded bytes only (`left` of them, from `first`).
  std::uint64_t first = 0, left = UINT64_MAX;
  if (!share_.whole()) {
    EMBEDKIT_CHECK(regular, ArgumentError,
                   fmt::format("'{}' is not a regular file: a share of it (bytes {}..{}) cannot be read", source_name,
                               share_.begin, share_.end));
    first = word_boundary(file.fd, share_.begin, progress.bytes_total, path_);
    left = word_boundary(file.fd, share_.end, progress.bytes_total, path_) - std::min(first, progress.bytes_total);
    if (first > 0 && ::lseek(file.fd, static_cast<off_t>(first), SEEK_SET) < 0) {
      throw IoError(detail::with_errno(fmt::format("cannot seek in '{}' to byte {}", source_name, first), errno));
    }
    progress.bytes_total = left;
  }

  std::vector<char> buffer(chunk_bytes_);
  std::size_t carried = 0;             // bytes at the front of buffer left from the last round
  std::uint64_t buffer_offset = first;  // absolute offset of buffer[0]
  std::uint64_t line = 1;
  bool line_open = false;              // bytes seen on the current line
  std::string repaired;

  auto tokenize_span = [&](const char* begin, std::size_t len, std::uint64_t offset) {
    const SourceLocation where{source_name, line, offset};
    const std::string_view text = sanitize_utf8(std::string_view(begin, len),
                                                tokenizer_.options().invalid_utf8, repaired, where);
    tokenizer_.tokenize_valid(text, [&](std::string_view token) { visitor.on_token(token); });
  };

  // Hands buffer[0, cut) to the tokenizer, split into lines.
  auto process = [&](std::size_t cut) {
    std::size_t pos = 0;
    while (pos < cut) {
      const void* nl = std::memchr(buffer.data() + pos, '\n', cut - pos);
      const std::size_t end = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - buffer.data()) : cut;
      if (end > pos) {
        tokenize_span(buffer.data() + pos, end - pos, buffer_offset + pos);
        line_open = true;
      }
      if (!nl) break;
      visitor.on_line_end();
      ++line;
      ++progress.lines;
      line_open = false;
      pos = end + 1;
    }
  };

  for (;;) {
    // One read(2) per round, not a loop filling the buffer: on a terminal or pipe it returns
    // what is there, so interactive input is tokenized line by line as it arrives.
    ssize_t n = 0;
    const std::size_t room = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size() - carried, left));
    do {
      n = room == 0 ? 0 : ::read(file.fd, buffer.data() + carried, room);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      throw IoError(detail::with_errno(
          fmt::format("cannot read '{}' at byte {}", source_name, buffer_offset + carried), errno));
    }
    const auto got = static_cast<std::size_t>(n);
    if (left != UINT64_MAX) left -= got;
    const std::size_t filled = carried + got;
    if (buffer_offset == 0 && filled >= 4) detail::refuse_compressed_text({buffer.data(), filled}, source_name);
    const bool at_end = got == 0;
    std::size_t cut = filled;
    if (!at_end) {
      cut = cut_after_last_space(buffer.data(), filled);
      // A full buffer without whitespace holds one giant run: cut it. Otherwise wait for more.
      if (cut == 0 && filled == buffer.size()) cut = cut_at_code_point(buffer.data(), filled);
    }
    process(cut);
    carried = filled - cut;
    if (carried > 0) std::memmove(buffer.data(), buffer.data() + cut, carried);
    buffer_offset += cut;
    progress.bytes_read = buffer_offset - first;
    visitor.on_progress(progress);
    if (at_end && carried == 0) break;
  }
  if (line_open) {
    visitor.on_line_end();
    ++progress.lines;
  }
  visitor.on_progress(progress);
}

}  // namespace embedkit
