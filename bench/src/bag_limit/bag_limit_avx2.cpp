// The sweep at AVX2 width (built with -mavx2; run only when the CPU has it).
#include "bag_limit_impl.h"

namespace embedkit::bench {
namespace {
struct Avx2 {
  using vec = __m256;
  static constexpr int kFloats = 8;
  static vec zero() { return _mm256_setzero_ps(); }
  static vec load(const float* p) { return _mm256_loadu_ps(p); }
  static vec add(vec a, vec b) { return _mm256_add_ps(a, b); }
  static void store(float* p, vec v) { _mm256_storeu_ps(p, v); }
};
}  // namespace

std::vector<BagStrategy> bag_strategies_avx2(std::size_t row_bytes) {
  std::vector<BagStrategy> out;
  limit::add_pass<Avx2, 4>(out, "avx2", row_bytes);   // 128 B per pass
  limit::add_pass<Avx2, 8>(out, "avx2", row_bytes);   // 256 B
  limit::add_pass<Avx2, 16>(out, "avx2", row_bytes);  // 512 B (all 16 ymm registers)
  return out;
}
}  // namespace embedkit::bench
