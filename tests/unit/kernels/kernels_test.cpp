// Every SIMD level this CPU supports must agree with the scalar reference.
#include "kernels/kernels.h"

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "embedkit/core/error.h"
#include "embedkit/core/random.h"

namespace embedkit::kernels {
namespace {

std::vector<float> random_floats(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0F, 1.0F);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<SimdLevel> simd_levels() {
  std::vector<SimdLevel> levels;
  for (const SimdLevel level : {SimdLevel::avx2, SimdLevel::avx512}) {
    if (supported(level)) levels.push_back(level);
  }
  return levels;
}

const std::size_t kDims[] = {1, 7, 8, 16, 33, 100, 128, 300};

TEST(Kernels, ActiveLevelIsSupported) {
  EXPECT_TRUE(supported(kernels().level));
  EXPECT_TRUE(supported(SimdLevel::scalar));
  // Asking for a level the CPU lacks is an error, never a silent fallback.
  for (const SimdLevel level : {SimdLevel::avx2, SimdLevel::avx512}) {
    if (!supported(level)) {
      EXPECT_THROW((void)kernels_for(level), ArgumentError) << name(level);
    }
  }
}

TEST(Kernels, DotAxpyScaleMatchScalar) {
  const KernelTable& ref = scalar_kernels();
  for (const SimdLevel level : simd_levels()) {
    const KernelTable& k = kernels_for(level);
    for (const std::size_t n : kDims) {
      SCOPED_TRACE(std::string(name(level)) + " n=" + std::to_string(n));
      const auto a = random_floats(n, 1), b = random_floats(n, 2);
      EXPECT_NEAR(k.dot(a.data(), b.data(), n), ref.dot(a.data(), b.data(), n), 1e-4 * std::sqrt(n));
      auto y1 = b, y2 = b;
      k.axpy(0.37F, a.data(), y1.data(), n);
      ref.axpy(0.37F, a.data(), y2.data(), n);
      for (std::size_t i = 0; i < n; ++i) EXPECT_NEAR(y1[i], y2[i], 1e-6F);
      auto s1 = a, s2 = a;
      k.scale(-1.5F, s1.data(), n);
      ref.scale(-1.5F, s2.data(), n);
      EXPECT_EQ(s1, s2);
      // logistic_step: g += alpha * w (old w), w += alpha * h.
      const auto h = random_floats(n, 3);
      auto w1 = a, w2 = a, g1 = b, g2 = b;
      k.logistic_step(-0.21F, w1.data(), h.data(), g1.data(), n);
      ref.logistic_step(-0.21F, w2.data(), h.data(), g2.data(), n);
      for (std::size_t i = 0; i < n; ++i) {
        EXPECT_NEAR(w1[i], w2[i], 1e-6F);
        EXPECT_NEAR(g1[i], g2[i], 1e-6F);
        EXPECT_NEAR(g1[i], b[i] - 0.21F * a[i], 1e-6F);  // the old w, not the updated one
        EXPECT_NEAR(w1[i], a[i] - 0.21F * h[i], 1e-6F);
      }
    }
  }
}

TEST(Kernels, AdamRowMatchesScalar) {
  const KernelTable& ref = scalar_kernels();
  for (const SimdLevel level : simd_levels()) {
    const KernelTable& k = kernels_for(level);
    for (const std::size_t n : kDims) {
      SCOPED_TRACE(std::string(name(level)) + " n=" + std::to_string(n));
      const auto g = random_floats(n, 3), row = random_floats(n, 4), m = random_floats(n, 5);
      auto v = random_floats(n, 6);
      for (float& x : v) x = x * x;  // second moments are non-negative
      auto row1 = row, m1 = m, v1 = v, row2 = row, m2 = m, v2 = v;
      for (int t = 0; t < 3; ++t) {
        k.adam_row(row1.data(), m1.data(), v1.data(), g.data(), n, 0.9F, 0.999F, 0.01F, 1e-8F);
        ref.adam_row(row2.data(), m2.data(), v2.data(), g.data(), n, 0.9F, 0.999F, 0.01F, 1e-8F);
      }
      for (std::size_t i = 0; i < n; ++i) {
        EXPECT_NEAR(m1[i], m2[i], 1e-6F);
        EXPECT_NEAR(v1[i], v2[i], 1e-6F);
        EXPECT_NEAR(row1[i], row2[i], 1e-5F);
      }
      // Each step moves the row against the gradient's sign (by about lr when m ~ g).
      auto fresh_row = row, zero_m = std::vector<float>(n, 0.0F), zero_v = zero_m;
      k.adam_row(fresh_row.data(), zero_m.data(), zero_v.data(), g.data(), n, 0.9F, 0.999F, 0.01F, 1e-8F);
      for (std::size_t i = 0; i < n; ++i) {
        if (g[i] > 0.01F) {
          EXPECT_LT(fresh_row[i], row[i]);
        } else if (g[i] < -0.01F) {
          EXPECT_GT(fresh_row[i], row[i]);
        }
      }
    }
  }
}

TEST(Kernels, GatherAndBagsMatchScalar) {
  const KernelTable& ref = scalar_kernels();
  const std::size_t rows = 50;
  std::mt19937 rng(3);
  std::vector<std::uint32_t> ids(37);
  for (auto& id : ids) id = rng() % rows;
  std::vector<float> weights = random_floats(ids.size(), 4);
  for (const SimdLevel level : simd_levels()) {
    const KernelTable& k = kernels_for(level);
    for (const std::size_t dim : kDims) {
      SCOPED_TRACE(std::string(name(level)) + " dim=" + std::to_string(dim));
      const std::size_t stride = (dim + 15) / 16 * 16;
      const auto table = random_floats(rows * stride, 5);
      std::vector<float> g1(ids.size() * dim), g2(ids.size() * dim);
      k.gather(table.data(), stride, ids.data(), ids.size(), g1.data(), dim, dim);
      ref.gather(table.data(), stride, ids.data(), ids.size(), g2.data(), dim, dim);
      EXPECT_EQ(g1, g2);

      // A run of bags that starts mid-batch (offsets[0] != 0), with an empty bag and skipped ids.
      const std::vector<std::uint64_t> offsets = {3, 10, 10, 21, 30};
      const std::uint64_t end = ids.size();
      for (const float* w : {static_cast<const float*>(nullptr), static_cast<const float*>(weights.data())}) {
        for (const bool mean : {false, true}) {
          for (const std::uint32_t skip : {UINT32_MAX, ids[12]}) {
            std::vector<float> s1(offsets.size() * dim), s2(offsets.size() * dim);
            const float* wb = w != nullptr ? w + offsets[0] : nullptr;
            k.bags_sum(table.data(), stride, ids.data() + offsets[0], offsets.data(), offsets.size(), end, wb, skip,
                       mean, s1.data(), dim);
            ref.bags_sum(table.data(), stride, ids.data() + offsets[0], offsets.data(), offsets.size(), end, wb,
                         skip, mean, s2.data(), dim);
            for (std::size_t i = 0; i < s1.size(); ++i) EXPECT_NEAR(s1[i], s2[i], 1e-4F);
            for (std::size_t d = 0; d < dim; ++d) EXPECT_EQ(s1[dim + d], 0.0F) << "empty bag";
          }
        }
      }

      std::vector<float> m1(dim), m2(dim);
      std::vector<std::uint32_t> a1(dim), a2(dim);
      k.bag_max(table.data(), stride, ids.data(), ids.size(), m1.data(), a1.data(), dim);
      ref.bag_max(table.data(), stride, ids.data(), ids.size(), m2.data(), a2.data(), dim);
      EXPECT_EQ(m1, m2);
      EXPECT_EQ(a1, a2);
    }
  }
}

TEST(Kernels, Int8DotMatchesScalarAtTheExtremes) {
  // Values at +-127 everywhere are the worst case for the int16 pair sums inside the SIMD code.
  const std::size_t n = 320, count = 37, stride = 352;
  std::vector<std::int8_t> rows(count * stride), query(n);
  SplitMix64 rng(4);
  for (auto& v : rows) v = static_cast<std::int8_t>(static_cast<int>(rng.next() % 255) - 127);
  for (std::size_t i = 0; i < n; ++i) query[i] = static_cast<std::int8_t>(i % 2 == 0 ? 127 : -127);
  for (std::size_t d = 0; d < n; ++d) rows[d] = static_cast<std::int8_t>(d % 2 == 0 ? 127 : -127);  // row 0: max
  for (std::size_t d = 0; d < n; ++d) rows[stride + d] = static_cast<std::int8_t>(d % 2 == 0 ? -127 : 127);
  std::vector<std::int32_t> want(count), got(count);
  scalar_kernels().dot_i8(rows.data(), stride, count, query.data(), n, want.data());
  EXPECT_EQ(want[0], 127 * 127 * 320);
  EXPECT_EQ(want[1], -127 * 127 * 320);
  for (const SimdLevel level : simd_levels()) {
    kernels_for(level).dot_i8(rows.data(), stride, count, query.data(), n, got.data());
    EXPECT_EQ(got, want) << name(level);
  }
}

TEST(Kernels, CompressedRowKernelsMatchScalarAndExactConversion) {
  // Every finite float16 bit pattern converts exactly as Eigen::half (the encoder's rounding)
  // reads it back, at every level.
  std::vector<std::uint8_t> every;
  std::vector<float> want_every;
  for (std::uint32_t h = 0; h < 65536; ++h) {
    if ((h & 0x7C00U) == 0x7C00U) continue;  // infinities and NaN: never in codes
    every.push_back(static_cast<std::uint8_t>(h & 0xFFU));
    every.push_back(static_cast<std::uint8_t>(h >> 8));
    want_every.push_back(static_cast<float>(Eigen::half(Eigen::half_impl::raw_uint16_to_half(static_cast<std::uint16_t>(h)))));
  }
  std::vector<float> got_every(want_every.size());
  for (const SimdLevel level : {SimdLevel::scalar, SimdLevel::avx2, SimdLevel::avx512}) {
    if (!supported(level)) continue;
    kernels_for(level).f16_to_f32(every.data(), got_every.data(), got_every.size());
    for (std::size_t i = 0; i < want_every.size(); ++i) {
      ASSERT_EQ(std::memcmp(&got_every[i], &want_every[i], 4), 0) << name(level) << " pattern " << i;
    }
  }
  for (const std::size_t n : kDims) {
    std::vector<std::uint8_t> halves(2 * n);
    std::vector<std::int8_t> bytes(n);
    SplitMix64 rng(n);
    for (std::size_t i = 0; i < n; ++i) {
      auto h = static_cast<std::uint16_t>(rng.next());
      if ((h & 0x7C00) == 0x7C00) h &= 0xBFFF;  // finite values only, as the codes hold
      halves[2 * i] = static_cast<std::uint8_t>(h & 0xFF);
      halves[2 * i + 1] = static_cast<std::uint8_t>(h >> 8);
    }
    for (auto& b : bytes) b = static_cast<std::int8_t>(static_cast<int>(rng.next() % 255) - 127);
    const std::vector<float> query = random_floats(n, 5);
    std::vector<float> want(n), got(n), want8(n), got8(n);
    const KernelTable& s = scalar_kernels();
    s.f16_to_f32(halves.data(), want.data(), n);
    s.i8_to_f32(bytes.data(), 0.25F, want8.data(), n);
    const float want_dot = s.dot_f16(halves.data(), query.data(), n);
    const float want_dot8 = s.dot_i8_f32(bytes.data(), query.data(), n);
    for (const SimdLevel level : simd_levels()) {
      const KernelTable& k = kernels_for(level);
      k.f16_to_f32(halves.data(), got.data(), n);
      k.i8_to_f32(bytes.data(), 0.25F, got8.data(), n);
      EXPECT_EQ(got, want) << name(level) << " n=" << n;
      EXPECT_EQ(got8, want8) << name(level) << " n=" << n;
      double magnitude = 0, magnitude8 = 0;
      for (std::size_t i = 0; i < n; ++i) {
        magnitude += std::abs(want[i] * query[i]);
        magnitude8 += std::abs(want8[i] * 4 * query[i]);
      }
      EXPECT_NEAR(k.dot_f16(halves.data(), query.data(), n), want_dot, 1e-5 * magnitude + 1e-6) << name(level);
      EXPECT_NEAR(k.dot_i8_f32(bytes.data(), query.data(), n), want_dot8, 1e-5 * magnitude8 + 1e-6) << name(level);
    }
  }
}

TEST(Kernels, MaxTiesKeepTheFirstPosition) {
  const std::vector<float> table = {1, 5, 5, 2};  // 4 rows of dim 1
  const std::vector<std::uint32_t> ids = {0, 1, 2, 1};
  for (const SimdLevel level : {SimdLevel::scalar, SimdLevel::avx2, SimdLevel::avx512}) {
    if (!supported(level)) continue;
    float out = 0;
    std::uint32_t arg = 9;
    kernels_for(level).bag_max(table.data(), 1, ids.data(), ids.size(), &out, &arg, 1);
    EXPECT_EQ(out, 5.0F);
    EXPECT_EQ(arg, 1U) << name(level);
  }
}

}  // namespace
}  // namespace embedkit::kernels

namespace embedkit::kernels {
namespace {

// GELU at every level against the exact formula in double (x Phi(x) and Phi(x) + x phi(x)),
// from far in the negative tail to far in the positive one, through zero and tiny values.
TEST(Kernels, GeluAndItsBackwardAreExactToFloatAtEveryLevel) {
  std::vector<float> x;
  for (int i = -2000; i <= 2000; ++i) x.push_back(static_cast<float>(i) * 0.01F);
  for (const float v : {-100.0F, -40.0F, -12.5F, 1e-30F, -1e-30F, 12.5F, 40.0F, 100.0F}) x.push_back(v);
  const std::vector<float> dy(x.size(), 0.75F);
  for (const SimdLevel level : {SimdLevel::scalar, SimdLevel::avx2, SimdLevel::avx512}) {
    if (!supported(level)) continue;
    const KernelTable& k = kernels_for(level);
    std::vector<float> y(x.size()), dx(x.size());
    k.gelu(x.data(), y.data(), x.size());
    k.gelu_backward(x.data(), dy.data(), dx.data(), x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double v = x[i];
      const double cdf = 0.5 * (1.0 + std::erf(v / std::sqrt(2.0)));
      const double pdf = std::exp(-0.5 * v * v) / std::sqrt(2.0 * 3.14159265358979323846);
      EXPECT_NEAR(y[i], v * cdf, 1e-6 + 1e-6 * std::abs(v)) << name(level) << " gelu(" << v << ")";
      EXPECT_NEAR(dx[i], 0.75 * (cdf + v * pdf), 1e-6) << name(level) << " gelu'(" << v << ")";
    }
  }
}

}  // namespace
}  // namespace embedkit::kernels
