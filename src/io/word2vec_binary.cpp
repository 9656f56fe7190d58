// word2vec binary: "rows dim\n", then per row the word, a space and dim little-endian float32,
// optionally followed by "\n" (the original C tool writes it; gensim does not). Both are read;
// the C layout is written.
#include <fmt/format.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>

#include "embedkit/core/error.h"
#include "formats.h"
#include "word_list.h"

namespace embedkit::detail {

static_assert(std::endian::native == std::endian::little, "vector files are little-endian; add byte swapping");

WordVectors parse_word2vec_binary(std::string_view data, std::string_view source, const LoadOptions& options) {
  const std::size_t newline = data.find('\n');
  EMBEDKIT_CHECK(newline != std::string_view::npos && newline < 64, FormatError,
                 fmt::format("{}: byte 0: expected a header line \"rows dim\" (word2vec binary)", source));
  std::string_view header = data.substr(0, newline);
  if (!header.empty() && header.back() == '\r') header.remove_suffix(1);
  std::uint64_t rows = 0, dim = 0;
  {
    const char* p = header.data();
    const char* end = p + header.size();
    auto r1 = std::from_chars(p, end, rows);
    const char* q = r1.ptr;
    while (q < end && *q == ' ') ++q;
    auto r2 = std::from_chars(q, end, dim);
    const char* tail = r2.ptr;
    while (tail < end && *tail == ' ') ++tail;
    EMBEDKIT_CHECK(r1.ec == std::errc() && r1.ptr != p && q != r1.ptr && r2.ec == std::errc() && r2.ptr != q &&
                       tail == end,
                   FormatError,
                   fmt::format("{}: byte 0: expected a header line \"rows dim\", got {:?}", source, header));
  }
  EMBEDKIT_CHECK(dim > 0 && dim <= (1U << 20U), FormatError,
                 fmt::format("{}: byte 0: dimension {} is outside 1 .. 1048576", source, dim));
  std::size_t pos = newline + 1;
  const std::size_t row_bytes = dim * sizeof(float);
  const std::size_t want = options.limit > 0 ? std::min<std::uint64_t>(options.limit, rows) : rows;
  // Never allocate what the file cannot hold: each row needs at least a 1-byte word, a space and
  // its floats.
  const std::size_t remaining = data.size() - pos;
  EMBEDKIT_CHECK(want <= remaining / (row_bytes + 2), FormatError,
                 fmt::format("{}: byte 0: the header says {} rows of {} floats (at least {:.0f} bytes) but only {} "
                             "bytes follow",
                             source, rows, dim, static_cast<double>(want) * static_cast<double>(row_bytes + 2),
                             remaining));
  EMBEDKIT_CHECK(want > 0, FormatError, fmt::format("{}: byte 0: the header says 0 rows", source));

  EmbeddingTable table(want, dim);
  WordList list(source, "byte", options);
  list.reserve(want);
  for (std::size_t r = 0; r < want; ++r) {
    while (pos < data.size() && data[pos] == '\n') ++pos;  // the C layout's newline after a row
    const std::size_t start = pos;
    const void* space = std::memchr(data.data() + pos, ' ', data.size() - pos);
    EMBEDKIT_CHECK(space != nullptr, FormatError,
                   fmt::format("{}: byte {}: row {} of {}: no space ends the word (truncated file?)", source, start,
                               r + 1, rows));
    const std::size_t word_end = static_cast<std::size_t>(static_cast<const char*>(space) - data.data());
    const std::string_view word = data.substr(start, word_end - start);
    pos = word_end + 1;
    EMBEDKIT_CHECK(data.size() - pos >= row_bytes, FormatError,
                   fmt::format("{}: byte {}: row {} of {} ({:?}) is truncated: {} bytes of floats expected, {} left",
                               source, pos, r + 1, rows, word.substr(0, 64), row_bytes, data.size() - pos));
    float* row = table.data() + r * table.stride();
    std::memcpy(row, data.data() + pos, row_bytes);
    if (!options.allow_non_finite) {
      for (std::size_t d = 0; d < dim; ++d) {
        if (!std::isfinite(row[d])) [[unlikely]] {
          throw FormatError(fmt::format("{}: byte {}: value {} of word {:?} is {} (allow non-finite values to "
                                        "load it)",
                                        source, pos + d * sizeof(float), d + 1, word.substr(0, 64), row[d]),
                            "finite values");
        }
      }
    }
    pos += row_bytes;
    list.add(word, 0, start);
  }
  if (want == rows) {
    while (pos < data.size() && (data[pos] == '\n' || data[pos] == '\r' || data[pos] == ' ')) ++pos;
    EMBEDKIT_CHECK(pos == data.size(), FormatError,
                   fmt::format("{}: byte {}: the header says {} rows but {} more bytes follow them", source, pos,
                               rows, data.size() - pos));
  }
  WordList::Result result = list.finish();
  if (result.kept_rows) table = keep_rows(table, *result.kept_rows, table.rows());
  WordVectors vectors(std::move(result.vocabulary), std::move(table));
  vectors.metadata["format"] = "word2vec-bin";
  if (result.kept_rows) vectors.metadata["dropped_duplicates"] = std::to_string(want - result.kept_rows->size());
  return vectors;
}

void write_word2vec_binary(const WordVectors& vectors, AtomicFileWriter& out, std::size_t limit) {
  const std::size_t rows = limit > 0 ? std::min(limit, vectors.size()) : vectors.size();
  const std::size_t dim = vectors.dim();
  std::string buffer = fmt::format("{} {}\n", rows, dim);
  std::vector<float> v(dim);
  for (std::size_t r = 0; r < rows; ++r) {
    const auto id = static_cast<TokenId>(r);
    output_vector(vectors, id, v);
    buffer.append(vectors.words().word(id));
    buffer.push_back(' ');
    buffer.append(reinterpret_cast<const char*>(v.data()), dim * sizeof(float));
    buffer.push_back('\n');
    if (buffer.size() > (1U << 20U)) {
      out.write(buffer);
      buffer.clear();
    }
  }
  out.write(buffer);
}

}  // namespace embedkit::detail
