// Private to embedkit: the float kernels under the embedding layer, one implementation per
// instruction set, chosen once at run time.
//
// kernels() returns the best table this CPU supports: AVX-512F, else AVX2+FMA+F16C, else the scalar
// reference. EMBEDKIT_SIMD=scalar|avx2|avx512 forces a level (tests use it to check every level
// against scalar; asking for a level the CPU lacks is an error, not a silent fallback).
// The build stays portable: only avx2.cpp and avx512.cpp get -mavx2/-mavx512f, and their code
// runs only after the CPU has said yes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace embedkit::kernels {

enum class SimdLevel { scalar, avx2, avx512 };

/// Row-oriented float kernels. `n` counts floats; pointers need no particular alignment, but
/// embedkit passes 64-byte-aligned rows. Tables are read through (base, stride) so any padded
/// row layout works.
struct KernelTable {
  SimdLevel level;
  /// sum_i a[i] * b[i]
  float (*dot)(const float* a, const float* b, std::size_t n);
  /// y += alpha * x
  void (*axpy)(float alpha, const float* x, float* y, std::size_t n);
  /// x *= alpha
  void (*scale)(float alpha, float* x, std::size_t n);
  /// out[i*out_stride .. +dim) = table[ids[i]*stride .. +dim) for i < count, prefetching ahead.
  void (*gather)(const float* table, std::size_t stride, const std::uint32_t* ids, std::size_t count,
                 float* out, std::size_t out_stride, std::size_t dim);
  /// Bag sums (w_i = 1 when weights is null), many bags at once, so prefetching runs across bag boundaries (bags are often shorter than
  /// the prefetch distance). Bag b covers ids[offsets[b] - offsets[0], end_b - offsets[0]) where
  /// end_b = offsets[b + 1], or `end` for the last bag; `ids` and `weights` start at offsets[0].
  /// Ids equal to `skip` are left out; with `mean` each sum is divided by the ids kept. Empty
  /// bags give zeros. out[b * dim ..] receives bag b.
  void (*bags_sum)(const float* table, std::size_t stride, const std::uint32_t* ids, const std::uint64_t* offsets,
                   std::size_t bags, std::uint64_t end, const float* weights, std::uint32_t skip, bool mean,
                   float* out, std::size_t dim);
  /// out[d] = max_i table[ids[i]][d], arg[d] = position i of that max (first on ties);
  /// count >= 1.
  void (*bag_max)(const float* table, std::size_t stride, const std::uint32_t* ids, std::size_t count,
                  float* out, std::uint32_t* arg, std::size_t dim);
  /// One Adam step on one row, element-wise:
  ///   m = b1 * m + (1 - b1) * g;  v = b2 * v + (1 - b2) * g * g;  row -= step * m / (sqrt(v) + eps)
  void (*adam_row)(float* row, float* m, float* v, const float* g, std::size_t n, float b1, float b2, float step,
                   float eps);
  /// out[r] = sum_d rows[r * stride + d] * query[d] for r < count (int8 rows, int32 sums);
  /// n must be a multiple of 32 and values within [-127, 127].
  void (*dot_i8)(const std::int8_t* rows, std::size_t stride, std::size_t count, const std::int8_t* query,
                 std::size_t n, std::int32_t* out);
  /// The SGD step of one logistic unit with weights w on input h, in one pass over w:
  ///   g += alpha * w;  w += alpha * h   (g takes w's value from before the step)
  void (*logistic_step)(float alpha, float* w, const float* h, float* g, std::size_t n);
  /// Compressed rows (table/compressed_table.h): n float16 values (IEEE binary16, 2 bytes each,
  /// little-endian, any alignment) to float, and their dot with a float query; int8 times
  /// `scale` to float, and the int8 row's dot with a query.
  void (*f16_to_f32)(const std::uint8_t* in, float* out, std::size_t n);
  float (*dot_f16)(const std::uint8_t* row, const float* query, std::size_t n);
  void (*i8_to_f32)(const std::int8_t* in, float scale, float* out, std::size_t n);
  float (*dot_i8_f32)(const std::int8_t* row, const float* query, std::size_t n);
  /// GELU (exact, erf form) and its backward, element-wise (gelu_kernels.h).
  void (*gelu)(const float* x, float* y, std::size_t n);
  void (*gelu_backward)(const float* x, const float* dy, float* dx, std::size_t n);
};

/// The active table (env override or best supported). Thread-safe; chosen on first call.
const KernelTable& kernels();

/// The table of one level. Throws ArgumentError when this CPU cannot run it.
const KernelTable& kernels_for(SimdLevel level);

/// Whether this CPU (and build) can run `level`.
bool supported(SimdLevel level) noexcept;

std::string_view name(SimdLevel level) noexcept;

// One per instruction set, defined in scalar.cpp, avx2.cpp and avx512.cpp.
const KernelTable& scalar_kernels();
const KernelTable& avx2_kernels();
const KernelTable& avx512_kernels();

}  // namespace embedkit::kernels
