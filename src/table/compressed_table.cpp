#include "embedkit/table/compressed_table.h"

#include <fmt/format.h>
#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"
#include "embedkit/core/random.h"
#include "kernels/kernels.h"
#include "table/kmeans.h"

namespace embedkit {

static_assert(std::endian::native == std::endian::little, "the serialized form is little-endian");

namespace {

constexpr char kMagic[4] = {'E', 'K', 'C', 'T'};
constexpr std::uint32_t kVersion = 1;
constexpr float kHalfMax = 65504.0F;
// Values per pq sub-vector, at most: so that no row decodes to more than 2,048 times its code
// bytes (4 bytes a value, 2 codes a byte at 4 bits), and a small hostile file cannot ask for a
// huge decoded table.
constexpr std::size_t kMaxSubvectorValues = 256;
constexpr std::size_t kNormLevels = 256;  // separate norms: a byte each
// The header's norms flag: none, a float per row (files before norm codes), or a byte per row.
constexpr std::uint8_t kNoNorms = 0, kFloatNorms = 1, kNormCodes = 2;

std::uint16_t to_half(float x) { return Eigen::half(x).x; }


// pq's default M: dim / 4 when 4 divides dim, else the largest divisor of dim below dim / 4
// (at least 1), so that each code covers about 4 values.
std::size_t default_subvectors(std::size_t dim) {
  for (std::size_t m = std::max<std::size_t>(1, dim / 4); m > 1; --m) {
    if (dim % m == 0) return m;
  }
  return 1;
}

std::size_t code_bytes(Codec codec, std::size_t dim, std::size_t subvectors, std::size_t bits) {
  switch (codec) {
    case Codec::f16: return 2 * dim;
    case Codec::int8: return dim;
    case Codec::int4: return (dim + 1) / 2;
    case Codec::pq: return bits == 4 ? (subvectors + 1) / 2 : subvectors;
  }
  return 0;
}

// int4 codes: each byte's two values (low nibble first), as floats, for decoding a byte at a time.
using Int4Pairs = std::array<std::array<float, 2>, 256>;
const Int4Pairs& int4_pairs() {
  static const Int4Pairs pairs = [] {
    Int4Pairs p{};
    for (std::size_t b = 0; b < 256; ++b) {
      p[b] = {static_cast<float>(static_cast<int>(b & 0xFU) - 8), static_cast<float>(static_cast<int>(b >> 4) - 8)};
    }
    return p;
  }();
  return pairs;
}

double row_norm(const float* row, std::size_t dim) {
  double sum = 0;
  for (std::size_t d = 0; d < dim; ++d) sum += static_cast<double>(row[d]) * row[d];
  return std::sqrt(sum);
}

// Norms as a byte each: 256 levels by k-means over the sampled rows' norms (one dimension, so
// sorted levels and a binary search find each norm's nearest), as fastText's -qnorm.
void encode_norms(std::span<const float> norms, std::span<const std::size_t> sample, const CompressionOptions& options,
                  std::vector<float>& levels, std::vector<std::uint8_t>& codes) {
  // The sample's norms, and the extremes of all of them: no norm is beyond the levels' range.
  std::vector<float> points(sample.size());
  for (std::size_t i = 0; i < sample.size(); ++i) points[i] = norms[sample[i]];
  const auto [smallest, largest] = std::minmax_element(norms.begin(), norms.end());
  points.push_back(*smallest);
  points.push_back(*largest);
  levels = detail::kmeans(points, points.size(), 1, kNormLevels, options.iterations,
                          SplitMix64::stream(options.seed, 0x4E4F524DULL).next());
  std::sort(levels.begin(), levels.end());
  // A zero row (padding, a row never trained) decodes to exactly zero.
  if (*smallest == 0.0F) levels.front() = 0.0F;
  codes.resize(norms.size());
  for (std::size_t r = 0; r < norms.size(); ++r) {
    const auto above = std::lower_bound(levels.begin(), levels.end(), norms[r]);
    auto nearest = above == levels.end() ? above - 1 : above;
    if (above != levels.begin() && above != levels.end() && norms[r] - *(above - 1) <= *above - norms[r]) --nearest;
    codes[r] = static_cast<std::uint8_t>(nearest - levels.begin());
  }
}

int thread_count(std::size_t requested) {
  return static_cast<int>(requested > 0 ? requested : static_cast<std::size_t>(num_threads()));
}

// Reads fixed-size pieces from serialized bytes, failing with the source's name when short.
class Reader {
 public:
  Reader(std::string_view bytes, std::string_view source) : bytes_(bytes), source_(source) {}
  template <typename T>
  T value(const char* what) {
    T v{};
    take(&v, sizeof v, what);
    return v;
  }
  template <typename T>
  void values(std::vector<T>& out, std::size_t count, const char* what) {
    EMBEDKIT_CHECK(count <= (bytes_.size() - offset_) / sizeof(T), FormatError,
                   fmt::format("{}: the compressed table ends inside its {} ({} bytes left at offset {})", source_,
                               what, bytes_.size() - offset_, offset_));
    out.resize(count);
    take(out.data(), count * sizeof(T), what);
  }
  [[nodiscard]] std::size_t left() const { return bytes_.size() - offset_; }

 private:
  void take(void* out, std::size_t size, const char* what) {
    EMBEDKIT_CHECK(size <= bytes_.size() - offset_, FormatError,
                   fmt::format("{}: the compressed table ends inside its {} (offset {})", source_, what, offset_));
    if (size == 0) return;  // an empty vector's data() may be null, which memcpy must not get
    std::memcpy(out, bytes_.data() + offset_, size);
    offset_ += size;
  }
  std::string_view bytes_;
  std::string_view source_;
  std::size_t offset_ = 0;
};

template <typename T>
void append(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

template <typename T>
void append_all(std::string& out, const std::vector<T>& values) {
  out.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

}  // namespace

Codec parse_codec(std::string_view name) {
  if (name == "f16") return Codec::f16;
  if (name == "int8") return Codec::int8;
  if (name == "int4") return Codec::int4;
  if (name == "pq") return Codec::pq;
  throw ArgumentError(fmt::format("unknown codec '{}' (f16, int8, int4 or pq)", name));
}

std::string_view codec_name(Codec codec) noexcept {
  switch (codec) {
    case Codec::f16: return "f16";
    case Codec::int8: return "int8";
    case Codec::int4: return "int4";
    case Codec::pq: return "pq";
  }
  return "unknown";
}

CompressedTable CompressedTable::encode(TableView table, const CompressionOptions& options) {
  const std::size_t dim = table.dim;
  EMBEDKIT_CHECK(dim > 0, ArgumentError, "cannot compress a table of 0 dimensions");
  CompressedTable out;
  out.codec_ = options.codec;
  out.rows_ = table.rows;
  out.dim_ = dim;
  for (std::size_t r = 0; r < table.rows; ++r) {
    const float* row = table.row_unchecked(static_cast<TokenId>(r));
    for (std::size_t d = 0; d < dim; ++d) {
      EMBEDKIT_CHECK(std::isfinite(row[d]), ArgumentError,
                     fmt::format("row {} column {} is {}: only finite values can be compressed", r, d, row[d]));
      EMBEDKIT_CHECK(options.codec != Codec::f16 || std::abs(row[d]) <= kHalfMax, ArgumentError,
                     fmt::format("row {} column {} is {}, beyond float16's range (65504); use int8", r, d, row[d]));
    }
  }
  if (options.codec == Codec::pq) {
    out.subvectors_ = options.pq_subvectors > 0 ? options.pq_subvectors : default_subvectors(dim);
    out.bits_ = options.bits;
    out.separate_norms_ = options.separate_norms;
    EMBEDKIT_CHECK(out.subvectors_ <= dim && dim % out.subvectors_ == 0, ArgumentError,
                   fmt::format("pq: {} sub-vectors do not divide {} dimensions", out.subvectors_, dim));
    EMBEDKIT_CHECK(dim / out.subvectors_ <= kMaxSubvectorValues, ArgumentError,
                   fmt::format("pq: {} sub-vectors of {} dimensions hold {} values each; at most {} (use more "
                               "sub-vectors)",
                               out.subvectors_, dim, dim / out.subvectors_, kMaxSubvectorValues));
    EMBEDKIT_CHECK(out.bits_ == 4 || out.bits_ == 8, ArgumentError,
                   fmt::format("pq: codes of {} bits; use 4 or 8", out.bits_));
    EMBEDKIT_CHECK(table.rows > 0, ArgumentError, "pq: an empty table has nothing to learn codebooks from");
  }
  out.row_bytes_ = code_bytes(out.codec_, dim, out.subvectors_, out.bits_);
  out.codes_.assign(out.rows_ * out.row_bytes_, 0);
  const int threads = thread_count(options.threads);
  const auto rows = static_cast<std::int64_t>(out.rows_);

  if (options.codec == Codec::f16 || options.codec == Codec::int8 || options.codec == Codec::int4) {
    if (options.codec != Codec::f16) out.scales_.assign(out.rows_, 0.0F);
    const float levels = options.codec == Codec::int8 ? 127.0F : 7.0F;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::int64_t r = 0; r < rows; ++r) {
      const float* row = table.row_unchecked(static_cast<TokenId>(r));
      std::uint8_t* code = out.codes_.data() + static_cast<std::size_t>(r) * out.row_bytes_;
      if (options.codec == Codec::f16) {
        for (std::size_t d = 0; d < dim; ++d) {
          const std::uint16_t h = to_half(row[d]);
          std::memcpy(code + 2 * d, &h, 2);
        }
        continue;
      }
      float largest = 0;
      for (std::size_t d = 0; d < dim; ++d) largest = std::max(largest, std::abs(row[d]));
      // A scale below float's normal range would have an infinite inverse (and 0 * inf codes):
      // such a row is zero to within 1e-37 and is stored as zeros.
      const float scale = largest / levels >= std::numeric_limits<float>::min() ? largest / levels : 0.0F;
      out.scales_[static_cast<std::size_t>(r)] = scale;
      const float inverse = scale > 0 ? 1.0F / scale : 0.0F;
      for (std::size_t d = 0; d < dim; ++d) {
        const auto q = static_cast<int>(std::clamp(std::nearbyint(row[d] * inverse), -levels, levels));
        if (options.codec == Codec::int8) {
          code[d] = static_cast<std::uint8_t>(static_cast<std::int8_t>(q));
        } else {
          const auto nibble = static_cast<std::uint8_t>(q + 8);  // 1..15
          code[d / 2] |= static_cast<std::uint8_t>(d % 2 == 0 ? nibble : nibble << 4);
        }
      }
    }
    return out;
  }

  // Product quantization.
  const std::size_t m_count = out.subvectors_;
  const std::size_t dsub = dim / m_count;
  const std::size_t ksub = std::size_t{1} << out.bits_;
  // The rows codebooks learn from (with separate norms: their directions), sampled with a seed.
  std::vector<std::size_t> sample(out.rows_);
  std::iota(sample.begin(), sample.end(), 0);
  const std::size_t training = options.training_rows == 0 ? out.rows_ : std::min(options.training_rows, out.rows_);
  SplitMix64 rng(options.seed);
  for (std::size_t i = 0; i < training && training < out.rows_; ++i) {
    std::swap(sample[i], sample[i + static_cast<std::size_t>(rng.next() % (out.rows_ - i))]);
  }
  sample.resize(training);
  std::sort(sample.begin(), sample.end());
  std::vector<float> norms;  // exact, for the directions; the table keeps their codes
  if (out.separate_norms_) {
    norms.resize(out.rows_);
    for (std::size_t r = 0; r < out.rows_; ++r) {
      norms[r] = static_cast<float>(row_norm(table.row_unchecked(static_cast<TokenId>(r)), dim));
    }
    encode_norms(norms, sample, options, out.norm_levels_, out.norm_codes_);
  }
  // Row r's values as quantized: unit length with separate norms.
  auto quantized_row = [&](std::size_t r, float* into) {
    const float* row = table.row_unchecked(static_cast<TokenId>(r));
    const float scale = out.separate_norms_ && norms[r] > 0 ? 1.0F / norms[r] : 1.0F;
    for (std::size_t d = 0; d < dim; ++d) into[d] = row[d] * scale;
  };
  std::vector<float> training_rows(training * dim);
  for (std::size_t i = 0; i < training; ++i) quantized_row(sample[i], training_rows.data() + i * dim);

  out.codebooks_.assign(m_count * ksub * dsub, 0.0F);
  const auto subspaces = static_cast<std::int64_t>(m_count);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (std::int64_t m = 0; m < subspaces; ++m) {
    const auto mi = static_cast<std::size_t>(m);
    std::vector<float> points(training * dsub);
    for (std::size_t i = 0; i < training; ++i) {
      std::copy_n(training_rows.data() + i * dim + mi * dsub, dsub, points.data() + i * dsub);
    }
    const std::vector<float> centroids =
        detail::kmeans(points, training, dsub, ksub, options.iterations, SplitMix64::stream(options.seed, mi).next());
    std::copy(centroids.begin(), centroids.end(), out.codebooks_.begin() + static_cast<std::ptrdiff_t>(mi * ksub * dsub));
  }

  std::vector<detail::CentroidIndex> indexes;
  for (std::size_t m = 0; m < m_count; ++m) {
    indexes.emplace_back(std::span<const float>(out.codebooks_).subspan(m * ksub * dsub, ksub * dsub), ksub, dsub);
  }
#pragma omp parallel num_threads(threads)
  {
    std::vector<float> row(dim), scratch(ksub);
#pragma omp for schedule(static)
    for (std::int64_t r = 0; r < rows; ++r) {
      quantized_row(static_cast<std::size_t>(r), row.data());
      std::uint8_t* code = out.codes_.data() + static_cast<std::size_t>(r) * out.row_bytes_;
      for (std::size_t m = 0; m < m_count; ++m) {
        const auto c = static_cast<std::uint8_t>(indexes[m].nearest(row.data() + m * dsub, scratch.data()));
        if (out.bits_ == 8) {
          code[m] = c;
        } else {
          code[m / 2] |= static_cast<std::uint8_t>(m % 2 == 0 ? c : c << 4);
        }
      }
    }
  }
  return out;
}

std::size_t CompressedTable::bytes() const noexcept {
  return codes_.size() + norm_codes_.size() +
         (scales_.size() + norms_.size() + norm_levels_.size() + codebooks_.size()) * sizeof(float);
}

std::string CompressedTable::description() const {
  switch (codec_) {
    case Codec::f16: return "f16 (half floats)";
    case Codec::int8: return "int8 (per-row scale)";
    case Codec::int4: return "int4 (per-row scale)";
    case Codec::pq:
      return fmt::format("pq ({} sub-vectors of {} bits{})", subvectors_, bits_, separate_norms_ ? ", norms apart" : "");
  }
  return "unknown";
}

void CompressedTable::check_row_id(TokenId id) const {
  EMBEDKIT_CHECK(id < rows_, ArgumentError, fmt::format("row {} is out of range for a table of {} rows", id, rows_));
}

void CompressedTable::decode_row(TokenId id, std::span<float> out) const {
  check_row_id(id);
  EMBEDKIT_CHECK(out.size() == dim_, ArgumentError,
                 fmt::format("decoding a row of {} values into {}", dim_, out.size()));
  const std::uint8_t* code = codes_.data() + static_cast<std::size_t>(id) * row_bytes_;
  switch (codec_) {
    case Codec::f16:
      kernels::kernels().f16_to_f32(code, out.data(), dim_);
      return;
    case Codec::int8:
      kernels::kernels().i8_to_f32(reinterpret_cast<const std::int8_t*>(code), scales_[id], out.data(), dim_);
      return;
    case Codec::int4: {
      const float scale = scales_[id];
      const Int4Pairs& pairs = int4_pairs();
      for (std::size_t d = 0; d + 1 < dim_; d += 2) {
        out[d] = scale * pairs[code[d / 2]][0];
        out[d + 1] = scale * pairs[code[d / 2]][1];
      }
      if (dim_ % 2 == 1) out[dim_ - 1] = scale * pairs[code[dim_ / 2]][0];
      return;
    }
    case Codec::pq: {
      const std::size_t dsub = dim_ / subvectors_;
      const std::size_t ksub = std::size_t{1} << bits_;
      const float norm = separate_norms_ ? norm_of(id) : 1.0F;
      for (std::size_t m = 0; m < subvectors_; ++m) {
        const std::size_t c = bits_ == 8 ? code[m] : (m % 2 == 0 ? code[m / 2] & 0xF : code[m / 2] >> 4);
        const float* centroid = codebooks_.data() + (m * ksub + c) * dsub;
        for (std::size_t j = 0; j < dsub; ++j) out[m * dsub + j] = norm * centroid[j];
      }
      return;
    }
  }
}

EmbeddingTable CompressedTable::decode_all() const {
  EmbeddingTable table(rows_, dim_);
  const auto rows = static_cast<std::int64_t>(rows_);
#pragma omp parallel for schedule(static)
  for (std::int64_t r = 0; r < rows; ++r) decode_row(static_cast<TokenId>(r), table.row(static_cast<TokenId>(r)));
  return table;
}

void CompressedTable::dot_all(std::span<const float> query, std::span<float> out) const {
  EMBEDKIT_CHECK(query.size() == dim_ && out.size() <= rows_, ArgumentError,
                 fmt::format("dot_all: a query of {} values (the table has {}) into {} scores ({} rows)", query.size(),
                             dim_, out.size(), rows_));
  const auto rows = static_cast<std::int64_t>(out.size());
  if (codec_ != Codec::pq) {
    // Straight from the codes: each kernel converts a few values at a time into registers.
    const kernels::KernelTable& k = kernels::kernels();
    const Int4Pairs& pairs = int4_pairs();
#pragma omp parallel for schedule(static) if (rows > 20000)
    for (std::int64_t r = 0; r < rows; ++r) {
      const auto i = static_cast<std::size_t>(r);
      const std::uint8_t* code = codes_.data() + i * row_bytes_;
      float sum = 0;
      if (codec_ == Codec::f16) {
        sum = k.dot_f16(code, query.data(), dim_);
      } else if (codec_ == Codec::int8) {
        sum = scales_[i] * k.dot_i8_f32(reinterpret_cast<const std::int8_t*>(code), query.data(), dim_);
      } else {
        for (std::size_t d = 0; d + 1 < dim_; d += 2) {
          sum += pairs[code[d / 2]][0] * query[d] + pairs[code[d / 2]][1] * query[d + 1];
        }
        if (dim_ % 2 == 1) sum += pairs[code[dim_ / 2]][0] * query[dim_ - 1];
        sum *= scales_[i];
      }
      out[i] = sum;
    }
    return;
  }
  // Asymmetric distance: the query's dot with every centroid, once; then look-ups per row.
  const std::size_t dsub = dim_ / subvectors_;
  const std::size_t ksub = std::size_t{1} << bits_;
  std::vector<float> table(subvectors_ * ksub);
  for (std::size_t m = 0; m < subvectors_; ++m) {
    for (std::size_t c = 0; c < ksub; ++c) {
      const float* centroid = codebooks_.data() + (m * ksub + c) * dsub;
      float sum = 0;
      for (std::size_t j = 0; j < dsub; ++j) sum += centroid[j] * query[m * dsub + j];
      table[m * ksub + c] = sum;
    }
  }
#pragma omp parallel for schedule(static)
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::uint8_t* code = codes_.data() + static_cast<std::size_t>(r) * row_bytes_;
    float sum = 0;
    if (bits_ == 8) {
      for (std::size_t m = 0; m < subvectors_; ++m) sum += table[m * ksub + code[m]];
    } else {
      for (std::size_t m = 0; m < subvectors_; ++m) {
        sum += table[m * ksub + (m % 2 == 0 ? code[m / 2] & 0xF : code[m / 2] >> 4)];
      }
    }
    out[static_cast<std::size_t>(r)] = separate_norms_ ? sum * norm_of(static_cast<std::size_t>(r)) : sum;
  }
}

std::string CompressedTable::serialize() const {
  std::string out(kMagic, sizeof kMagic);
  append(out, kVersion);
  append(out, static_cast<std::uint8_t>(codec_));
  append(out, static_cast<std::uint8_t>(bits_));
  append(out, !separate_norms_ ? kNoNorms : norm_levels_.empty() ? kFloatNorms : kNormCodes);
  append(out, std::uint8_t{0});
  append(out, static_cast<std::uint64_t>(rows_));
  append(out, static_cast<std::uint64_t>(dim_));
  append(out, static_cast<std::uint64_t>(subvectors_));
  append_all(out, codes_);
  append_all(out, scales_);
  append_all(out, norms_);
  append_all(out, norm_codes_);
  append_all(out, norm_levels_);
  append_all(out, codebooks_);
  return out;
}

CompressedTable CompressedTable::parse(std::string_view bytes, std::string_view source) {
  Reader in(bytes, source);
  char magic[4];
  for (char& c : magic) c = in.value<char>("header");
  EMBEDKIT_CHECK(std::equal(magic, magic + 4, kMagic), FormatError,
                 fmt::format("{}: not a compressed embedkit table (no 'EKCT' at its start)", source));
  const auto version = in.value<std::uint32_t>("header");
  EMBEDKIT_CHECK(version == kVersion, FormatError,
                 fmt::format("{}: compressed table version {} (this embedkit reads {})", source, version, kVersion));
  CompressedTable t;
  const auto codec = in.value<std::uint8_t>("header");
  EMBEDKIT_CHECK(codec >= 1 && codec <= 4, FormatError, fmt::format("{}: unknown codec number {}", source, codec));
  t.codec_ = static_cast<Codec>(codec);
  t.bits_ = in.value<std::uint8_t>("header");
  const auto norms = in.value<std::uint8_t>("header");
  (void)in.value<std::uint8_t>("header");
  const auto rows = in.value<std::uint64_t>("header");
  const auto dim = in.value<std::uint64_t>("header");
  const auto subvectors = in.value<std::uint64_t>("header");
  EMBEDKIT_CHECK(dim >= 1 && dim <= (1U << 20), FormatError, fmt::format("{}: {} dimensions", source, dim));
  EMBEDKIT_CHECK(norms <= kNormCodes, FormatError, fmt::format("{}: a norms flag of {}", source, norms));
  t.dim_ = static_cast<std::size_t>(dim);
  t.separate_norms_ = norms != kNoNorms;
  std::size_t codebook_floats = 0;
  if (t.codec_ == Codec::pq) {
    EMBEDKIT_CHECK(subvectors >= 1 && subvectors <= dim && dim % subvectors == 0 &&
                       dim / subvectors <= kMaxSubvectorValues,
                   FormatError, fmt::format("{}: {} sub-vectors for {} dimensions", source, subvectors, dim));
    EMBEDKIT_CHECK(t.bits_ == 4 || t.bits_ == 8, FormatError, fmt::format("{}: pq codes of {} bits", source, t.bits_));
    t.subvectors_ = static_cast<std::size_t>(subvectors);
    codebook_floats = t.subvectors_ * (std::size_t{1} << t.bits_) * (t.dim_ / t.subvectors_);
  } else {
    EMBEDKIT_CHECK(subvectors == 0 && t.bits_ == 0 && norms == 0, FormatError,
                   fmt::format("{}: pq fields set in a {} table", source, codec_name(t.codec_)));
  }
  t.row_bytes_ = code_bytes(t.codec_, t.dim_, t.subvectors_, t.bits_);
  // Each row costs at least one byte, so a row count beyond the bytes left is a lie.
  EMBEDKIT_CHECK(rows <= in.left() / t.row_bytes_, FormatError,
                 fmt::format("{}: {} rows of {} bytes do not fit in the {} bytes left", source, rows, t.row_bytes_,
                             in.left()));
  t.rows_ = static_cast<std::size_t>(rows);
  in.values(t.codes_, t.rows_ * t.row_bytes_, "codes");
  if (t.codec_ == Codec::f16) {
    for (std::size_t i = 0; i + 1 < t.codes_.size(); i += 2) {
      std::uint16_t h = 0;
      std::memcpy(&h, t.codes_.data() + i, 2);
      EMBEDKIT_CHECK((h & 0x7C00) != 0x7C00, FormatError,
                     fmt::format("{}: row {} column {} is not a finite float16", source, i / t.row_bytes_,
                                 i % t.row_bytes_ / 2));
    }
  }
  auto check_finite = [&](const std::vector<float>& values, const char* what, bool non_negative) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      EMBEDKIT_CHECK(std::isfinite(values[i]) && (!non_negative || values[i] >= 0), FormatError,
                     fmt::format("{}: {} {} is {}", source, what, i, values[i]));
    }
  };
  // A finite scale, norm or centroid can still decode to infinity once multiplied: every decoded
  // value must be a float.
  const double largest = std::numeric_limits<float>::max();
  if (t.codec_ == Codec::int8 || t.codec_ == Codec::int4) {
    in.values(t.scales_, t.rows_, "scales");
    check_finite(t.scales_, "scale", true);
    const double levels = t.codec_ == Codec::int8 ? 128.0 : 8.0;  // the largest code's magnitude
    for (std::size_t r = 0; r < t.rows_; ++r) {
      EMBEDKIT_CHECK(t.scales_[r] * levels <= largest, FormatError,
                     fmt::format("{}: row {}'s scale {} would decode beyond float's range", source, r, t.scales_[r]));
    }
  }
  if (norms == kFloatNorms) {
    in.values(t.norms_, t.rows_, "norms");
    check_finite(t.norms_, "norm", true);
  } else if (norms == kNormCodes) {
    in.values(t.norm_codes_, t.rows_, "norm codes");
    in.values(t.norm_levels_, kNormLevels, "norm levels");
    check_finite(t.norm_levels_, "norm level", true);
  }
  if (t.codec_ == Codec::pq) {
    in.values(t.codebooks_, codebook_floats, "codebooks");
    check_finite(t.codebooks_, "codebook value", false);
    const std::vector<float>& norm_values = t.norm_levels_.empty() ? t.norms_ : t.norm_levels_;
    if (t.separate_norms_ && t.rows_ > 0 && !norm_values.empty() && !t.codebooks_.empty()) {
      double centroid = 0;
      for (const float v : t.codebooks_) centroid = std::max(centroid, static_cast<double>(std::abs(v)));
      const double norm = *std::max_element(norm_values.begin(), norm_values.end());
      EMBEDKIT_CHECK(norm * centroid <= largest, FormatError,
                     fmt::format("{}: norms up to {} times centroid values up to {} would decode beyond float's "
                                 "range",
                                 source, norm, centroid));
    }
  }
  EMBEDKIT_CHECK(in.left() == 0, FormatError,
                 fmt::format("{}: {} bytes after the end of the compressed table", source, in.left()));
  return t;
}

}  // namespace embedkit
