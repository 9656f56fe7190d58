// Compressed tables: each codec's round-trip error bound, pq's asymmetric dot products equal to
// decode-then-dot, serialization round trips, and hostile bytes refused.
#include "embedkit/table/compressed_table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"

namespace embedkit {
namespace {

EmbeddingTable normal_table(std::size_t rows, std::size_t dim, std::uint64_t seed) {
  EmbeddingTable table(rows, dim);
  table.fill_normal(0.0F, 1.0F, seed);
  return table;
}

double dot(std::span<const float> a, std::span<const float> b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += static_cast<double>(a[i]) * b[i];
  return sum;
}

TEST(CompressedTable, ScalarCodecsStayWithinTheirErrorBounds) {
  EmbeddingTable table = normal_table(300, 37, 4);
  table.row(5)[3] = 1e-30F;  // tiny and zero rows too
  for (float& v : table.row(6)) v = 0.0F;
  for (const Codec codec : {Codec::f16, Codec::int8, Codec::int4}) {
    const CompressedTable small = CompressedTable::encode(table.view(), {.codec = codec});
    ASSERT_EQ(small.rows(), 300U);
    ASSERT_EQ(small.dim(), 37U);
    std::vector<float> row(37);
    for (TokenId r = 0; r < 300; ++r) {
      small.decode_row(r, row);
      const auto original = table.row(r);
      float largest = 0;
      for (const float v : original) largest = std::max(largest, std::abs(v));
      for (std::size_t d = 0; d < 37; ++d) {
        const float error = std::abs(row[d] - original[d]);
        if (codec == Codec::f16) {
          // Half precision: 11 significant bits, so half an ulp is 2^-11 relative (subnormals absolute).
          EXPECT_LE(error, std::max(std::abs(original[d]) * 0x1.0p-11F, 0x1.0p-25F)) << r << " " << d;
        } else {
          const float step = largest / (codec == Codec::int8 ? 127.0F : 7.0F);
          EXPECT_LE(error, step / 2 * 1.0001F + 1e-30F) << codec_name(codec) << " row " << r << " col " << d;
        }
      }
    }
    const std::size_t expected_code_bytes = codec == Codec::f16 ? 300 * 74 : codec == Codec::int8 ? 300 * 37 : 300 * 19;
    EXPECT_EQ(small.bytes(), expected_code_bytes + (codec == Codec::f16 ? 0 : 300 * 4)) << codec_name(codec);
    // decode_all is decode_row of every row.
    const EmbeddingTable all = small.decode_all();
    small.decode_row(123, row);
    EXPECT_EQ(std::vector<float>(all.row(123).begin(), all.row(123).end()), row);
  }
}

// Data that takes exactly 16 values per sub-space: 4-bit product quantization finds them all, so
// every row comes back exactly; dot_all (look-up tables) equals decode-then-dot.
TEST(CompressedTable, ProductQuantizationRecoversDataWithAsManyPointsAsCodes) {
  constexpr std::size_t rows = 2000, dim = 12, m = 3, dsub = 4;
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  std::vector<std::vector<float>> centres(m * 16, std::vector<float>(dsub));
  for (auto& c : centres) {
    for (float& v : c) v = normal(rng);
  }
  EmbeddingTable table(rows, dim);
  for (TokenId r = 0; r < rows; ++r) {
    for (std::size_t s = 0; s < m; ++s) {
      const auto& c = centres[s * 16 + (r * 7 + s * 3) % 16];
      std::copy(c.begin(), c.end(), table.row(r).begin() + static_cast<std::ptrdiff_t>(s * dsub));
    }
  }
  const CompressedTable pq =
      CompressedTable::encode(table.view(), {.codec = Codec::pq, .pq_subvectors = m, .bits = 4, .seed = 3});
  EXPECT_EQ(pq.bytes(), rows * 2 + m * 16 * dsub * 4);  // 3 codes of 4 bits: 2 bytes a row
  std::vector<float> row(dim);
  for (TokenId r = 0; r < rows; r += 37) {
    pq.decode_row(r, row);
    for (std::size_t d = 0; d < dim; ++d) EXPECT_NEAR(row[d], table.row(r)[d], 1e-5F) << r << " " << d;
  }
}

TEST(CompressedTable, AsymmetricDotsEqualDecodeThenDot) {
  const EmbeddingTable table = normal_table(3000, 24, 9);
  std::vector<float> query(24);
  std::mt19937 rng(2);
  std::normal_distribution<float> normal;
  for (float& v : query) v = normal(rng);
  for (const auto& options : {CompressionOptions{.codec = Codec::pq, .pq_subvectors = 6, .bits = 8},
                              CompressionOptions{.codec = Codec::pq, .pq_subvectors = 8, .bits = 4},
                              CompressionOptions{.codec = Codec::pq, .bits = 8, .separate_norms = true},
                              CompressionOptions{.codec = Codec::int4}, CompressionOptions{.codec = Codec::f16}}) {
    const CompressedTable small = CompressedTable::encode(table.view(), options);
    std::vector<float> scores(3000), row(24);
    small.dot_all(query, scores);
    for (TokenId r = 0; r < 3000; r += 13) {
      small.decode_row(r, row);
      EXPECT_NEAR(scores[r], dot(query, row), 1e-4 * (1 + std::abs(dot(query, row)))) << codec_name(options.codec);
    }
    if (options.separate_norms) {
      // A row is its kept norm times its quantized direction (as fastText's -qnorm), so its
      // length is off only by how far the quantized direction is from unit length.
      for (TokenId r = 0; r < 3000; r += 97) {
        small.decode_row(r, row);
        const double norm = std::sqrt(dot(table.row(r), table.row(r)));
        EXPECT_NEAR(std::sqrt(dot(row, row)) / norm, 1.0, 0.25) << r;
      }
    }
  }
}

// Same seed, same data: the same codebooks and codes for any thread count.
TEST(CompressedTable, ProductQuantizationIsReproducibleAcrossThreadCounts) {
  const EmbeddingTable table = normal_table(2500, 16, 5);
  const std::string one =
      CompressedTable::encode(table.view(), {.codec = Codec::pq, .pq_subvectors = 4, .seed = 8, .threads = 1}).serialize();
  const std::string two =
      CompressedTable::encode(table.view(), {.codec = Codec::pq, .pq_subvectors = 4, .seed = 8, .threads = 2}).serialize();
  EXPECT_EQ(one, two);
  const std::string other =
      CompressedTable::encode(table.view(), {.codec = Codec::pq, .pq_subvectors = 4, .seed = 9, .threads = 2}).serialize();
  EXPECT_NE(one, other);
  // Quantization error falls as codes get finer: 4 bits < 8 bits < more sub-vectors.
  auto error = [&](const CompressionOptions& o) {
    const CompressedTable t = CompressedTable::encode(table.view(), o);
    std::vector<float> row(16);
    double sum = 0;
    for (TokenId r = 0; r < 2500; ++r) {
      t.decode_row(r, row);
      for (std::size_t d = 0; d < 16; ++d) sum += std::pow(row[d] - table.row(r)[d], 2);
    }
    return sum;
  };
  const double coarse = error({.codec = Codec::pq, .pq_subvectors = 4, .bits = 4});
  const double finer = error({.codec = Codec::pq, .pq_subvectors = 4, .bits = 8});
  const double finest = error({.codec = Codec::pq, .pq_subvectors = 8, .bits = 8});
  EXPECT_LT(finer, coarse);
  EXPECT_LT(finest, finer);
}

TEST(CompressedTable, SerializedTablesReadBackExactly) {
  const EmbeddingTable table = normal_table(500, 20, 6);
  for (const auto& options : {CompressionOptions{.codec = Codec::f16}, CompressionOptions{.codec = Codec::int8},
                              CompressionOptions{.codec = Codec::int4},
                              CompressionOptions{.codec = Codec::pq, .pq_subvectors = 5, .bits = 4},
                              CompressionOptions{.codec = Codec::pq, .separate_norms = true}}) {
    const CompressedTable small = CompressedTable::encode(table.view(), options);
    const std::string bytes = small.serialize();
    const CompressedTable back = CompressedTable::parse(bytes, "t.ekct");
    EXPECT_EQ(back.serialize(), bytes);
    EXPECT_EQ(back.codec(), options.codec);
    EXPECT_EQ(back.bytes(), small.bytes());
    std::vector<float> a(20), b(20);
    small.decode_row(499, a);
    back.decode_row(499, b);
    EXPECT_EQ(a, b);
  }
}

// Norms kept apart take a byte a row (256 levels, as fastText's -qnorm) and stay within a
// fraction of a percent of the largest norm; files whose norms are floats (written before norms
// had codes) still read, as the same rows.
TEST(CompressedTable, SeparateNormsTakeAByteAndFilesWithFloatNormsStillRead) {
  const std::size_t rows = 4000, dim = 16;
  EmbeddingTable table = normal_table(rows, dim, 12);
  for (std::size_t r = 0; r < rows; ++r) {
    const float stretch = 0.05F + 3.0F * static_cast<float>(r % 101) / 101.0F;  // norms over two orders
    for (float& v : table.row(static_cast<TokenId>(r))) v *= stretch;
  }
  const CompressedTable plain = CompressedTable::encode(table.view(), {.codec = Codec::pq, .pq_subvectors = 4});
  const CompressedTable normed =
      CompressedTable::encode(table.view(), {.codec = Codec::pq, .pq_subvectors = 4, .separate_norms = true});
  EXPECT_EQ(normed.bytes(), plain.bytes() + rows + 256 * sizeof(float));
  // Every norm level is one of 256: the decoded row's norm is its level times the quantized
  // unit direction's length, so compare levels through rows whose directions decode exactly:
  // a table of one direction repeated at many lengths.
  EmbeddingTable lengths(rows, dim);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t d = 0; d < dim; ++d) lengths.row(static_cast<TokenId>(r))[d] = d == 3 ? 0.01F * static_cast<float>(r + 1) : 0.0F;
  }
  const CompressedTable levels =
      CompressedTable::encode(lengths.view(), {.codec = Codec::pq, .pq_subvectors = 4, .separate_norms = true});
  std::vector<float> row(dim);
  double worst = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    levels.decode_row(static_cast<TokenId>(r), row);
    const double exact = 0.01 * static_cast<double>(r + 1);
    worst = std::max(worst, std::abs(std::sqrt(dot(row, row)) - exact));
  }
  // 4,000 norms spread evenly from 0.01 to 40 on 256 levels: k-means spaces them about evenly
  // too, ~0.16 apart, so no norm is off by much more than half of that (0.4% of the largest).
  EXPECT_LT(worst, 0.15);

  // The earlier layout: norms flag 1, a float per row where the byte codes and levels are now.
  const std::string bytes = normed.serialize();
  const std::size_t header = 36, codes = rows * 4;
  ASSERT_EQ(bytes[10], 2);
  std::vector<std::uint8_t> norm_codes(rows);
  std::memcpy(norm_codes.data(), bytes.data() + header + codes, rows);
  std::vector<float> norm_levels(256);
  std::memcpy(norm_levels.data(), bytes.data() + header + codes + rows, 256 * sizeof(float));
  std::string old = bytes.substr(0, header + codes);
  old[10] = 1;
  for (std::size_t r = 0; r < rows; ++r) old.append(reinterpret_cast<const char*>(&norm_levels[norm_codes[r]]), 4);
  old += bytes.substr(header + codes + rows + 256 * sizeof(float));
  const CompressedTable read = CompressedTable::parse(old, "old.ekct");
  EXPECT_EQ(read.serialize(), old);
  std::vector<float> a(dim), b(dim);
  for (TokenId r = 0; r < rows; r += 37) {
    normed.decode_row(r, a);
    read.decode_row(r, b);
    EXPECT_EQ(a, b) << r;
  }
  // Hostile norm codes: a negative or NaN level, a cut anywhere, an unknown flag, a flag on a
  // codec without norms.
  for (const float bad : {-1.0F, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    std::string level = bytes;
    std::memcpy(level.data() + header + codes + rows + 100 * sizeof(float), &bad, 4);
    EXPECT_THROW((void)CompressedTable::parse(level, "x"), FormatError) << bad;
  }
  for (std::size_t size = header + codes; size < header + codes + rows + 256 * sizeof(float) + 8; size += 97) {
    EXPECT_THROW((void)CompressedTable::parse(std::string_view(bytes).substr(0, size), "x"), FormatError) << size;
  }
  std::string flag = bytes;
  flag[10] = 3;
  EXPECT_THROW((void)CompressedTable::parse(flag, "x"), FormatError);
  std::string scalar = CompressedTable::encode(table.view(), {.codec = Codec::int8}).serialize();
  scalar[10] = 2;
  EXPECT_THROW((void)CompressedTable::parse(scalar, "x"), FormatError);
  // No rows at all: the levels alone, and the table writes back exactly.
  std::string empty = bytes.substr(0, header);
  const std::uint64_t no_rows = 0;
  std::memcpy(empty.data() + 12, &no_rows, 8);
  empty += bytes.substr(header + codes + rows);
  EXPECT_EQ(CompressedTable::parse(empty, "empty").serialize(), empty);

  // A zero row stays exactly zero.
  EmbeddingTable with_zero = normal_table(300, dim, 4);
  std::fill(with_zero.row(7).begin(), with_zero.row(7).end(), 0.0F);
  const CompressedTable zero =
      CompressedTable::encode(with_zero.view(), {.codec = Codec::pq, .pq_subvectors = 4, .separate_norms = true});
  zero.decode_row(7, row);
  for (const float v : row) EXPECT_EQ(v, 0.0F);
}

TEST(CompressedTable, RefusesBadOptionsAndHostileBytes) {
  const EmbeddingTable table = normal_table(50, 10, 1);
  EXPECT_THROW((void)CompressedTable::encode(table.view(), {.codec = Codec::pq, .pq_subvectors = 3}), ArgumentError);
  EXPECT_THROW((void)CompressedTable::encode(table.view(), {.codec = Codec::pq, .bits = 6}), ArgumentError);
  EmbeddingTable bad = normal_table(3, 4, 1);
  bad.row(1)[2] = std::numeric_limits<float>::quiet_NaN();
  try {
    (void)CompressedTable::encode(bad.view(), {.codec = Codec::int8});
    FAIL() << "NaN accepted";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("row 1 column 2"), std::string::npos) << e.what();
  }
  bad.row(1)[2] = 1e6F;
  EXPECT_THROW((void)CompressedTable::encode(bad.view(), {.codec = Codec::f16}), ArgumentError);
  EXPECT_THROW((void)parse_codec("zip"), ArgumentError);
  EXPECT_EQ(parse_codec("int4"), Codec::int4);

  const std::string good = CompressedTable::encode(table.view(), {.codec = Codec::pq, .pq_subvectors = 5}).serialize();
  // Every truncation fails cleanly, naming the source.
  for (std::size_t size = 0; size < good.size(); size += 7) {
    try {
      (void)CompressedTable::parse(std::string_view(good).substr(0, size), "cut.ekct");
      FAIL() << "a table cut to " << size << " bytes was read";
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find("cut.ekct"), std::string::npos) << e.what();
    }
  }
  std::string lying = good;
  lying[16] = static_cast<char>(0xFF);  // rows: far more than the bytes hold
  EXPECT_THROW((void)CompressedTable::parse(lying, "x"), FormatError);
  std::string extra = good + "x";
  EXPECT_THROW((void)CompressedTable::parse(extra, "x"), FormatError);
  std::string codec = good;
  codec[8] = 9;
  EXPECT_THROW((void)CompressedTable::parse(codec, "x"), FormatError);
  std::string infinite_codebook = good;
  const float inf = std::numeric_limits<float>::infinity();
  std::memcpy(infinite_codebook.data() + infinite_codebook.size() - 4, &inf, 4);
  EXPECT_THROW((void)CompressedTable::parse(infinite_codebook, "x"), FormatError);
  const std::string half = CompressedTable::encode(table.view(), {.codec = Codec::f16}).serialize();
  std::string nan_half = half;
  nan_half[40] = static_cast<char>(0xFF);
  nan_half[41] = static_cast<char>(0x7F);
  EXPECT_THROW((void)CompressedTable::parse(nan_half, "x"), FormatError);
}

}  // namespace
}  // namespace embedkit
