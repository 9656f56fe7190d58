// AVX-512F kernels (compiled with -mavx512f; run only when the CPU reports AVX-512F).
#include "kernels.h"
#include "code_kernels.h"
#include "int8_dot.h"
#include "gelu_kernels.h"
#include "simd_kernels.h"

namespace embedkit::kernels {
namespace {

struct Avx512 {
  using vec = __m512;
  using ivec = __m512i;
  static constexpr std::size_t kWidth = 16;
  static vec zero() { return _mm512_setzero_ps(); }
  static vec set1(float f) { return _mm512_set1_ps(f); }
  static vec load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, vec v) { _mm512_storeu_ps(p, v); }
  // The first n < 16 lanes (the rest read as zero, and are neither read from nor written to memory).
  static vec load_n(const float* p, std::size_t n) { return _mm512_maskz_loadu_ps(mask(n), p); }
  static void store_n(float* p, vec v, std::size_t n) { _mm512_mask_storeu_ps(p, mask(n), v); }
  static __mmask16 mask(std::size_t n) { return static_cast<__mmask16>((1U << n) - 1U); }
  static vec fmadd(vec a, vec b, vec c) { return _mm512_fmadd_ps(a, b, c); }
  static vec add(vec a, vec b) { return _mm512_add_ps(a, b); }
  static vec mul(vec a, vec b) { return _mm512_mul_ps(a, b); }
  static vec sub(vec a, vec b) { return _mm512_sub_ps(a, b); }
  static vec div(vec a, vec b) { return _mm512_div_ps(a, b); }
  static vec sqrt(vec a) { return _mm512_sqrt_ps(a); }
  static float hsum(vec v) { return _mm512_reduce_add_ps(v); }
  static ivec iset1(std::int32_t i) { return _mm512_set1_epi32(i); }
  static void istore(std::uint32_t* p, ivec v) { _mm512_storeu_si512(p, v); }
  static void max_arg(vec row, vec& best, ivec& arg, ivec index) {
    const __mmask16 greater = _mm512_cmp_ps_mask(row, best, _CMP_GT_OQ);
    best = _mm512_mask_mov_ps(best, greater, row);
    arg = _mm512_mask_mov_epi32(arg, greater, index);
  }
};

}  // namespace

const KernelTable& avx512_kernels() {
  static const KernelTable table{SimdLevel::avx512,        simd::dot<Avx512>,    simd::axpy<Avx512>,
                                 simd::scale<Avx512>,      simd::gather<Avx512>, simd::bags_sum<Avx512>,
                                 simd::bag_max<Avx512>, simd::adam_row<Avx512>, simd::dot_i8_avx2,
                                 simd::logistic_step<Avx512>, codes::f16_to_f32_avx512,
                                 codes::dot_f16_avx512,       codes::i8_to_f32_avx512,
                                 codes::dot_i8_f32_avx512,
                                 elementwise::gelu,           elementwise::gelu_backward};
  return table;
}

}  // namespace embedkit::kernels
