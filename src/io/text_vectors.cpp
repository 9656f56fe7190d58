// word2vec text / fastText .vec / GloVe: parsed in place from the mapped bytes, rows in parallel.
#include <fmt/format.h>
#include <omp.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "embedkit/core/error.h"
#include "formats.h"
#include "word_list.h"

namespace embedkit::detail {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// [begin, end) of each line, without the "\n" and a final "\r". A last line without "\n" counts;
// empty lines at the very end of the file are dropped.
std::vector<std::pair<std::size_t, std::size_t>> split_lines(std::string_view data) {
  std::vector<std::pair<std::size_t, std::size_t>> lines;
  lines.reserve(data.size() / 64 + 1);
  std::size_t pos = 0;
  while (pos < data.size()) {
    const void* nl = std::memchr(data.data() + pos, '\n', data.size() - pos);
    const std::size_t end = nl != nullptr ? static_cast<std::size_t>(static_cast<const char*>(nl) - data.data()) : data.size();
    std::size_t stop = end;
    if (stop > pos && data[stop - 1] == '\r') --stop;
    lines.emplace_back(pos, stop);
    pos = end + 1;
  }
  while (!lines.empty() && lines.back().first == lines.back().second) lines.pop_back();
  return lines;
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
  EMBEDKIT_CHECK(!word.empty(), FormatError,
                 fmt::format("{}:{}: the line starts with a space, so its word is empty", source, line_number));
  p = word_end;
  for (std::size_t d = 0; d < dim; ++d) {
    while (p < end && is_blank(*p)) ++p;
    EMBEDKIT_CHECK(p < end, FormatError,
                   fmt::format("{}:{}: word {:?} has {} values, expected {}", source, line_number, word, d, dim));
    if (*p == '+') ++p;
    float value = 0.0F;
    const auto [next, ec] = std::from_chars(p, end, value);
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
  const auto lines = split_lines(data);
  EMBEDKIT_CHECK(!lines.empty(), FormatError, fmt::format("{}: the file is empty", source));
  auto line_text = [&](std::size_t i) { return data.substr(lines[i].first, lines[i].second - lines[i].first); };

  std::size_t first = 0;
  std::uint64_t header_rows = 0, dim = 0;
  if (has_header) {
    EMBEDKIT_CHECK(parse_header(line_text(0), header_rows, dim), FormatError,
                   fmt::format("{}:1: expected a header \"rows dim\" (word2vec text), got {:?}", source,
                               line_text(0).substr(0, 80)));
    first = 1;
  } else {
    const std::size_t fields = count_fields(line_text(0));
    EMBEDKIT_CHECK(fields >= 2, FormatError,
                   fmt::format("{}:1: expected \"word v1 v2 ...\" (GloVe text), got {:?}", source,
                               line_text(0).substr(0, 80)));
    dim = fields - 1;
  }
  EMBEDKIT_CHECK(dim > 0 && dim <= (1U << 20U), FormatError,
                 fmt::format("{}:1: dimension {} is outside 1 .. 1048576", source, dim));
  const std::size_t available = lines.size() - first;
  if (has_header && (options.limit == 0 || options.limit > header_rows)) {
    EMBEDKIT_CHECK(header_rows == available, FormatError,
                   fmt::format("{}:1: the header says {} rows but the file has {} lines of vectors", source,
                               header_rows, available));
  }
  const std::size_t rows = options.limit > 0 ? std::min<std::size_t>(options.limit, available) : available;
  EMBEDKIT_CHECK(rows > 0, FormatError, fmt::format("{}: no vectors after the header", source));

  EmbeddingTable table(rows, dim);
  std::vector<std::string_view> words(rows);
  // Rows in parallel; the error reported is the one on the earliest line, as a serial parse would.
  std::size_t failed_row = SIZE_MAX;
  std::string failure;
  const auto n = static_cast<std::int64_t>(rows);
#pragma omp parallel
  {
    std::size_t my_failed = SIZE_MAX;
    std::string my_failure;
#pragma omp for schedule(static)
    for (std::int64_t r = 0; r < n; ++r) {
      if (my_failed != SIZE_MAX) continue;
      const auto row = static_cast<std::size_t>(r);
      try {
        words[row] = parse_row(line_text(first + row), dim, table.data() + row * table.stride(),
                               options.allow_non_finite, source, first + row + 1);
      } catch (const std::exception& e) {
        my_failed = row;
        my_failure = e.what();
      }
    }
#pragma omp critical(embedkit_text_vectors)
    if (my_failed < failed_row) {
      failed_row = my_failed;
      failure = std::move(my_failure);
    }
  }
  if (failed_row != SIZE_MAX) throw FormatError(failure, "well-formed vector line");

  WordList list(source, "line", options);
  list.reserve(rows);
  for (std::size_t r = 0; r < rows; ++r) list.add(words[r], 0, first + r + 1);
  WordList::Result result = list.finish();
  if (!result.kept_rows.empty()) table = keep_rows(table, result.kept_rows, table.rows());
  WordVectors vectors(std::move(result.vocabulary), std::move(table));
  vectors.metadata["format"] = has_header ? "word2vec" : "glove";
  if (!result.kept_rows.empty()) vectors.metadata["dropped_duplicates"] = std::to_string(rows - result.kept_rows.size());
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
