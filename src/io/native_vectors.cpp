#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <nlohmann/json.hpp>

#include "core/checked_size.h"
#include "core/content_hash.h"
#include "embedkit/core/error.h"
#include "embedkit/io/native_format.h"
#include "embedkit/table/compressed_table.h"
#include "formats.h"
#include "stored_tokenizer.h"

namespace embedkit::detail {
namespace {

namespace nf = native_format;

struct Header {
  std::uint32_t version, dtype;
  std::uint64_t rows, dim, stride, words;
  std::uint32_t minn, maxn;
  std::uint64_t bucket;
  std::uint64_t offsets_at, word_bytes_at, word_bytes_size, counts_at, index_at, slots, metadata_at, metadata_size,
      tensor_at, tensor_bytes, output_at, output_rows;
  std::uint64_t flags, header_checksum, tensor_checksum;
  std::uint64_t stored_buckets_at, stored_bucket_count;  // version 2; count 0 with version 1
  [[nodiscard]] std::size_t fields_end() const {
    return version == nf::kVersionStoredBuckets ? nf::kFieldsEndV2 : nf::kFieldsEnd;
  }
};

template <class T>
T read_at(std::string_view data, std::size_t at) {
  T value;
  std::memcpy(&value, data.data() + at, sizeof(T));
  return value;
}

Header read_header(std::string_view data, std::string_view source) {
  EMBEDKIT_CHECK(data.size() >= nf::kFieldsEnd && data.substr(0, 8) == nf::kMagic, FormatError,
                 fmt::format("{}: byte 0: not an embedkit native vector file (no \"EMBEDKIT\" header)", source));
  Header h{};
  h.version = read_at<std::uint32_t>(data, 8);
  h.dtype = read_at<std::uint32_t>(data, 12);
  EMBEDKIT_CHECK(h.version == nf::kVersion || h.version == nf::kVersionStoredBuckets, FormatError,
                 fmt::format("{}: byte 8: format version {} is not supported (this embedkit reads versions {} and {})",
                             source, h.version, nf::kVersion, nf::kVersionStoredBuckets));
  EMBEDKIT_CHECK(data.size() >= h.fields_end(), FormatError,
                 fmt::format("{}: byte 0: the file ends inside its header", source));
  EMBEDKIT_CHECK(h.dtype == nf::kFloat32 || h.dtype == nf::kCompressed, FormatError,
                 fmt::format("{}: byte 12: dtype {} is not supported (1 = float32, 2 = compressed)", source, h.dtype));
  h.rows = read_at<std::uint64_t>(data, 16);
  h.dim = read_at<std::uint64_t>(data, 24);
  h.stride = read_at<std::uint64_t>(data, 32);
  h.words = read_at<std::uint64_t>(data, 40);
  h.minn = read_at<std::uint32_t>(data, 48);
  h.maxn = read_at<std::uint32_t>(data, 52);
  h.bucket = read_at<std::uint64_t>(data, 56);
  std::uint64_t* fields[] = {&h.offsets_at, &h.word_bytes_at, &h.word_bytes_size, &h.counts_at, &h.index_at,
                             &h.slots,      &h.metadata_at,   &h.metadata_size,   &h.tensor_at, &h.tensor_bytes,
                             &h.output_at,  &h.output_rows};
  for (std::size_t i = 0; i < std::size(fields); ++i) *fields[i] = read_at<std::uint64_t>(data, 64 + 8 * i);
  h.flags = read_at<std::uint64_t>(data, nf::kFlagsAt);
  h.header_checksum = read_at<std::uint64_t>(data, nf::kHeaderChecksumAt);
  h.tensor_checksum = read_at<std::uint64_t>(data, nf::kTensorChecksumAt);
  if (h.version == nf::kVersionStoredBuckets) {
    h.stored_buckets_at = read_at<std::uint64_t>(data, nf::kStoredBucketsAt);
    h.stored_bucket_count = read_at<std::uint64_t>(data, nf::kStoredBucketCountAt);
  }
  EMBEDKIT_CHECK(h.flags <= (nf::kHasChecksums | nf::kHasNonFinite), FormatError,
                 fmt::format("{}: byte {}: unknown flags {:#x}", source, nf::kFlagsAt, h.flags));

  EMBEDKIT_CHECK(h.dim > 0 && h.dim <= (1U << 20U) && h.stride == EmbeddingTable::padded_stride(h.dim), FormatError,
                 fmt::format("{}: byte 24: dim {} with stride {} is invalid", source, h.dim, h.stride));
  const bool has_subwords = h.minn != 0 || h.maxn != 0 || h.bucket != 0;
  const bool listed = h.version == nf::kVersionStoredBuckets;
  EMBEDKIT_CHECK(!listed || (has_subwords && h.stored_bucket_count <= h.bucket), FormatError,
                 fmt::format("{}: byte {}: {} stored buckets of {}", source, nf::kStoredBucketCountAt,
                             h.stored_bucket_count, h.bucket));
  const std::uint64_t bucket_rows = listed ? h.stored_bucket_count : has_subwords ? h.bucket : 0;
  EMBEDKIT_CHECK(h.words < UINT32_MAX && h.rows == h.words + bucket_rows && h.bucket < UINT32_MAX, FormatError,
                 fmt::format("{}: byte 16: {} rows do not equal {} words + {} {}buckets", source, h.rows, h.words,
                             bucket_rows, listed ? "stored " : ""));
  auto section = [&](std::uint64_t at, std::uint64_t bytes, std::size_t alignment, std::string_view what,
                     std::size_t field_offset) {
    EMBEDKIT_CHECK(at >= h.fields_end() && at % alignment == 0 && at <= data.size() && bytes <= data.size() - at,
                   FormatError,
                   fmt::format("{}: byte {}: the {} ({} bytes at offset {}) is misaligned or outside the {}-byte file",
                               source, field_offset, what, bytes, at, data.size()));
  };
  section(h.offsets_at, (h.words + 1) * 8, 8, "word offsets", 64);
  section(h.word_bytes_at, h.word_bytes_size, 1, "word bytes", 72);
  // A compressed file may leave out its counts (offset 0: all 0) and word index (built on opening).
  EMBEDKIT_CHECK(h.dtype == nf::kCompressed || (h.counts_at != 0 && h.index_at != 0), FormatError,
                 fmt::format("{}: byte 88: a float32 file must hold its counts and word index", source));
  if (h.counts_at != 0) section(h.counts_at, h.words * 8, 8, "word counts", 88);
  if (listed) section(h.stored_buckets_at, h.stored_bucket_count * 4, 4, "stored buckets", nf::kStoredBucketsAt);
  // Before the tensor: the header checksum covers everything from the word offsets up to it.
  for (const std::uint64_t at :
       {h.offsets_at, h.word_bytes_at, h.counts_at, h.index_at, h.metadata_at, listed ? h.stored_buckets_at : 0}) {
    EMBEDKIT_CHECK(at <= h.tensor_at, FormatError,
                   fmt::format("{}: byte 64: a section at offset {} comes after the tensor at {}", source, at,
                               h.tensor_at));
  }
  EMBEDKIT_CHECK(h.slots <= (std::uint64_t{1} << 40U), FormatError,
                 fmt::format("{}: byte 104: {} index slots is absurd", source, h.slots));
  EMBEDKIT_CHECK((h.index_at == 0) == (h.slots == 0), FormatError,
                 fmt::format("{}: byte 104: {} index slots with the index at offset {}", source, h.slots, h.index_at));
  if (h.index_at != 0) section(h.index_at, h.slots * 4, 4, "word index", 96);
  section(h.metadata_at, h.metadata_size, 1, "metadata", 112);
  // ...and they end before it: the tensor is mapped writable (copy-on-write), and a vocabulary
  // that overlapped it would change under writes to the table, after it was checked.
  for (const auto& [at, bytes] : {std::pair{h.offsets_at, (h.words + 1) * 8}, std::pair{h.word_bytes_at, h.word_bytes_size},
                                  std::pair{h.counts_at, h.words * 8}, std::pair{h.index_at, h.slots * 4},
                                  std::pair{h.metadata_at, h.metadata_size},
                                  std::pair{listed ? h.stored_buckets_at : 0, listed ? h.stored_bucket_count * 4 : 0}}) {
    EMBEDKIT_CHECK(at + bytes <= h.tensor_at, FormatError,
                   fmt::format("{}: byte 64: a section at offset {} ({} bytes) runs into the tensor at {}", source, at,
                               bytes, h.tensor_at));
  }
  if (h.dtype == nf::kFloat32) {
    const std::optional<std::uint64_t> tensor_bytes = checked_mul(h.rows, h.stride, 4);
    EMBEDKIT_CHECK(tensor_bytes && h.tensor_bytes == *tensor_bytes, FormatError,
                   fmt::format("{}: byte 136: a tensor of {} bytes does not hold {} rows of stride {}", source,
                               h.tensor_bytes, h.rows, h.stride));
  }
  section(h.tensor_at, h.tensor_bytes, 64, "tensor", 128);
  if (h.output_at != 0) {
    const std::optional<std::uint64_t> output_bytes = checked_mul(h.output_rows, h.stride, 4);
    EMBEDKIT_CHECK(output_bytes && h.output_at >= h.tensor_at, FormatError,
                   fmt::format("{}: byte 152: {} output rows do not fit the file", source, h.output_rows));
    section(h.output_at, *output_bytes, 64, "output layer", 144);
  }
  if ((h.flags & nf::kHasChecksums) != 0) {
    ContentHash hash;
    hash.update(data.substr(0, nf::kHeaderBytes));
    if (listed) hash.update(data.substr(nf::kStoredBucketsAt, nf::kFieldsEndV2 - nf::kStoredBucketsAt));
    hash.update(data.substr(h.offsets_at, h.tensor_at - h.offsets_at));
    EMBEDKIT_CHECK(hash.digest() == h.header_checksum, FormatError,
                   fmt::format("{}: byte {}: the header and vocabulary do not match their checksum: the file is "
                               "corrupt",
                               source, nf::kHeaderChecksumAt));
  }
  return h;
}

// The tensor checksum and (unless allowed) finite values: reads the whole tensor.
void check_tensor(std::string_view data, std::string_view source, const Header& h, bool allow_non_finite) {
  if ((h.flags & nf::kHasChecksums) != 0) {
    EMBEDKIT_CHECK(content_hash(data.substr(h.tensor_at)) == h.tensor_checksum, FormatError,
                   fmt::format("{}: byte {}: the vectors do not match their checksum: the file is corrupt", source,
                               nf::kTensorChecksumAt));
  }
  if (allow_non_finite) return;
  auto check_rows = [&](std::uint64_t at, std::uint64_t rows, std::string_view what) {
    for (std::uint64_t r = 0; r < rows; ++r) {
      for (std::uint64_t d = 0; d < h.dim; ++d) {
        const auto value = read_at<float>(data, at + (r * h.stride + d) * 4);
        if (!std::isfinite(value)) [[unlikely]] {
          throw FormatError(fmt::format("{}: byte {}: row {} of the {} holds {} (allow non-finite values to load it)",
                                        source, at + (r * h.stride + d) * 4, r, what, value),
                            "finite values");
        }
      }
    }
  };
  if (h.dtype == nf::kFloat32) check_rows(h.tensor_at, h.rows, "vectors");  // parsing compressed rows checks them
  if (h.output_at != 0) check_rows(h.output_at, h.output_rows, "output layer");
}

void refuse_flagged_non_finite(std::string_view source, const Header& h, bool allow_non_finite) {
  EMBEDKIT_CHECK(allow_non_finite || (h.flags & nf::kHasNonFinite) == 0, FormatError,
                 fmt::format("{}: byte {}: the vectors hold NaN or infinite values (allow non-finite values to load "
                             "them)",
                             source, nf::kFlagsAt));
}

// A T array at `at` of the data, copied when the bytes are not suitably aligned in memory.
template <class T>
std::span<const T> array_at(std::string_view data, std::uint64_t at, std::size_t count, std::vector<T>& copy) {
  if (count == 0) return {};  // memcpy into an empty vector's null data() is undefined
  const char* p = data.data() + at;
  if (reinterpret_cast<std::uintptr_t>(p) % alignof(T) == 0) return {reinterpret_cast<const T*>(p), count};
  copy.resize(count);
  std::memcpy(copy.data(), p, count * sizeof(T));
  return copy;
}

// Builds everything but the tables.
struct Parts {
  Vocabulary vocabulary;
  std::optional<SubwordOptions> subwords;
  std::optional<std::vector<std::uint32_t>> stored_buckets;  // version 2
  std::map<std::string, std::string> metadata;
  std::shared_ptr<const CompressedTable> compressed;  // dtype 2
};

// `keep_alive`: the owner of `data` when the vocabulary may read it in place (a mapping).
Parts read_parts(std::string_view data, std::string_view source, const Header& h,
                 std::shared_ptr<const void> keep_alive) {
  std::vector<std::uint64_t> offsets_copy, counts_copy;
  std::vector<TokenId> slots_copy;
  const auto offsets = array_at<std::uint64_t>(data, h.offsets_at, h.words + 1, offsets_copy);
  if (h.counts_at == 0) counts_copy.assign(h.words, 0);
  const auto counts = h.counts_at == 0 ? std::span<const std::uint64_t>(counts_copy)
                                       : array_at<std::uint64_t>(data, h.counts_at, h.words, counts_copy);
  const auto slots = array_at<TokenId>(data, h.index_at, h.slots, slots_copy);
  Parts parts;
  const bool in_place = keep_alive && offsets_copy.empty() && counts_copy.empty() && slots_copy.empty();
  parts.vocabulary = Vocabulary::from_parts(data.substr(h.word_bytes_at, h.word_bytes_size), offsets, counts, slots,
                                            source, in_place ? std::move(keep_alive) : nullptr);
  if (h.minn != 0 || h.maxn != 0 || h.bucket != 0) {
    const SubwordOptions sub{h.minn, h.maxn, h.bucket};
    // minn = maxn = 0: bucket rows without character n-grams (a classifier's word n-grams).
    const bool bucket_rows_only = h.minn == 0 && h.maxn == 0;
    EMBEDKIT_CHECK(sub.enabled() || bucket_rows_only, FormatError,
                   fmt::format("{}: byte 48: subword settings minn {} maxn {} bucket {} are invalid", source, h.minn,
                               h.maxn, h.bucket));
    parts.subwords = sub;
  }
  if (h.version == nf::kVersionStoredBuckets) {
    std::vector<std::uint32_t> list(h.stored_bucket_count);
    if (!list.empty()) std::memcpy(list.data(), data.data() + h.stored_buckets_at, list.size() * 4);
    for (std::size_t i = 0; i < list.size(); ++i) {
      EMBEDKIT_CHECK(list[i] < h.bucket && (i == 0 || list[i - 1] < list[i]), FormatError,
                     fmt::format("{}: byte {}: stored bucket {} (entry {}) is out of order or not below {}", source,
                                 h.stored_buckets_at + 4 * i, list[i], i, h.bucket));
    }
    parts.stored_buckets = std::move(list);
  }
  const nlohmann::json meta = nlohmann::json::parse(data.substr(h.metadata_at, h.metadata_size), nullptr, false);
  EMBEDKIT_CHECK(meta.is_object(), FormatError,
                 fmt::format("{}: byte {}: the metadata is not a JSON object", source, h.metadata_at));
  for (const auto& [key, value] : meta.items()) {
    EMBEDKIT_CHECK(value.is_string(), FormatError,
                   fmt::format("{}: byte {}: metadata value {:?} is not a string", source, h.metadata_at, key));
    parts.metadata[key] = value.get<std::string>();
  }
  return parts;
}

// dtype 2: the compressed bytes parsed (which checks every value) and decoded to float rows.
EmbeddingTable decode_compressed(std::string_view data, std::string_view source, const Header& h, Parts& parts) {
  auto compressed =
      std::make_shared<const CompressedTable>(CompressedTable::parse(data.substr(h.tensor_at, h.tensor_bytes), source));
  EMBEDKIT_CHECK(compressed->rows() == h.rows && compressed->dim() == h.dim, FormatError,
                 fmt::format("{}: byte {}: the compressed table holds {} rows of {} values, the header says {} of {}",
                             source, h.tensor_at, compressed->rows(), compressed->dim(), h.rows, h.dim));
  parts.metadata["compression"] = compressed->description();
  parts.metadata["compressed_bytes"] = std::to_string(compressed->bytes());
  parts.compressed = compressed;
  return compressed->decode_all();
}

WordVectors assemble(Parts parts, EmbeddingTable table, std::optional<EmbeddingTable> output,
                     std::string_view source) {
  WordVectors vectors = parts.stored_buckets
                            ? WordVectors(std::move(parts.vocabulary), std::move(table), *parts.subwords,
                                          std::move(*parts.stored_buckets))
                            : WordVectors(std::move(parts.vocabulary), std::move(table), parts.subwords);
  vectors.metadata = std::move(parts.metadata);
  restore_stored_tokenizer(vectors, vectors.metadata, source);
  vectors.metadata["format"] = "native";
  vectors.output = std::move(output);
  vectors.compressed = std::move(parts.compressed);
  return vectors;
}

}  // namespace

WordVectors open_native(std::shared_ptr<MappedFile> file, const LoadOptions& options) {
  EMBEDKIT_CHECK(options.limit == 0, ArgumentError,
                 "--limit does not apply to native files (they are mapped, not read: rows cost nothing until used)");
  const std::string_view data = file->bytes();
  const Header h = read_header(data, file->path());
  refuse_flagged_non_finite(file->path(), h, options.allow_non_finite);
  Parts parts = read_parts(data, file->path(), h, file);
  // Opening checked the whole vocabulary (offsets, words, index); from now on only the words
  // looked up are read. Let those pages go, so that an open file costs what it is used for.
  // (Nothing ever writes them: the vocabulary only views them.)
  file->release(data.substr(h.offsets_at, (h.words + 1) * sizeof(std::uint64_t)));
  file->release(data.substr(h.word_bytes_at, h.word_bytes_size));
  if (h.index_at != 0) file->release(data.substr(h.index_at, h.slots * sizeof(TokenId)));
  char* base = file->writable_data();
  EMBEDKIT_CHECK(base != nullptr, ArgumentError, "native files must be mapped copy-on-write");
  file->advise_random();  // rows are looked up at random: no read-ahead of whole tensor regions
  std::optional<EmbeddingTable> table;
  if (h.dtype == nf::kCompressed) {
    // Codes are small next to the float rows they decode to: read in full, checksum checked
    // (with the output layer after them, which is small too).
    check_tensor(data, file->path(), h, options.allow_non_finite);
    table = decode_compressed(data, file->path(), h, parts);
  } else {
    table = EmbeddingTable::over_storage(reinterpret_cast<float*>(base + h.tensor_at), h.rows, h.dim, file);
  }
  std::optional<EmbeddingTable> output;
  if (h.output_at != 0) {
    output = EmbeddingTable::over_storage(reinterpret_cast<float*>(base + h.output_at), h.output_rows, h.dim, file);
  }
  return assemble(std::move(parts), std::move(*table), std::move(output), file->path());
}

WordVectors parse_native(std::string_view data, std::string_view source, const LoadOptions& options) {
  EMBEDKIT_CHECK(options.limit == 0, ArgumentError, "--limit does not apply to native files");
  const Header h = read_header(data, source);
  refuse_flagged_non_finite(source, h, options.allow_non_finite);
  check_tensor(data, source, h, options.allow_non_finite);
  Parts parts = read_parts(data, source, h, nullptr);
  auto copy_table = [&](std::uint64_t at, std::uint64_t rows) {
    EmbeddingTable table(rows, h.dim);
    if (rows == 0) return table;  // an empty table has no storage to copy into
    std::memcpy(table.data(), data.data() + at, rows * h.stride * sizeof(float));
    return table;
  };
  std::optional<EmbeddingTable> output;
  if (h.output_at != 0) output = copy_table(h.output_at, h.output_rows);
  EmbeddingTable table =
      h.dtype == nf::kCompressed ? decode_compressed(data, source, h, parts) : copy_table(h.tensor_at, h.rows);
  return assemble(std::move(parts), std::move(table), std::move(output), source);
}

void write_native(const WordVectors& vectors, AtomicFileWriter& out, std::size_t limit,
                  const CompressedTable* compressed) {
  const std::size_t words = limit > 0 ? std::min(limit, vectors.size()) : vectors.size();
  // The words (a prefix of the vocabulary when limited) and their index.
  const Vocabulary* vocab = &vectors.words();
  Vocabulary limited;
  if (words < vectors.size()) {
    std::vector<VocabularyEntry> entries;
    entries.reserve(words);
    for (std::size_t i = 0; i < words; ++i) {
      entries.push_back({std::string(vocab->word(static_cast<TokenId>(i))), vocab->count(static_cast<TokenId>(i))});
    }
    limited = Vocabulary::from_entries(entries);
    vocab = &limited;
  }
  const std::optional<SubwordOptions>& sub = vectors.subwords();
  const std::uint64_t bucket = sub ? sub->bucket : 0;
  const bool listed = sub && !vectors.stores_every_bucket();  // version 2
  const std::span<const std::uint32_t> stored = vectors.stored_buckets();
  const std::uint64_t bucket_rows = sub ? vectors.bucket_rows() : 0;
  const std::uint64_t rows = words + bucket_rows;
  const std::uint64_t stride = vectors.table().stride();
  // "format" describes the file being read, so the format the vectors came from is kept as
  // "origin_format".
  nlohmann::json meta = nlohmann::json::object();
  for (const auto& [key, value] : vectors.metadata) {
    // What a compressed file's reader adds describes that file, not this one.
    if (key == "compression" || key == "compressed_bytes") continue;
    meta[key == "format" ? "origin_format" : key] = value;
  }
  if (vectors.metadata.count("origin_format") != 0) meta["origin_format"] = vectors.metadata.at("origin_format");
  if (vectors.piece_tokenizer()) meta[std::string(kTokenizerKey)] = encode_stored_tokenizer(*vectors.piece_tokenizer());
  const std::string meta_text = meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);

  auto align = [](std::uint64_t at, std::uint64_t alignment) { return (at + alignment - 1) / alignment * alignment; };
  Header h{};
  h.offsets_at = align(listed ? nf::kFieldsEndV2 : nf::kHeaderBytes, 64);
  h.word_bytes_at = align(h.offsets_at + (words + 1) * 8, 64);
  h.word_bytes_size = vocab->arena().size();
  // A compressed file (read whole and decoded on opening anyway, so its vocabulary is copied
  // then) leaves out what costs more than it gives: counts that are all 0, and the word index,
  // built on opening (4-8 bytes a word). A float file keeps both, so that it opens in place and
  // stays readable by every reader of its version.
  const std::span<const std::uint64_t> counts = vocab->counts();
  const bool with_counts =
      compressed == nullptr || std::any_of(counts.begin(), counts.end(), [](std::uint64_t c) { return c != 0; });
  const bool with_index = compressed == nullptr;
  h.counts_at = with_counts ? align(h.word_bytes_at + h.word_bytes_size, 64) : 0;
  const std::uint64_t after_counts = with_counts ? h.counts_at + words * 8 : h.word_bytes_at + h.word_bytes_size;
  h.index_at = with_index ? align(after_counts, 64) : 0;
  const std::vector<TokenId> empty_index(16, 0);  // a vocabulary with no words has no index yet
  const std::span<const TokenId> index = !with_index                     ? std::span<const TokenId>()
                                         : vocab->index_slots().empty() ? std::span<const TokenId>(empty_index)
                                                                        : vocab->index_slots();
  h.slots = index.size();
  h.metadata_at = align(with_index ? h.index_at + h.slots * 4 : after_counts, 64);
  h.metadata_size = meta_text.size();
  const std::uint64_t stored_at = align(h.metadata_at + h.metadata_size, 64);
  // Float rows start on a page (mapped, paged in as used); codes are read whole, so 64 bytes do.
  const std::uint64_t tensor_alignment = compressed != nullptr ? 64 : 4096;
  h.tensor_at = align(listed ? stored_at + stored.size() * 4 : h.metadata_at + h.metadata_size, tensor_alignment);
  std::string compressed_bytes;
  if (compressed != nullptr) {
    EMBEDKIT_CHECK(compressed->rows() == rows && compressed->dim() == vectors.dim(), ArgumentError,
                   fmt::format("the compressed table has {} rows of {} values; the file holds {} of {}",
                               compressed->rows(), compressed->dim(), rows, vectors.dim()));
    compressed_bytes = compressed->serialize();
  }
  h.tensor_bytes = compressed != nullptr ? compressed_bytes.size() : rows * stride * 4;
  const bool has_output = vectors.output.has_value() && words == vectors.size();
  h.output_at = has_output ? align(h.tensor_at + h.tensor_bytes, tensor_alignment) : 0;
  h.output_rows = has_output ? vectors.output->rows() : 0;

  std::string buffer(nf::kHeaderBytes, '\0');
  auto put = [&](std::size_t at, const auto& value) { std::memcpy(buffer.data() + at, &value, sizeof value); };
  std::memcpy(buffer.data(), nf::kMagic.data(), 8);
  put(8, listed ? nf::kVersionStoredBuckets : nf::kVersion);
  put(12, compressed != nullptr ? nf::kCompressed : nf::kFloat32);
  put(16, rows);
  put(24, static_cast<std::uint64_t>(vectors.dim()));
  put(32, stride);
  put(40, static_cast<std::uint64_t>(words));
  put(48, sub ? sub->minn : 0U);
  put(52, sub ? sub->maxn : 0U);
  put(56, bucket);
  const std::uint64_t fields[] = {h.offsets_at, h.word_bytes_at, h.word_bytes_size, h.counts_at, h.index_at,
                                  h.slots,      h.metadata_at,   h.metadata_size,   h.tensor_at, h.tensor_bytes,
                                  h.output_at,  h.output_rows};
  for (std::size_t i = 0; i < std::size(fields); ++i) put(64 + 8 * i, fields[i]);
  auto pad_to = [&](std::uint64_t at) { buffer.resize(at, '\0'); };
  auto append = [&](const void* p, std::size_t bytes) { buffer.append(static_cast<const char*>(p), bytes); };
  pad_to(h.offsets_at);
  const std::uint64_t no_words_offset = 0;
  append(words > 0 ? static_cast<const void*>(vocab->offsets().data()) : &no_words_offset, (words + 1) * 8);
  pad_to(h.word_bytes_at);
  append(vocab->arena().data(), h.word_bytes_size);
  if (with_counts) {
    pad_to(h.counts_at);
    append(counts.data(), words * 8);
  }
  if (with_index) {
    pad_to(h.index_at);
    append(index.data(), h.slots * 4);
  }
  pad_to(h.metadata_at);
  append(meta_text.data(), meta_text.size());
  if (listed) {
    put(nf::kStoredBucketsAt, stored_at);
    put(nf::kStoredBucketCountAt, static_cast<std::uint64_t>(stored.size()));
    pad_to(stored_at);
    append(stored.data(), stored.size() * 4);
  }
  pad_to(h.tensor_at);

  // Everything from the tensor on, as one sequence of pieces: hashed (and scanned for
  // non-finite values) first, since the header that holds the checksum is written before it.
  const EmbeddingTable& table = vectors.table();
  const std::string gap(has_output ? h.output_at - (h.tensor_at + h.tensor_bytes) : 0, '\0');
  auto for_each_tensor_piece = [&](auto&& emit) {
    // The rows are already stored with this stride and zero padding: written as they are.
    auto rows_of = [&](const float* first, std::uint64_t count) {
      const char* p = reinterpret_cast<const char*>(first);
      const std::uint64_t bytes = count * stride * 4;
      for (std::uint64_t done = 0; done < bytes; done += (64U << 20U)) {
        emit(std::string_view(p + done, static_cast<std::size_t>(std::min<std::uint64_t>(64U << 20U, bytes - done))));
      }
    };
    if (compressed != nullptr) {
      emit(std::string_view(compressed_bytes));
    } else {
      rows_of(table.data(), words);
      if (bucket_rows > 0) rows_of(table.data() + vectors.size() * stride, bucket_rows);
    }
    if (has_output) {
      emit(std::string_view(gap));
      rows_of(vectors.output->data(), h.output_rows);
    }
  };
  ContentHash tensor_hash;
  bool all_finite = true;
  auto is_codes = [&](std::string_view piece) { return compressed != nullptr && piece.data() == compressed_bytes.data(); };
  for_each_tensor_piece([&](std::string_view piece) {
    tensor_hash.update(piece);
    for (std::size_t i = 0; !is_codes(piece) && i + 4 <= piece.size() && all_finite; i += 4) {
      float value;
      std::memcpy(&value, piece.data() + i, 4);
      all_finite = std::isfinite(value);
    }
  });
  put(nf::kFlagsAt, nf::kHasChecksums | (all_finite ? 0 : nf::kHasNonFinite));
  put(nf::kTensorChecksumAt, tensor_hash.digest());
  ContentHash header_hash;
  header_hash.update(std::string_view(buffer).substr(0, nf::kHeaderBytes));
  if (listed) {
    header_hash.update(std::string_view(buffer).substr(nf::kStoredBucketsAt, nf::kFieldsEndV2 - nf::kStoredBucketsAt));
  }
  header_hash.update(std::string_view(buffer).substr(h.offsets_at));
  put(nf::kHeaderChecksumAt, header_hash.digest());
  out.write(buffer);
  for_each_tensor_piece([&](std::string_view piece) { out.write(piece); });
}

}  // namespace embedkit::detail
