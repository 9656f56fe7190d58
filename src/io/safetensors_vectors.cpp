// safetensors: u64 header size, a JSON header naming each tensor's dtype, shape and byte range,
// then the data. embedkit writes one F32 tensor "embeddings" (words, then subword buckets) and
// keeps the words, counts, subword settings and metadata in "__metadata__" (string values).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/checked_size.h"
#include "embedkit/core/error.h"
#include "formats.h"
#include "word_list.h"

namespace embedkit::detail {
namespace {

constexpr std::string_view kWordsKey = "embedkit.words";    // words joined by "\n"
constexpr std::string_view kCountsKey = "embedkit.counts";  // counts joined by " "
constexpr std::string_view kSubwordsKey = "embedkit.subwords";  // "minn maxn bucket"
// Hugging Face's safetensors refuses JSON headers over 100 MB; so does embedkit (a parsed JSON
// header takes ~16x its size in memory).
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find(separator, pos);
    if (end == std::string_view::npos) end = text.size();
    parts.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return parts;
}

}  // namespace

WordVectors parse_safetensors(std::string_view data, std::string_view source, std::string_view words,
                              std::string_view words_source, const LoadOptions& options) {
  EMBEDKIT_CHECK(data.size() >= 8, FormatError, fmt::format("{}: byte 0: too short for safetensors", source));
  std::uint64_t header_size = 0;
  std::memcpy(&header_size, data.data(), 8);
  EMBEDKIT_CHECK(header_size <= data.size() - 8, FormatError,
                 fmt::format("{}: byte 0: header of {} bytes runs past the end of the file", source, header_size));
  EMBEDKIT_CHECK(header_size <= kMaxHeaderBytes, FormatError,
                 fmt::format("{}: byte 0: a JSON header of {} bytes is over the {}-byte limit of safetensors", source,
                             header_size, kMaxHeaderBytes));
  const nlohmann::json header = nlohmann::json::parse(data.substr(8, header_size), nullptr, false);
  EMBEDKIT_CHECK(header.is_object(), FormatError, fmt::format("{}: byte 8: the header is not a JSON object", source));
  const std::string_view buffer = data.substr(8 + header_size);

  // The tensor: "embeddings", else the only one.
  std::string name;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") continue;
    if (key == "embeddings" || name.empty()) name = key;
    else if (name != "embeddings") name = "\x01";  // more than one candidate
  }
  EMBEDKIT_CHECK(!name.empty() && name != "\x01", FormatError,
                 fmt::format("{}: byte 8: expected one tensor (or one named \"embeddings\"), found {}", source,
                             header.size()));
  const nlohmann::json& tensor = header[name];
  EMBEDKIT_CHECK(tensor.is_object() && tensor.contains("dtype") && tensor.contains("shape") &&
                     tensor.contains("data_offsets") && tensor["dtype"].is_string() && tensor["shape"].is_array() &&
                     tensor["data_offsets"].is_array() && tensor["data_offsets"].size() == 2 &&
                     tensor["data_offsets"][0].is_number_unsigned() && tensor["data_offsets"][1].is_number_unsigned(),
                 FormatError, fmt::format("{}: byte 8: tensor {:?} lacks dtype, shape or data_offsets", source, name));
  const std::string dtype = tensor["dtype"].get<std::string>();
  EMBEDKIT_CHECK(dtype == "F32" || dtype == "F64", FormatError,
                 fmt::format("{}: byte 8: tensor {:?} has dtype {}; F32 and F64 are supported", source, name, dtype));
  const std::size_t width = dtype == "F32" ? 4 : 8;
  const nlohmann::json& shape = tensor["shape"];
  EMBEDKIT_CHECK(shape.size() == 2 && shape[0].is_number_unsigned() && shape[1].is_number_unsigned(), FormatError,
                 fmt::format("{}: byte 8: tensor {:?} is not 2-D", source, name));
  const auto rows = shape[0].get<std::uint64_t>();
  const auto dim = shape[1].get<std::uint64_t>();
  const auto begin = tensor["data_offsets"][0].get<std::uint64_t>();
  const auto end = tensor["data_offsets"][1].get<std::uint64_t>();
  EMBEDKIT_CHECK(dim > 0 && dim <= (1U << 20U), FormatError,
                 fmt::format("{}: byte 8: dimension {} is outside 1 .. 1048576", source, dim));
  const std::optional<std::uint64_t> tensor_bytes = checked_mul(rows, dim, width);
  EMBEDKIT_CHECK(begin <= end && end <= buffer.size() && tensor_bytes && end - begin == *tensor_bytes,
                 FormatError,
                 fmt::format("{}: byte 8: tensor {:?} of shape [{}, {}] {} does not match its data range [{}, {}) in "
                             "a buffer of {} bytes",
                             source, name, rows, dim, dtype, begin, end, buffer.size()));

  // Words and settings from the metadata, else from the vocabulary file.
  std::map<std::string, std::string> metadata;
  if (header.contains("__metadata__") && header["__metadata__"].is_object()) {
    for (const auto& [key, value] : header["__metadata__"].items()) {
      if (value.is_string()) metadata[key] = value.get<std::string>();
    }
  }
  std::optional<SubwordOptions> subwords;
  if (const auto it = metadata.find(std::string(kSubwordsKey)); it != metadata.end()) {
    SubwordOptions sub;
    unsigned long long bucket = 0;
    char tail = 0;
    EMBEDKIT_CHECK(std::sscanf(it->second.c_str(), "%u %u %llu %c", &sub.minn, &sub.maxn, &bucket, &tail) == 3,
                   FormatError,
                   fmt::format("{}: metadata {} = {:?} is not \"minn maxn bucket\"", source, kSubwordsKey, it->second));
    sub.bucket = bucket;
    // minn = maxn = 0: bucket rows without character n-grams (a classifier's word n-grams).
    EMBEDKIT_CHECK((sub.enabled() || (sub.minn == 0 && sub.maxn == 0 && sub.bucket > 0)) && bucket < UINT32_MAX, FormatError,
                   fmt::format("{}: metadata {} = {:?}: subword settings minn {} maxn {} bucket {} are invalid", source,
                               kSubwordsKey, it->second, sub.minn, sub.maxn, bucket));
    subwords = sub;
  }
  // The subword buckets first: they say how many words the tensor's rows leave, and so bound
  // what the word list may hold before it is split (a header of newlines must not cost 16 bytes
  // of index per byte).
  const std::uint64_t bucket_rows = subwords ? subwords->bucket : 0;
  EMBEDKIT_CHECK(bucket_rows <= rows, FormatError,
                 fmt::format("{}: {} subword buckets for a tensor of {} rows", source, bucket_rows, rows));
  const std::uint64_t expected_words = rows - bucket_rows;
  std::vector<std::string_view> word_list;
  std::vector<std::uint64_t> counts;
  WordsFile file;
  std::string_view where = source;
  if (const auto it = metadata.find(std::string(kWordsKey)); it != metadata.end()) {
    const auto lines = static_cast<std::uint64_t>(std::count(it->second.begin(), it->second.end(), '\n')) + 1;
    EMBEDKIT_CHECK(lines == expected_words, FormatError,
                   fmt::format("{}: {} words + {} buckets for a tensor of {} rows", source, lines, bucket_rows, rows));
    word_list = split(it->second, '\n');
    if (const auto c = metadata.find(std::string(kCountsKey)); c != metadata.end()) {
      const auto fields = static_cast<std::size_t>(std::count(c->second.begin(), c->second.end(), ' ')) + 1;
      EMBEDKIT_CHECK(fields == word_list.size(), FormatError,
                     fmt::format("{}: metadata {} holds {} counts for {} words", source, kCountsKey, fields,
                                 word_list.size()));
      const std::vector<std::string_view> parts = split(c->second, ' ');
      for (const std::string_view part : parts) {
        std::uint64_t count = 0;
        const auto [parsed_end, ec] = std::from_chars(part.data(), part.data() + part.size(), count);
        EMBEDKIT_CHECK(ec == std::errc() && parsed_end == part.data() + part.size() && !part.empty(), FormatError,
                       fmt::format("{}: metadata {}: count {:?} is not an unsigned 64-bit integer", source,
                                   kCountsKey, part.substr(0, 40)));
        counts.push_back(count);
      }
    }
  } else {
    EMBEDKIT_CHECK(!words.empty(), FormatError,
                   fmt::format("{}: no words in the metadata; give a vocabulary file", source));
    file = parse_words_file(words, words_source, expected_words);
    word_list = file.words;
    counts = file.counts;
    where = words_source;
  }
  counts.resize(word_list.size(), 0);
  EMBEDKIT_CHECK(word_list.size() == expected_words, FormatError,
                 fmt::format("{}: {} words + {} buckets for a tensor of {} rows", where, word_list.size(), bucket_rows,
                             rows));
  const std::size_t want = options.limit > 0 ? std::min<std::size_t>(options.limit, word_list.size()) : word_list.size();
  EmbeddingTable table(want + bucket_rows, dim);
  const char* values = buffer.data() + begin;
  auto copy_row = [&](std::size_t from, std::size_t to) {
    float* row = table.data() + to * table.stride();
    for (std::size_t d = 0; d < dim; ++d) {
      float value;
      if (width == 4) {
        std::memcpy(&value, values + (from * dim + d) * 4, 4);
      } else {
        double wide;
        std::memcpy(&wide, values + (from * dim + d) * 8, 8);
        value = static_cast<float>(wide);
      }
      if (!options.allow_non_finite && !std::isfinite(value)) [[unlikely]] {
        throw FormatError(fmt::format("{}: byte {}: row {} column {} is {} (allow non-finite values to load it)",
                                      source, 8 + header_size + begin + (from * dim + d) * width, from, d, value),
                          "finite values");
      }
      row[d] = value;
    }
  };
  for (std::size_t r = 0; r < want; ++r) copy_row(r, r);
  for (std::size_t b = 0; b < bucket_rows; ++b) copy_row(word_list.size() + b, want + b);
  WordList list(where, "line", options);
  list.reserve(want);
  for (std::size_t r = 0; r < want; ++r) list.add(word_list[r], counts[r], r + 1);
  WordList::Result result = list.finish();
  if (result.kept_rows) table = keep_rows(table, *result.kept_rows, want);
  WordVectors vectors(std::move(result.vocabulary), std::move(table), subwords);
  for (auto& [key, value] : metadata) {
    if (key.rfind("embedkit.", 0) != 0) vectors.metadata[key] = value;
  }
  vectors.metadata["format"] = "safetensors";
  return vectors;
}

void write_safetensors(const WordVectors& vectors, AtomicFileWriter& out, std::size_t limit) {
  const std::size_t words = limit > 0 ? std::min(limit, vectors.size()) : vectors.size();
  const std::optional<SubwordOptions>& sub = vectors.subwords();
  const std::size_t bucket = sub ? sub->bucket : 0;
  const std::size_t rows = words + bucket;
  const std::size_t dim = vectors.dim();
  nlohmann::json meta = nlohmann::json::object();
  for (const auto& [key, value] : vectors.metadata) {
    if (key != "compression" && key != "compressed_bytes") meta[key] = value;  // they describe the file read
  }
  std::string word_text, count_text;
  for (std::size_t i = 0; i < words; ++i) {
    if (i > 0) {
      word_text.push_back('\n');
      count_text.push_back(' ');
    }
    word_text.append(vectors.words().word(static_cast<TokenId>(i)));
    count_text.append(std::to_string(vectors.words().count(static_cast<TokenId>(i))));
  }
  meta[std::string(kWordsKey)] = word_text;
  meta[std::string(kCountsKey)] = count_text;
  if (sub) meta[std::string(kSubwordsKey)] = fmt::format("{} {} {}", sub->minn, sub->maxn, sub->bucket);
  nlohmann::json header = nlohmann::json::object();
  header["__metadata__"] = meta;
  header["embeddings"] = {{"dtype", "F32"}, {"shape", {rows, dim}}, {"data_offsets", {0, rows * dim * 4}}};
  std::string text = header.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.resize((text.size() + 7) / 8 * 8, ' ');  // keep the data 8-byte aligned, as the spec advises
  const std::uint64_t size = text.size();
  std::string buffer(reinterpret_cast<const char*>(&size), 8);
  buffer += text;
  const EmbeddingTable& table = vectors.table();
  auto put_floats = [&](const float* row) {
    buffer.append(reinterpret_cast<const char*>(row), dim * sizeof(float));
    if (buffer.size() > (1U << 20U)) {
      out.write(buffer);
      buffer.clear();
    }
  };
  auto put_row = [&](std::size_t r) { put_floats(table.data() + r * table.stride()); };
  for (std::size_t r = 0; r < words; ++r) put_row(r);
  // Every bucket gets a row (the shape says words + bucket): a bucket not stored is a zero row.
  const std::vector<float> zeros(dim, 0.0F);
  for (std::size_t b = 0; b < bucket; ++b) {
    if (const std::optional<std::size_t> row = vectors.bucket_row(static_cast<std::uint32_t>(b))) {
      put_row(*row);
    } else {
      put_floats(zeros.data());
    }
  }
  out.write(buffer);
}

}  // namespace embedkit::detail
