// Private to embedkit: decoding and dot products of compressed rows (float16, int8 with a
// scale), the scalar reference and the AVX2 (F16C) / AVX-512 versions. Included by scalar.cpp,
// avx2.cpp and avx512.cpp; each vector loop finishes its tail with the scalar one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace embedkit::kernels::codes {
// Internal linkage: each of scalar.cpp, avx2.cpp and avx512.cpp compiles these with its own
// instruction-set flags, so the copies must never be merged by the linker (a weak inline copy
// built for AVX2 could otherwise end up in the scalar table).
namespace {

// IEEE binary16 -> binary32, exactly (subnormals, infinities and NaN included).
inline float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000U) << 16;
  std::uint32_t exponent = (h >> 10) & 0x1FU;
  std::uint32_t mantissa = h & 0x3FFU;
  std::uint32_t bits = 0;
  if (exponent == 0x1FU) {
    bits = sign | 0x7F800000U | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa != 0) {  // subnormal: normalise
    exponent = 113;
    while ((mantissa & 0x400U) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3FFU) << 13);
  } else {
    bits = sign;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Float16 codes are bytes (two per value, little-endian), read with memcpy.
inline std::uint16_t half_at(const std::uint8_t* p, std::size_t i) {
  std::uint16_t h;
  std::memcpy(&h, p + 2 * i, 2);
  return h;
}
inline void f16_to_f32_scalar(const std::uint8_t* in, float* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = half_to_float(half_at(in, i));
}
inline float dot_f16_scalar(const std::uint8_t* row, const float* q, std::size_t n) {
  float sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += half_to_float(half_at(row, i)) * q[i];
  return sum;
}
inline void i8_to_f32_scalar(const std::int8_t* in, float scale, float* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = scale * static_cast<float>(in[i]);
}
inline float dot_i8_f32_scalar(const std::int8_t* row, const float* q, std::size_t n) {
  float sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += static_cast<float>(row[i]) * q[i];
  return sum;
}

#if defined(__AVX2__) && defined(__F16C__) && defined(__FMA__)
inline __m256 load_f16x8(const std::uint8_t* p) {  // 8 values: 16 bytes
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline __m256 load_i8x8(const std::int8_t* p) {
  std::int64_t bytes;
  std::memcpy(&bytes, p, 8);
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_cvtsi64_si128(bytes)));
}
inline float hsum8(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 h = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(h, _mm_shuffle_ps(h, h, 1)));
}
inline void f16_to_f32_avx2(const std::uint8_t* in, float* out, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, load_f16x8(in + 2 * i));
  f16_to_f32_scalar(in + 2 * i, out + i, n - i);
}
// sum_i load(i)[0..8) . q[i..i+8) over whole groups of 8, in two accumulators; the caller adds
// the scalar tail from `done` on.
template <class Load8>
float dot8_avx2(Load8 load, const float* q, std::size_t n, std::size_t& done) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(load(i), _mm256_loadu_ps(q + i), acc0);
    acc1 = _mm256_fmadd_ps(load(i + 8), _mm256_loadu_ps(q + i + 8), acc1);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(load(i), _mm256_loadu_ps(q + i), acc0);
  done = i;
  return hsum8(_mm256_add_ps(acc0, acc1));
}
inline float dot_f16_avx2(const std::uint8_t* row, const float* q, std::size_t n) {
  std::size_t i = 0;
  const float head = dot8_avx2([&](std::size_t at) { return load_f16x8(row + 2 * at); }, q, n, i);
  return head + dot_f16_scalar(row + 2 * i, q + i, n - i);
}
inline void i8_to_f32_avx2(const std::int8_t* in, float scale, float* out, std::size_t n) {
  const __m256 s = _mm256_set1_ps(scale);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, _mm256_mul_ps(s, load_i8x8(in + i)));
  i8_to_f32_scalar(in + i, scale, out + i, n - i);
}
inline float dot_i8_f32_avx2(const std::int8_t* row, const float* q, std::size_t n) {
  std::size_t i = 0;
  const float head = dot8_avx2([&](std::size_t at) { return load_i8x8(row + at); }, q, n, i);
  return head + dot_i8_f32_scalar(row + i, q + i, n - i);
}
#endif

#if defined(__AVX512F__)
inline __m512 load_f16x16(const std::uint8_t* p) {  // 16 values: 32 bytes
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
inline __m512 load_i8x16(const std::int8_t* p) {
  return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
}
inline void f16_to_f32_avx512(const std::uint8_t* in, float* out, std::size_t n) {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(out + i, load_f16x16(in + 2 * i));
  f16_to_f32_scalar(in + 2 * i, out + i, n - i);
}
template <class Load16>
float dot16_avx512(Load16 load, const float* q, std::size_t n, std::size_t& done) {
  __m512 acc = _mm512_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) acc = _mm512_fmadd_ps(load(i), _mm512_loadu_ps(q + i), acc);
  done = i;
  return _mm512_reduce_add_ps(acc);
}
inline float dot_f16_avx512(const std::uint8_t* row, const float* q, std::size_t n) {
  std::size_t i = 0;
  const float head = dot16_avx512([&](std::size_t at) { return load_f16x16(row + 2 * at); }, q, n, i);
  return head + dot_f16_scalar(row + 2 * i, q + i, n - i);
}
inline void i8_to_f32_avx512(const std::int8_t* in, float scale, float* out, std::size_t n) {
  const __m512 s = _mm512_set1_ps(scale);
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(out + i, _mm512_mul_ps(s, load_i8x16(in + i)));
  i8_to_f32_scalar(in + i, scale, out + i, n - i);
}
inline float dot_i8_f32_avx512(const std::int8_t* row, const float* q, std::size_t n) {
  std::size_t i = 0;
  const float head = dot16_avx512([&](std::size_t at) { return load_i8x16(row + at); }, q, n, i);
  return head + dot_i8_f32_scalar(row + i, q + i, n - i);
}
#endif

}  // namespace
}  // namespace embedkit::kernels::codes
