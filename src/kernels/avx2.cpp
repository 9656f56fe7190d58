// AVX2 + FMA + F16C kernels (compiled with -mavx2 -mfma -mf16c; run only when the CPU reports all three).
#include "kernels.h"
#include "code_kernels.h"
#include "int8_dot.h"
#include "gelu_kernels.h"
#include "simd_kernels.h"

namespace embedkit::kernels {
namespace {

struct Avx2 {
  using vec = __m256;
  using ivec = __m256i;
  static constexpr std::size_t kWidth = 8;
  static vec zero() { return _mm256_setzero_ps(); }
  static vec set1(float f) { return _mm256_set1_ps(f); }
  static vec load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, vec v) { _mm256_storeu_ps(p, v); }
  // The first n < 8 lanes (the rest read as zero, and are neither read from nor written to memory).
  static vec load_n(const float* p, std::size_t n) { return _mm256_maskload_ps(p, mask(n)); }
  static void store_n(float* p, vec v, std::size_t n) { _mm256_maskstore_ps(p, mask(n), v); }
  static __m256i mask(std::size_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static vec fmadd(vec a, vec b, vec c) { return _mm256_fmadd_ps(a, b, c); }
  static vec add(vec a, vec b) { return _mm256_add_ps(a, b); }
  static vec mul(vec a, vec b) { return _mm256_mul_ps(a, b); }
  static vec sub(vec a, vec b) { return _mm256_sub_ps(a, b); }
  static vec div(vec a, vec b) { return _mm256_div_ps(a, b); }
  static vec sqrt(vec a) { return _mm256_sqrt_ps(a); }
  static float hsum(vec v) {
    const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 h = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(h, _mm_shuffle_ps(h, h, 1)));
  }
  static ivec iset1(std::int32_t i) { return _mm256_set1_epi32(i); }
  static void istore(std::uint32_t* p, ivec v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
  static void max_arg(vec row, vec& best, ivec& arg, ivec index) {
    const vec greater = _mm256_cmp_ps(row, best, _CMP_GT_OQ);
    best = _mm256_blendv_ps(best, row, greater);
    arg = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(arg), _mm256_castsi256_ps(index), greater));
  }
};

}  // namespace

const KernelTable& avx2_kernels() {
  static const KernelTable table{SimdLevel::avx2,        simd::dot<Avx2>,     simd::axpy<Avx2>,
                                 simd::scale<Avx2>,      simd::gather<Avx2>,  simd::bags_sum<Avx2>,
                                 simd::bag_max<Avx2>,     simd::adam_row<Avx2>, simd::dot_i8_avx2,
                                 simd::logistic_step<Avx2>, codes::f16_to_f32_avx2,
                                 codes::dot_f16_avx2,       codes::i8_to_f32_avx2,
                                 codes::dot_i8_f32_avx2,
                                 elementwise::gelu,           elementwise::gelu_backward};
  return table;
}

}  // namespace embedkit::kernels
