// CompressedTable: an embedding table stored in fewer bytes, read row by row without decoding
// the whole of it.
//
//   embedkit::CompressedTable small = embedkit::CompressedTable::encode(
//       table.view(), {.codec = embedkit::Codec::pq, .pq_subvectors = 75, .bits = 8});
//   std::vector<float> row(small.dim());
//   small.decode_row(id, row);                 // the row as the codes give it back
//   small.dot_all(query, scores);              // query . row for every row, from the codes
//   fmt::print("{:.1f}x smaller\n", 4.0 * table.rows() * table.dim() / small.bytes());
//
// Codecs (bytes per row for dim d):
//   f16   IEEE half floats (Eigen::half: round to nearest even): 2d. Relative error <= 2^-11.
//   int8  per-row scale s = max|x| / 127, x ~ s * round(x / s): d + 4. Error <= s / 2.
//   int4  per-row scale s = max|x| / 7, two values per byte: ceil(d / 2) + 4. Error <= s / 2.
//   pq    product quantization: the row cut into M sub-vectors of d / M values, each replaced
//         by the nearest of 2^bits centroids learned by k-means for that sub-space (bits 4 or
//         8): M bytes (M / 2 with 4 bits) + the codebooks once (M x 2^bits x d / M floats). With
//         separate_norms, rows are unit-normalised before quantizing and their norms kept
//         apart as one more byte a row (one of 256 levels learned by k-means over the sampled
//         rows' norms and the extremes of all; a zero row stays zero), as fastText's -qnorm:
//         directions, which cosine search and analogies use, get all the codes.
// k-means is seeded and threaded; with the same seed and data the codebooks are the same for
// any thread count (each sub-space is trained by one thread, from its own generator).
//
// dot_all for pq is asymmetric distance computation: the query's dot with every centroid of
// every sub-space is tabulated once (M x 2^bits floats), then each row's dot is M table look-ups,
// equal to decoding the row and taking the dot (up to float rounding).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/table/embedding_table.h"

namespace embedkit {

enum class Codec : std::uint8_t { f16 = 1, int8 = 2, int4 = 3, pq = 4 };

/// "f16", "int8", "int4", "pq" -> Codec; ArgumentError naming the choices otherwise.
[[nodiscard]] Codec parse_codec(std::string_view name);
[[nodiscard]] std::string_view codec_name(Codec codec) noexcept;

struct CompressionOptions {
  Codec codec = Codec::int8;
  std::size_t pq_subvectors = 0;  ///< M (pq): 0 = dim / 4 (4 values per byte: 16x at 8 bits); must divide dim, dim / M <= 256
  std::size_t bits = 8;           ///< bits per pq code: 4 or 8
  bool separate_norms = false;    ///< pq: quantize unit rows, keep each row's norm apart (1 byte)
  std::size_t iterations = 25;    ///< k-means (Lloyd) iterations
  std::size_t training_rows = 65536;  ///< rows sampled (seeded) to train the codebooks; 0 = all
  std::uint64_t seed = 1;
  std::size_t threads = 0;        ///< 0 = embedkit::num_threads()
};

class CompressedTable {
 public:
  /// Encodes rows [0, table.rows). Throws ArgumentError for bad options (M not dividing dim,
  /// bits not 4 or 8, an empty table for pq) or a non-finite value (naming its row and column).
  static CompressedTable encode(TableView table, const CompressionOptions& options);

  /// Reads what serialize() wrote; `source` names it in errors. Throws FormatError for anything
  /// inconsistent (sizes that do not add up, an unknown codec, non-finite scales or centroids).
  static CompressedTable parse(std::string_view bytes, std::string_view source);
  /// The table as bytes: a small header (codec, rows, dim, M, bits, norms flag), then the codes,
  /// scales, norms (flag 2: a byte a row, then 256 float levels; flag 1, written by embedkit
  /// before norms had codes and still read: a float a row) and codebooks (little-endian).
  /// parse() reads it back exactly.
  [[nodiscard]] std::string serialize() const;

  [[nodiscard]] Codec codec() const noexcept { return codec_; }
  [[nodiscard]] std::size_t rows() const noexcept { return rows_; }
  [[nodiscard]] std::size_t dim() const noexcept { return dim_; }
  [[nodiscard]] std::size_t subvectors() const noexcept { return subvectors_; }  ///< pq's M (else 0)
  [[nodiscard]] std::size_t bits() const noexcept { return bits_; }              ///< pq's bits (else 0)
  [[nodiscard]] bool separate_norms() const noexcept { return separate_norms_; }
  /// Bytes held: codes, scales, norms and codebooks.
  [[nodiscard]] std::size_t bytes() const noexcept;
  /// The codec and its settings in words: "pq (75 sub-vectors of 8 bits, norms apart)".
  [[nodiscard]] std::string description() const;

  /// Row `id` decoded into `out` (dim floats). Throws ArgumentError for a bad id or size.
  void decode_row(TokenId id, std::span<float> out) const;
  /// Every row decoded: a float table of the same shape.
  [[nodiscard]] EmbeddingTable decode_all() const;
  /// out[r] = dot(query, row r) for rows [0, out.size()), computed from the codes (out: at most
  /// rows() floats, usually all of them).
  void dot_all(std::span<const float> query, std::span<float> out) const;

 private:
  CompressedTable() = default;
  void check_row_id(TokenId id) const;

  Codec codec_ = Codec::int8;
  std::size_t rows_ = 0;
  std::size_t dim_ = 0;
  std::size_t subvectors_ = 0;
  std::size_t bits_ = 0;
  bool separate_norms_ = false;
  std::size_t row_bytes_ = 0;        // code bytes per row
  std::vector<std::uint8_t> codes_;  // rows x row_bytes_
  std::vector<float> scales_;        // int8/int4: one per row
  // pq with separate_norms: a byte per row indexing 256 levels; files written before norms had
  // codes hold a float per row (norms_) instead.
  std::vector<std::uint8_t> norm_codes_;
  std::vector<float> norm_levels_;
  std::vector<float> norms_;
  [[nodiscard]] float norm_of(std::size_t row) const noexcept {
    return norm_levels_.empty() ? norms_[row] : norm_levels_[norm_codes_[row]];
  }
  std::vector<float> codebooks_;     // pq: M x 2^bits x (dim / M)
};

}  // namespace embedkit
