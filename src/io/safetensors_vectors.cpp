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
#include "safetensors_file.h"
#include "stored_tokenizer.h"
#include "word_list.h"

namespace embedkit::detail {
namespace {

constexpr std::string_view kWordsKey = "embedkit.words";    // words joined by "\n"
constexpr std::string_view kCountsKey = "embedkit.counts";  // counts joined by " "
constexpr std::string_view kSubwordsKey = "embedkit.subwords";  // "minn maxn bucket"

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

// "a [3, 4] F32, b [4] F16", for messages.
std::string list_tensors(const SafetensorsFile& file) {
  std::string out;
  for (const SafetensorsTensor& t : file.tensors) out += (out.empty() ? "" : ", ") + t.describe();
  return out;
}

}  // namespace

WordVectors parse_safetensors(std::string_view data, std::string_view source, std::string_view words,
                              std::string_view words_source, const LoadOptions& options) {
  const SafetensorsFile container = parse_safetensors_file(data, source);
  // The tensor: the one named by the options, else "embeddings", else the only one.
  const SafetensorsTensor* chosen = nullptr;
  if (!options.tensor.empty()) {
    chosen = container.find(options.tensor);
    EMBEDKIT_CHECK(chosen != nullptr, FormatError,
                   fmt::format("{}: byte 8: no tensor {:?} (the file holds {})", source, options.tensor,
                               list_tensors(container)));
  } else {
    chosen = container.find("embeddings");
    if (chosen == nullptr && container.tensors.size() == 1) chosen = &container.tensors[0];
    EMBEDKIT_CHECK(chosen != nullptr, FormatError,
                   fmt::format("{}: byte 8: expected one tensor (or one named \"embeddings\"), found {}{}; name "
                               "one (CLI: --tensor), or read a Hugging Face model folder (--format huggingface)",
                               source, container.tensors.size(),
                               container.tensors.empty() ? "" : fmt::format(" ({})", list_tensors(container))));
  }
  const SafetensorsTensor& tensor = *chosen;
  const std::string& name = tensor.name;
  const std::string& dtype = tensor.dtype;
  EMBEDKIT_CHECK(float_dtype_width(dtype).has_value(), FormatError,
                 fmt::format("{}: byte 8: tensor {:?} has dtype {}; F32, F16, BF16 and F64 are supported", source,
                             name, dtype));
  EMBEDKIT_CHECK(tensor.shape.size() == 2, FormatError,
                 fmt::format("{}: byte 8: tensor {:?} is not 2-D", source, name));
  const std::uint64_t rows = tensor.shape[0];
  const std::uint64_t dim = tensor.shape[1];
  EMBEDKIT_CHECK(dim > 0 && dim <= (1U << 20U), FormatError,
                 fmt::format("{}: byte 8: dimension {} is outside 1 .. 1048576", source, dim));

  // Words and settings from the metadata, else from the vocabulary file.
  std::map<std::string, std::string> metadata = container.metadata;
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
  copy_tensor_rows(container, tensor, 0, want, table, 0, options.allow_non_finite);
  copy_tensor_rows(container, tensor, word_list.size(), bucket_rows, table, want, options.allow_non_finite);
  WordList list(where, "line", options);
  list.reserve(want);
  for (std::size_t r = 0; r < want; ++r) list.add(word_list[r], counts[r], r + 1);
  WordList::Result result = list.finish();
  if (result.kept_rows) table = keep_rows(table, *result.kept_rows, want);
  WordVectors vectors(std::move(result.vocabulary), std::move(table), subwords);
  restore_stored_tokenizer(vectors, metadata, source);
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
  if (vectors.piece_tokenizer()) meta[std::string(kTokenizerKey)] = encode_stored_tokenizer(*vectors.piece_tokenizer());
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
