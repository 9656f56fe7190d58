// NumPy .npy (format 1.0 - 3.0): a 2-D float32 or float64 array, C or Fortran order; the words
// come from a separate vocabulary file (one word, or word<TAB>count, per line).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "core/checked_size.h"
#include "embedkit/core/error.h"
#include "formats.h"
#include "word_list.h"

namespace embedkit::detail {
namespace {

// The value text after 'key': in a NumPy header dict, up to the next top-level comma or brace.
std::string_view dict_value(std::string_view dict, std::string_view key) {
  const std::string quoted = fmt::format("'{}'", key);
  std::size_t at = dict.find(quoted);
  if (at == std::string_view::npos) return {};
  at = dict.find(':', at + quoted.size());
  if (at == std::string_view::npos) return {};
  ++at;
  while (at < dict.size() && dict[at] == ' ') ++at;
  std::size_t end = at;
  int depth = 0;
  while (end < dict.size()) {
    const char c = dict[end];
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (depth == 0 && (c == ',' || c == '}')) break;
    ++end;
    if (depth == 0 && c == ')') break;
  }
  return dict.substr(at, end - at);
}

}  // namespace

WordsFile parse_words_file(std::string_view data, std::string_view source, std::uint64_t expected) {
  std::uint64_t lines = static_cast<std::uint64_t>(std::count(data.begin(), data.end(), '\n'));
  if (!data.empty() && data.back() != '\n') ++lines;
  EMBEDKIT_CHECK(lines == expected, FormatError,
                 fmt::format("{}: {} words (lines) for {} rows of vectors", source, lines, expected));
  WordsFile file;
  file.words.reserve(lines);
  file.counts.reserve(lines);
  std::size_t pos = 0;
  std::size_t line = 0;
  while (pos < data.size()) {
    ++line;
    std::size_t end = data.find('\n', pos);
    if (end == std::string_view::npos) end = data.size();
    std::string_view text = data.substr(pos, end - pos);
    pos = end + 1;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    std::uint64_t count = 0;
    if (const std::size_t tab = text.find('\t'); tab != std::string_view::npos) {
      const std::string_view number = text.substr(tab + 1);
      const auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), count);
      EMBEDKIT_CHECK(ec == std::errc() && p == number.data() + number.size() && !number.empty(), FormatError,
                     fmt::format("{}:{}: expected word or word<TAB>count, got {:?}", source, line, text));
      text = text.substr(0, tab);
    }
    file.words.push_back(text);
    file.counts.push_back(count);
  }
  return file;
}

WordVectors parse_npy(std::string_view data, std::string_view source, std::string_view words,
                      std::string_view words_source, const LoadOptions& options) {
  EMBEDKIT_CHECK(data.size() >= 10 && data.substr(0, 6) == "\x93NUMPY", FormatError,
                 fmt::format("{}: byte 0: not a NumPy .npy file (no \\x93NUMPY magic)", source));
  const auto major = static_cast<unsigned char>(data[6]);
  std::size_t header_len = 0, header_at = 0;
  if (major == 1) {
    std::uint16_t len = 0;
    std::memcpy(&len, data.data() + 8, 2);
    header_len = len;
    header_at = 10;
  } else if (major == 2 || major == 3) {
    EMBEDKIT_CHECK(data.size() >= 12, FormatError, fmt::format("{}: byte 8: truncated header", source));
    std::uint32_t len = 0;
    std::memcpy(&len, data.data() + 8, 4);
    header_len = len;
    header_at = 12;
  } else {
    throw FormatError(fmt::format("{}: byte 6: .npy format version {} is not supported", source, major), "1..3");
  }
  EMBEDKIT_CHECK(header_len <= data.size() - header_at, FormatError,
                 fmt::format("{}: byte 8: header of {} bytes runs past the end of the file", source, header_len));
  const std::string_view dict = data.substr(header_at, header_len);
  const std::string_view descr = dict_value(dict, "descr");
  const std::string_view order = dict_value(dict, "fortran_order");
  const std::string_view shape = dict_value(dict, "shape");
  std::size_t width = 0;
  if (descr == "'<f4'" || descr == "'|f4'") width = 4;
  if (descr == "'<f8'" || descr == "'|f8'") width = 8;
  EMBEDKIT_CHECK(width != 0, FormatError,
                 fmt::format("{}: byte {}: dtype {} is not supported (little-endian float32 or float64)", source,
                             header_at, descr.empty() ? "(missing)" : descr));
  EMBEDKIT_CHECK(order == "False" || order == "True", FormatError,
                 fmt::format("{}: byte {}: fortran_order is {:?}", source, header_at, order));
  const bool fortran = order == "True";
  std::uint64_t rows = 0, dim = 0;
  {
    EMBEDKIT_CHECK(shape.size() >= 2 && shape.front() == '(' && shape.back() == ')', FormatError,
                   fmt::format("{}: byte {}: shape {:?} is not a tuple", source, header_at, shape));
    const std::string_view inner = shape.substr(1, shape.size() - 2);
    const char* p = inner.data();
    const char* end = p + inner.size();
    auto r1 = std::from_chars(p, end, rows);
    const char* q = r1.ptr;
    while (q < end && (*q == ',' || *q == ' ')) ++q;
    auto r2 = std::from_chars(q, end, dim);
    const char* tail = r2.ptr;
    while (tail < end && (*tail == ',' || *tail == ' ')) ++tail;
    EMBEDKIT_CHECK(r1.ec == std::errc() && r1.ptr != p && r2.ec == std::errc() && r2.ptr != q && tail == end,
                   FormatError,
                   fmt::format("{}: byte {}: shape {} is not 2-D (rows, dim)", source, header_at, shape));
  }
  EMBEDKIT_CHECK(dim > 0 && dim <= (1U << 20U), FormatError,
                 fmt::format("{}: byte {}: dimension {} is outside 1 .. 1048576", source, header_at, dim));
  const std::size_t data_at = header_at + header_len;
  const std::optional<std::uint64_t> data_bytes = checked_mul(rows, dim, width);
  EMBEDKIT_CHECK(data_bytes && data.size() - data_at == *data_bytes,
                 FormatError,
                 fmt::format("{}: byte {}: shape ({}, {}) needs {:.0f} bytes of data, the file has {}", source, data_at,
                             rows, dim, static_cast<double>(rows) * static_cast<double>(dim * width),
                             data.size() - data_at));

  const WordsFile vocab = parse_words_file(words, words_source, rows);
  const std::size_t want = options.limit > 0 ? std::min<std::size_t>(options.limit, rows) : rows;
  EmbeddingTable table(want, dim);
  const char* values = data.data() + data_at;
  for (std::size_t r = 0; r < want; ++r) {
    float* row = table.data() + r * table.stride();
    for (std::size_t d = 0; d < dim; ++d) {
      const std::size_t index = fortran ? d * rows + r : r * dim + d;
      float value;
      if (width == 4) {
        std::memcpy(&value, values + index * 4, 4);
      } else {
        double wide;
        std::memcpy(&wide, values + index * 8, 8);
        value = static_cast<float>(wide);
      }
      if (!options.allow_non_finite && !std::isfinite(value)) [[unlikely]] {
        throw FormatError(fmt::format("{}: byte {}: row {} column {} is {} (allow non-finite values to load it)",
                                      source, data_at + index * width, r, d, value),
                          "finite values");
      }
      row[d] = value;
    }
  }
  WordList list(words_source, "line", options);
  list.reserve(want);
  for (std::size_t r = 0; r < want; ++r) list.add(vocab.words[r], vocab.counts[r], r + 1);
  WordList::Result result = list.finish();
  if (result.kept_rows) table = keep_rows(table, *result.kept_rows, table.rows());
  WordVectors vectors(std::move(result.vocabulary), std::move(table));
  vectors.metadata["format"] = "npy";
  return vectors;
}

namespace {

// The header of a C-order float32 array of rows x dim, padded so that the data starts on a
// 64-byte boundary.
std::string npy_header(std::size_t rows, std::size_t dim) {
  std::string dict = fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}", rows, dim);
  const std::size_t total = (10 + dict.size() + 1 + 63) / 64 * 64;
  dict.resize(total - 10 - 1, ' ');
  dict.push_back('\n');
  std::string buffer = "\x93NUMPY";
  buffer.push_back('\x01');
  buffer.push_back('\x00');
  const auto len = static_cast<std::uint16_t>(dict.size());
  buffer.append(reinterpret_cast<const char*>(&len), 2);
  buffer += dict;
  return buffer;
}

}  // namespace

void write_npy(const WordVectors& vectors, AtomicFileWriter& out, std::size_t limit) {
  const std::size_t rows = limit > 0 ? std::min(limit, vectors.size()) : vectors.size();
  const std::size_t dim = vectors.dim();
  std::string buffer = npy_header(rows, dim);
  std::vector<float> v(dim);
  for (std::size_t r = 0; r < rows; ++r) {
    output_vector(vectors, static_cast<TokenId>(r), v);
    buffer.append(reinterpret_cast<const char*>(v.data()), dim * sizeof(float));
    if (buffer.size() > (1U << 20U)) {
      out.write(buffer);
      buffer.clear();
    }
  }
  out.write(buffer);
}

}  // namespace embedkit::detail

namespace embedkit {

void save_npy_matrix(const std::string& path, std::span<const float> values, std::size_t rows, std::size_t cols) {
  EMBEDKIT_CHECK(values.size() == rows * cols, ArgumentError,
                 fmt::format("{} values are not a {} x {} matrix", values.size(), rows, cols));
  AtomicFileWriter out(path);
  out.write(detail::npy_header(rows, cols));
  out.write(std::string_view(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
  out.commit();
}

}  // namespace embedkit
