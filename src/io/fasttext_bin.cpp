// fastText .bin models (Facebook fastText 0.1 - 0.9): read and written.
//
// Layout (little-endian; int = int32, long = int64):
//   [int magic 793712314, int version (11 or 12)]   absent in the old pre-0.1 format
//   args:  int dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn,
//          lrUpdateRate; double t
//   dictionary: int size, nwords, nlabels; long ntokens; [long pruneidx_size]   (new format)
//          size x { word bytes, '\0', long count, int8 type (0 word, 1 label) }
//          pruneidx_size x { int, int }
//   [bool quant_input] (new format) + matrix: long rows, long cols, rows x cols float
//   [bool qout]        (new format) + matrix (the output layer)
// Input matrix rows: nwords words, then `bucket` hashed n-gram rows.
#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "embedkit/core/error.h"
#include "formats.h"
#include "word_list.h"

namespace embedkit::detail {
namespace {

constexpr std::int32_t kMagic = 793712314;
constexpr std::int32_t kVersion = 12;
const char* const kArgNames[] = {"dim",  "ws",     "epoch", "minCount", "neg",  "wordNgrams",
                                 "loss", "model",  "bucket", "minn",    "maxn", "lrUpdateRate"};

// Bounds-checked little-endian reads; errors name the byte offset and what was being read.
class Cursor {
 public:
  Cursor(std::string_view data, std::string_view source) : data_(data), source_(source) {}
  template <class T>
  T read(std::string_view what) {
    need(sizeof(T), what);
    T value;
    std::memcpy(&value, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }
  void need(std::size_t bytes, std::string_view what) const {
    EMBEDKIT_CHECK(data_.size() - pos_ >= bytes, FormatError,
                   fmt::format("{}: byte {}: truncated while reading {} ({} bytes needed, {} left)", source_, pos_,
                               what, bytes, data_.size() - pos_));
  }
  std::string_view take(std::size_t bytes, std::string_view what) {
    need(bytes, what);
    const std::string_view out = data_.substr(pos_, bytes);
    pos_ += bytes;
    return out;
  }
  // Bytes up to a '\0' (consumed).
  std::string_view c_string(std::string_view what) {
    const void* zero = std::memchr(data_.data() + pos_, '\0', data_.size() - pos_);
    EMBEDKIT_CHECK(zero != nullptr, FormatError,
                   fmt::format("{}: byte {}: truncated inside {} (no terminating NUL)", source_, pos_, what));
    const std::size_t end = static_cast<std::size_t>(static_cast<const char*>(zero) - data_.data());
    const std::string_view out = data_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return out;
  }
  [[nodiscard]] std::size_t pos() const noexcept { return pos_; }
  [[nodiscard]] std::size_t left() const noexcept { return data_.size() - pos_; }
  [[nodiscard]] std::string_view source() const noexcept { return source_; }

 private:
  std::string_view data_;
  std::string_view source_;
  std::size_t pos_ = 0;
};

// A matrix header and its floats (validated against the bytes left).
struct Matrix {
  std::int64_t rows;
  std::int64_t cols;
  std::string_view floats;
  std::size_t offset;
};

Matrix read_matrix(Cursor& in, bool new_format, std::string_view name) {
  if (new_format) {
    const auto quantized = in.read<std::uint8_t>(fmt::format("the {} matrix's quantization flag", name));
    EMBEDKIT_CHECK(quantized == 0, FormatError,
                   fmt::format("{}: byte {}: the {} matrix is quantized (a .ftz model); embedkit reads only "
                               "unquantized .bin models",
                               in.source(), in.pos() - 1, name));
  }
  const std::size_t at = in.pos();
  const auto rows = in.read<std::int64_t>(fmt::format("the {} matrix's rows", name));
  const auto cols = in.read<std::int64_t>(fmt::format("the {} matrix's columns", name));
  EMBEDKIT_CHECK(rows >= 0 && cols >= 0 && (cols == 0 || static_cast<std::uint64_t>(rows) <= in.left() / 4 / static_cast<std::uint64_t>(cols)),
                 FormatError,
                 fmt::format("{}: byte {}: the {} matrix claims {} x {} floats but only {} bytes follow", in.source(),
                             at, name, rows, cols, in.left()));
  const std::size_t bytes = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols) * sizeof(float);
  return {rows, cols, in.take(bytes, fmt::format("the {} matrix", name)), in.pos() - bytes};
}

// Copies `count` rows of `m` from `first_row` on into the table rows starting at `dst`.
void copy_rows(const Matrix& m, float* dst, std::size_t stride, std::size_t first_row, std::size_t count,
               bool allow_non_finite, std::string_view source, std::string_view name) {
  const std::size_t cols = static_cast<std::size_t>(m.cols);
  for (std::size_t r = 0; r < count; ++r) {
    float* row = dst + r * stride;
    std::memcpy(row, m.floats.data() + (first_row + r) * cols * sizeof(float), cols * sizeof(float));
    if (allow_non_finite) continue;
    for (std::size_t d = 0; d < cols; ++d) {
      if (!std::isfinite(row[d])) [[unlikely]] {
        throw FormatError(fmt::format("{}: byte {}: row {} of the {} matrix holds {} (allow non-finite values to "
                                      "load it)",
                                      source, m.offset + ((first_row + r) * cols + d) * sizeof(float), first_row + r,
                                      name, row[d]),
                          "finite values");
      }
    }
  }
}

}  // namespace

WordVectors parse_fasttext_bin(std::string_view data, std::string_view source, const LoadOptions& options) {
  Cursor in(data, source);
  std::int32_t version = 0;
  const bool new_format = data.size() >= 4 && [&] {
    std::int32_t magic = 0;
    std::memcpy(&magic, data.data(), 4);
    return magic == kMagic;
  }();
  if (new_format) {
    (void)in.read<std::int32_t>("the magic number");
    version = in.read<std::int32_t>("the format version");
    EMBEDKIT_CHECK(version == 11 || version == 12, FormatError,
                   fmt::format("{}: byte 4: fastText format version {} is not 11 or 12", source, version));
  }
  std::int32_t args[12];
  for (int i = 0; i < 12; ++i) args[i] = in.read<std::int32_t>(fmt::format("the argument {}", kArgNames[i]));
  const auto t = in.read<double>("the argument t");
  const std::int32_t dim = args[0], loss = args[6], model = args[7], bucket = args[8];
  std::int32_t minn = args[9], maxn = args[10];
  EMBEDKIT_CHECK(dim > 0 && dim <= (1 << 20) && bucket >= 0 && minn >= 0 && maxn >= 0 && maxn <= 100 &&
                     loss >= 1 && loss <= 4 && model >= 1 && model <= 3,
                 FormatError,
                 fmt::format("{}: byte {}: implausible fastText arguments (dim {}, bucket {}, minn {}, maxn {}, loss "
                             "{}, model {}): not a fastText .bin model?",
                             source, new_format ? 8 : 0, dim, bucket, minn, maxn, loss, model));
  if (version == 11 && model == 3) maxn = 0;  // fastText 0.1 supervised models had no char n-grams

  const std::size_t dict_at = in.pos();
  const auto size = in.read<std::int32_t>("the dictionary size");
  const auto nwords = in.read<std::int32_t>("the number of words");
  const auto nlabels = in.read<std::int32_t>("the number of labels");
  const auto ntokens = in.read<std::int64_t>("the number of tokens");
  std::int64_t pruneidx_size = 0;
  if (new_format) pruneidx_size = in.read<std::int64_t>("the pruned index size");
  EMBEDKIT_CHECK(size >= 0 && nwords >= 0 && nlabels >= 0 && static_cast<std::int64_t>(nwords) + nlabels == size &&
                     static_cast<std::size_t>(size) <= in.left() / 10,
                 FormatError,
                 fmt::format("{}: byte {}: dictionary of {} entries ({} words + {} labels) does not fit the file",
                             source, dict_at, size, nwords, nlabels));
  EMBEDKIT_CHECK(pruneidx_size <= 0, FormatError,
                 fmt::format("{}: byte {}: the dictionary is pruned (a quantized .ftz model); embedkit reads only "
                             "unquantized .bin models",
                             source, dict_at));

  const std::size_t want = options.limit > 0 ? std::min<std::size_t>(options.limit, static_cast<std::size_t>(nwords))
                                             : static_cast<std::size_t>(nwords);
  WordList list(source, "byte", options);
  list.reserve(want);
  std::string labels;
  for (std::int32_t i = 0; i < size; ++i) {
    const std::size_t at = in.pos();
    const std::string_view word = in.c_string(fmt::format("dictionary entry {}", i + 1));
    const auto count = in.read<std::int64_t>(fmt::format("the count of dictionary entry {}", i + 1));
    const auto type = in.read<std::int8_t>(fmt::format("the type of dictionary entry {}", i + 1));
    EMBEDKIT_CHECK((type == 0 && i < nwords) || (type == 1 && i >= nwords), FormatError,
                   fmt::format("{}: byte {}: dictionary entry {} has type {}, expected {} (words come before labels)",
                               source, at, i + 1, type, i < nwords ? "0 (word)" : "1 (label)"));
    EMBEDKIT_CHECK(count >= 0, FormatError,
                   fmt::format("{}: byte {}: dictionary entry {} has a negative count {}", source, at, i + 1, count));
    if (type == 0) {
      if (static_cast<std::size_t>(i) >= want) continue;
      // fastText can store an empty word (e.g. from a blank line of pretrained vectors); no
      // token can ever be it, so its row is dropped.
      if (word.empty()) {
        list.add_dropped();
      } else {
        list.add(word, static_cast<std::uint64_t>(count), at);
      }
    } else {
      labels += fmt::format("{}{} {}", labels.empty() ? "" : "\n", word, count);
    }
  }

  const Matrix input = read_matrix(in, new_format, "input");
  EMBEDKIT_CHECK(input.cols == dim && input.rows == static_cast<std::int64_t>(nwords) + bucket, FormatError,
                 fmt::format("{}: byte {}: the input matrix is {} x {}, expected {} words + {} buckets = {} rows of {}",
                             source, input.offset - 16, input.rows, input.cols, nwords, bucket,
                             static_cast<std::int64_t>(nwords) + bucket, dim));
  // Char n-gram rows are kept only when the model uses them (supervised models' buckets hold
  // word n-grams, which are no use for word vectors).
  const SubwordOptions subwords{static_cast<std::uint32_t>(minn), static_cast<std::uint32_t>(maxn),
                                static_cast<std::uint64_t>(bucket)};
  const bool keep_buckets = subwords.enabled();
  const std::size_t bucket_rows = keep_buckets ? static_cast<std::size_t>(bucket) : 0;
  EmbeddingTable table(want + bucket_rows, static_cast<std::size_t>(dim));
  copy_rows(input, table.data(), table.stride(), 0, want, options.allow_non_finite, source, "input");
  copy_rows(input, table.data() + want * table.stride(), table.stride(), static_cast<std::size_t>(nwords),
            bucket_rows, options.allow_non_finite, source, "input");

  const Matrix output_matrix = read_matrix(in, new_format, "output");
  EMBEDKIT_CHECK(output_matrix.cols == dim, FormatError,
                 fmt::format("{}: byte {}: the output matrix has {} columns, expected {}", source,
                             output_matrix.offset - 16, output_matrix.cols, dim));
  EMBEDKIT_CHECK(in.left() == 0, FormatError,
                 fmt::format("{}: byte {}: {} unexpected bytes after the output matrix", source, in.pos(), in.left()));

  WordList::Result result = list.finish();
  if (result.kept_rows) table = keep_rows(table, *result.kept_rows, want);
  WordVectors vectors(std::move(result.vocabulary), std::move(table),
                      keep_buckets ? std::optional<SubwordOptions>(subwords) : std::nullopt);
  if (options.limit == 0 && !result.kept_rows) {
    // Everything is here: keep the output layer, so that writing .bin gives the same model back.
    EmbeddingTable out(static_cast<std::size_t>(output_matrix.rows), static_cast<std::size_t>(dim));
    copy_rows(output_matrix, out.data(), out.stride(), 0, out.rows(), true, source, "output");
    vectors.output = std::move(out);
  }
  auto& meta = vectors.metadata;
  meta["format"] = "fasttext";
  meta["fasttext.version"] = new_format ? std::to_string(version) : "old (no magic)";
  for (int i = 0; i < 12; ++i) meta[fmt::format("fasttext.{}", kArgNames[i])] = std::to_string(args[i]);
  meta["fasttext.t"] = fmt::format("{}", t);
  meta["fasttext.ntokens"] = std::to_string(ntokens);
  if (new_format) meta["fasttext.pruneidx_size"] = std::to_string(pruneidx_size);
  if (!labels.empty()) meta["fasttext.labels"] = labels;
  if (list.dropped_empty() > 0) meta["dropped_empty_words"] = std::to_string(list.dropped_empty());
  if (result.kept_rows && result.kept_rows->size() + list.dropped_empty() < want) {
    meta["dropped_duplicates"] = std::to_string(want - result.kept_rows->size() - list.dropped_empty());
  }
  if (model == 3 && bucket > 0 && !keep_buckets) meta["fasttext.dropped_word_ngram_buckets"] = std::to_string(bucket);
  return vectors;
}

void write_fasttext_bin(const WordVectors& vectors, AtomicFileWriter& out) {
  const auto& meta = vectors.metadata;
  auto arg = [&](const char* name, std::int64_t fallback) -> std::int32_t {
    const auto it = meta.find(fmt::format("fasttext.{}", name));
    return static_cast<std::int32_t>(it != meta.end() ? std::stoll(it->second) : fallback);
  };
  const std::optional<SubwordOptions>& sub = vectors.subwords();
  std::int32_t args[12];
  const std::int64_t fallback[12] = {static_cast<std::int64_t>(vectors.dim()), 5, 5, 5, 5, 1, 2, 2,
                                     sub ? static_cast<std::int64_t>(sub->bucket) : 0,
                                     sub ? sub->minn : 0, sub ? sub->maxn : 0, 100};
  for (int i = 0; i < 12; ++i) args[i] = arg(kArgNames[i], fallback[i]);
  // What the table really holds wins over stale metadata.
  args[0] = static_cast<std::int32_t>(vectors.dim());
  if (sub) {
    args[8] = static_cast<std::int32_t>(sub->bucket);
    args[9] = static_cast<std::int32_t>(sub->minn);
    args[10] = static_cast<std::int32_t>(sub->maxn);
  } else if (args[7] != 3) {
    args[8] = 0;
    args[10] = 0;
  } else {
    args[8] = 0;  // supervised: the word n-gram buckets were not kept
  }
  const auto t_it = meta.find("fasttext.t");
  const double t = t_it != meta.end() ? std::stod(t_it->second) : 1e-4;

  // Labels of supervised models, "label count" per line.
  std::vector<std::pair<std::string, std::int64_t>> labels;
  if (const auto it = meta.find("fasttext.labels"); it != meta.end()) {
    std::size_t pos = 0;
    const std::string& text = it->second;
    while (pos < text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      const std::string line = text.substr(pos, end - pos);
      const std::size_t space = line.rfind(' ');
      labels.emplace_back(line.substr(0, space), space == std::string::npos ? 0 : std::stoll(line.substr(space + 1)));
      pos = end + 1;
    }
  }

  std::string buffer;
  auto put = [&](const auto& value) { buffer.append(reinterpret_cast<const char*>(&value), sizeof value); };
  put(kMagic);
  put(kVersion);
  for (const std::int32_t a : args) put(a);
  put(t);
  const std::size_t nwords = vectors.size();
  std::uint64_t token_sum = 0;
  for (const std::uint64_t c : vectors.words().counts()) token_sum += c;
  const auto nt = meta.find("fasttext.ntokens");
  const std::int64_t ntokens = nt != meta.end() ? std::stoll(nt->second) : static_cast<std::int64_t>(token_sum);
  put(static_cast<std::int32_t>(nwords + labels.size()));
  put(static_cast<std::int32_t>(nwords));
  put(static_cast<std::int32_t>(labels.size()));
  put(ntokens);
  const auto pruned = meta.find("fasttext.pruneidx_size");
  put(std::int64_t{pruned != meta.end() ? std::stoll(pruned->second) : -1});  // -1: not pruned (fastText's default)
  for (std::size_t i = 0; i < nwords; ++i) {
    buffer.append(vectors.words().word(static_cast<TokenId>(i)));
    buffer.push_back('\0');
    put(static_cast<std::int64_t>(vectors.words().count(static_cast<TokenId>(i))));
    put(std::int8_t{0});
  }
  for (const auto& [label, count] : labels) {
    buffer.append(label);
    buffer.push_back('\0');
    put(count);
    put(std::int8_t{1});
  }
  const EmbeddingTable& table = vectors.table();
  auto put_row = [&](const float* row, std::size_t dim) {
    buffer.append(reinterpret_cast<const char*>(row), dim * sizeof(float));
    if (buffer.size() > (1U << 20U)) {
      out.write(buffer);
      buffer.clear();
    }
  };
  auto put_shape = [&](std::size_t rows, std::size_t dim) {
    put(std::uint8_t{0});  // not quantized
    put(static_cast<std::int64_t>(rows));
    put(static_cast<std::int64_t>(dim));
    out.write(buffer);
    buffer.clear();
  };
  auto put_matrix = [&](const EmbeddingTable& m) {
    put_shape(m.rows(), m.dim());
    for (std::size_t r = 0; r < m.rows(); ++r) put_row(m.data() + r * m.stride(), m.dim());
  };
  if (vectors.stores_every_bucket()) {
    put_matrix(table);
  } else {
    // fastText's input matrix has a row for every bucket: the ones not stored are zero rows.
    const std::vector<float> zeros(vectors.dim(), 0.0F);
    put_shape(nwords + sub->bucket, vectors.dim());
    for (std::size_t r = 0; r < nwords; ++r) put_row(table.data() + r * table.stride(), vectors.dim());
    const std::span<const std::uint32_t> stored = vectors.stored_buckets();
    std::size_t next = 0;
    for (std::uint32_t b = 0; b < sub->bucket; ++b) {
      const bool has_row = next < stored.size() && stored[next] == b;
      put_row(has_row ? table.data() + (nwords + next++) * table.stride() : zeros.data(), vectors.dim());
    }
  }
  if (vectors.output) {
    put_matrix(*vectors.output);
  } else {
    // No output layer known (vectors from another format): zeros, one row per word (per label
    // for supervised models), so that fastText can load the model and print word vectors.
    put_matrix(EmbeddingTable(args[7] == 3 ? labels.size() : nwords, vectors.dim()));
  }
  out.write(buffer);
}

}  // namespace embedkit::detail
