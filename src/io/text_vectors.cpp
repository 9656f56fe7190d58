// word2vec text / fastText .vec / GloVe: parsed in place from the mapped bytes, rows in parallel.
#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "embedkit/core/error.h"
#include "formats.h"
#include "word_list.h"

namespace embedkit::detail {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// The end of line `from` (the position of its '\n', or `end`).
std::size_t line_end(std::string_view data, std::size_t from, std::size_t end) {
  const void* nl = std::memchr(data.data() + from, '\n', end - from);
  return nl != nullptr ? static_cast<std::size_t>(static_cast<const char*>(nl) - data.data()) : end;
}

// Line [from, to) without a final "\r".
std::string_view line_at(std::string_view data, std::size_t from, std::size_t to) {
  if (to > from && data[to - 1] == '\r') --to;
  return data.substr(from, to - from);
}

// Lines in [from, end), where `end` is where the last of them stops (a line terminator or the
// end of the data): the '\n's inside, plus that last line.
std::uint64_t count_lines(std::string_view data, std::size_t from, std::size_t end) {
  if (from >= end) return 0;
  std::uint64_t lines = 1;
  for (std::size_t pos = from; (pos = line_end(data, pos, end)) < end; ++pos) ++lines;
  return lines;
}

// [from, end) cut at line starts into one byte range per thread (chunk t is [cut[t], cut[t + 1]),
// each range ending just past a terminator), and the number of lines before each chunk, counted
// in parallel: first_row[t] lines precede chunk t, first_row.back() is the total. No index of
// lines is kept, so memory does not grow with the number of lines.
struct LineChunks {
  std::vector<std::size_t> cut;
  std::vector<std::uint64_t> first_row;
};
LineChunks chunk_lines(std::string_view data, std::size_t from, std::size_t end) {
  constexpr std::size_t kMinChunkBytes = 1 << 20;
  const auto threads = static_cast<std::size_t>(
      std::max<std::int64_t>(1, std::min<std::int64_t>(omp_get_max_threads(),
                                                       static_cast<std::int64_t>((end - from) / kMinChunkBytes + 1))));
  LineChunks chunks{std::vector<std::size_t>(threads + 1, end + 1), std::vector<std::uint64_t>(threads + 1, 0)};
  chunks.cut[0] = from;
  for (std::size_t t = 1; t < threads; ++t) {
    const std::size_t at = std::max(from + (end - from) / threads * t, chunks.cut[t - 1]);
    chunks.cut[t] = at >= end ? end + 1 : line_end(data, at, end) + 1;
  }
#pragma omp parallel for num_threads(static_cast<int>(threads)) schedule(static, 1)
  for (std::int64_t c = 0; c < static_cast<std::int64_t>(threads); ++c) {
    const auto t = static_cast<std::size_t>(c);
    chunks.first_row[t + 1] = count_lines(data, chunks.cut[t], std::min(chunks.cut[t + 1], end + 1) - 1);
  }
  for (std::size_t t = 1; t <= threads; ++t) chunks.first_row[t] += chunks.first_row[t - 1];
  return chunks;
}

std::size_t count_fields(std::string_view line) {
  std::size_t fields = 0;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    if (i == line.size()) break;
    ++fields;
    while (i < line.size() && !is_blank(line[i])) ++i;
  }
  return fields;
}

// Parses "rows dim" (spaces around allowed); false when the line is not exactly two integers.
bool parse_header(std::string_view line, std::uint64_t& rows, std::uint64_t& dim) {
  const char* p = line.data();
  const char* end = p + line.size();
  auto skip = [&] {
    while (p < end && is_blank(*p)) ++p;
  };
  skip();
  auto r = std::from_chars(p, end, rows);
  if (r.ec != std::errc() || r.ptr == p) return false;
  p = r.ptr;
  if (p == end || !is_blank(*p)) return false;
  skip();
  r = std::from_chars(p, end, dim);
  if (r.ec != std::errc() || r.ptr == p) return false;
  p = r.ptr;
  skip();
  return p == end;
}

// Parses the word and `dim` values of one line into `row`; throws FormatError naming the line.
std::string_view parse_row(std::string_view line, std::size_t dim, float* row, bool allow_non_finite,
                           std::string_view source, std::size_t line_number) {
  const char* p = line.data();
  const char* end = p + line.size();
  const char* word_end = p;
  while (word_end < end && !is_blank(*word_end)) ++word_end;
  const std::string_view word(p, static_cast<std::size_t>(word_end - p));
  EMBEDKIT_CHECK(!line.empty(), FormatError, fmt::format("{}:{}: empty line", source, line_number));
  EMBEDKIT_CHECK(!word.empty(), FormatError,
                 fmt::format("{}:{}: the line starts with a space, so its word is empty", source, line_number));
  p = word_end;
  for (std::size_t d = 0; d < dim; ++d) {
    while (p < end && is_blank(*p)) ++p;
    EMBEDKIT_CHECK(p < end, FormatError,
                   fmt::format("{}:{}: word {:?} has {} values, expected {}", source, line_number, word, d, dim));
    if (*p == '+') ++p;
    float value = 0.0F;
    auto [next, ec] = std::from_chars(p, end, value);
    if (ec == std::errc::result_out_of_range) [[unlikely]] {
      // As numpy and gensim: a magnitude below float's range reads as 0 (or the nearest
      // subnormal), one above it as infinity (refused below unless non-finite values are allowed).
      const char* token_end = p;
      while (token_end < end && !is_blank(*token_end)) ++token_end;
      const std::string token(p, token_end);
      char* parsed_end = nullptr;
      value = static_cast<float>(std::strtod(token.c_str(), &parsed_end));
      if (parsed_end == token.c_str() + token.size()) {
        next = token_end;
        ec = std::errc();
      }
    }
    if (ec != std::errc() || (next < end && !is_blank(*next))) [[unlikely]] {
      const char* token_end = p;
      while (token_end < end && !is_blank(*token_end)) ++token_end;
      const std::string_view token(p, static_cast<std::size_t>(token_end - p));
      throw FormatError(fmt::format("{}:{}: value {} of word {:?} is {}: {:?}", source, line_number, d + 1, word,
                                    ec == std::errc::result_out_of_range ? "out of float range" : "not a number",
                                    token),
                        "a decimal float");
    }
    if (!allow_non_finite && !std::isfinite(value)) [[unlikely]] {
      throw FormatError(fmt::format("{}:{}: value {} of word {:?} is {} (allow non-finite values to load it)",
                                    source, line_number, d + 1, word, value),
                        "finite values");
    }
    row[d] = value;
    p = next;
  }
  while (p < end && is_blank(*p)) ++p;
  EMBEDKIT_CHECK(p == end, FormatError,
                 fmt::format("{}:{}: word {:?} has more than {} values ({} fields after the word)", source,
                             line_number, word, dim, count_fields(std::string_view(word_end, end - word_end))));
  return word;
}

}  // namespace

WordVectors parse_text_vectors(std::string_view data, std::string_view source, bool has_header,
                               const LoadOptions& options) {
  // Empty lines at the very end are dropped; the file must end with a newline, so that a file
  // cut inside its last number is an error rather than a shorter vector.
  std::size_t body_end = data.size();
  while (body_end > 0 && (data[body_end - 1] == '\n' || data[body_end - 1] == '\r')) --body_end;
  EMBEDKIT_CHECK(body_end > 0, FormatError, fmt::format("{}: the file is empty", source));
  const std::size_t first_end = line_end(data, 0, body_end);
  const std::string_view first_line = line_at(data, 0, first_end);

  std::size_t body = 0;  // offset of the first vector line
  std::size_t first_number = 1;
  std::uint64_t header_rows = 0, dim = 0;
  if (has_header) {
    EMBEDKIT_CHECK(parse_header(first_line, header_rows, dim), FormatError,
                   fmt::format("{}:1: expected a header \"rows dim\" (word2vec text), got {:?}", source,
                               first_line.substr(0, 80)));
    body = std::min(first_end + 1, body_end);
    first_number = 2;
  } else {
    const std::size_t fields = count_fields(first_line);
    EMBEDKIT_CHECK(fields >= 2, FormatError,
                   fmt::format("{}:1: expected \"word v1 v2 ...\" (GloVe text), got {:?}", source,
                               first_line.substr(0, 80)));
    dim = fields - 1;
  }
  EMBEDKIT_CHECK(dim > 0 && dim <= (1U << 20U), FormatError,
                 fmt::format("{}:1: dimension {} is outside 1 .. 1048576", source, dim));
  LineChunks chunks = chunk_lines(data, body, body_end);
  const std::uint64_t available = chunks.first_row.back();
  EMBEDKIT_CHECK(body_end < data.size(), FormatError,
                 fmt::format("{}:{}: the file ends inside this line, with no newline: it looks cut short (if it is "
                             "complete, end it with a newline)",
                             source, std::max<std::uint64_t>(1, first_number - 1 + available)));
  if (has_header && (options.limit == 0 || options.limit > header_rows)) {
    EMBEDKIT_CHECK(header_rows == available, FormatError,
                   fmt::format("{}:1: the header says {} rows but the file has {} lines of vectors", source,
                               header_rows, available));
  }
  const std::size_t rows = options.limit > 0 ? std::min<std::uint64_t>(options.limit, available) : available;
  EMBEDKIT_CHECK(rows > 0, FormatError, fmt::format("{}: no vectors after the header", source));
  // The end of the last row read (all of them, or the first `limit`).
  std::size_t end = body_end;
  if (rows < available) {
    end = body;
    for (std::size_t r = 0; r < rows; ++r) end = line_end(data, end, body_end) + 1;
    end -= 1;
    chunks = chunk_lines(data, body, end);
  }

  // Memory follows what the file holds: every row takes at least a 1-byte word and, per value, a
  // separator and a digit, plus its newline. A file that cannot hold `rows` such rows has a
  // short line somewhere: find it with one row of scratch space instead of allocating the table.
  const std::uint64_t min_row_bytes = 2 * dim + 2;
  if (rows > (end - body + 1) / min_row_bytes) {
    std::vector<float> scratch(dim);
    std::size_t pos = body;
    for (std::size_t r = 0; r < rows; ++r) {
      const std::size_t stop = line_end(data, pos, end);
      parse_row(line_at(data, pos, stop), dim, scratch.data(), options.allow_non_finite, source, first_number + r);
      pos = stop + 1;
    }
    throw FormatError(fmt::format("{}: {} rows of {} values cannot fit in {} bytes", source, rows, dim, end - body),
                      "rows fit the file");
  }

  EmbeddingTable table(rows, dim);
  std::vector<std::string_view> words(rows);
  // Rows in parallel, a chunk of lines per thread, each parsed into the rows after those of the
  // chunks before it. The error reported is the one on the earliest line, as a serial parse would.
  const auto threads = static_cast<int>(chunks.cut.size() - 1);
  const std::vector<std::size_t>& cut = chunks.cut;
  const std::vector<std::uint64_t>& first_row = chunks.first_row;
  std::vector<std::size_t> failed_row(static_cast<std::size_t>(threads), SIZE_MAX);
  std::vector<std::string> failure(static_cast<std::size_t>(threads));
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (std::int64_t c = 0; c < threads; ++c) {
    const auto t = static_cast<std::size_t>(c);
    const std::size_t to = std::min(cut[t + 1], end + 1);
    std::size_t row = first_row[t];
    for (std::size_t pos = cut[t]; pos < to && row < rows; ++row) {
      const std::size_t stop = line_end(data, pos, end);
      try {
        words[row] = parse_row(line_at(data, pos, stop), dim, table.data() + row * table.stride(),
                               options.allow_non_finite, source, first_number + row);
      } catch (const std::exception& e) {
        failed_row[t] = row;
        failure[t] = e.what();
        break;
      }
      pos = stop + 1;
    }
  }
  EMBEDKIT_CHECK(first_row.back() == rows, FormatError,
                 fmt::format("{}: {} lines were parsed for {} rows", source, first_row.back(), rows));
  for (std::size_t t = 0; t < failed_row.size(); ++t) {
    if (failed_row[t] != SIZE_MAX) throw FormatError(failure[t], "well-formed vector line");
  }

  WordList list(source, "line", options);
  list.reserve(rows);
  for (std::size_t r = 0; r < rows; ++r) list.add(words[r], 0, first_number + r);
  WordList::Result result = list.finish();
  if (result.kept_rows) table = keep_rows(table, *result.kept_rows, table.rows());
  WordVectors vectors(std::move(result.vocabulary), std::move(table));
  vectors.metadata["format"] = has_header ? "word2vec" : "glove";
  if (result.kept_rows) vectors.metadata["dropped_duplicates"] = std::to_string(rows - result.kept_rows->size());
  return vectors;
}

void output_vector(const WordVectors& vectors, TokenId id, std::span<float> out) {
  if (vectors.subwords()) {
    vectors.vector(id, out);
    return;
  }
  const float* row = vectors.table().data() + static_cast<std::size_t>(id) * vectors.table().stride();
  std::copy(row, row + vectors.dim(), out.begin());
}

void write_text_vectors(const WordVectors& vectors, AtomicFileWriter& out, bool header, std::size_t limit) {
  const std::size_t rows = limit > 0 ? std::min(limit, vectors.size()) : vectors.size();
  const std::size_t dim = vectors.dim();
  fmt::memory_buffer buffer;
  if (header) fmt::format_to(std::back_inserter(buffer), "{} {}\n", rows, dim);
  std::vector<float> v(dim);
  for (std::size_t r = 0; r < rows; ++r) {
    const auto id = static_cast<TokenId>(r);
    output_vector(vectors, id, v);
    const std::string_view word = vectors.words().word(id);
    buffer.append(word.data(), word.data() + word.size());
    // fmt writes the shortest decimal that parses back to the same float: exact round trips.
    for (const float x : v) fmt::format_to(std::back_inserter(buffer), " {}", x);
    buffer.push_back('\n');
    if (buffer.size() > (1U << 20U)) {
      out.write({buffer.data(), buffer.size()});
      buffer.clear();
    }
  }
  out.write({buffer.data(), buffer.size()});
}

}  // namespace embedkit::detail
