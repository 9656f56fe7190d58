// The sweep at AVX-512 width (built with -mavx512f; run only when the CPU has it).
#include "bag_limit_impl.h"

namespace embedkit::bench {
namespace {
struct Avx512 {
  using vec = __m512;
  static constexpr int kFloats = 16;
  static vec zero() { return _mm512_setzero_ps(); }
  static vec load(const float* p) { return _mm512_loadu_ps(p); }
  static vec add(vec a, vec b) { return _mm512_add_ps(a, b); }
  static void store(float* p, vec v) { _mm512_storeu_ps(p, v); }
};
}  // namespace

std::vector<BagStrategy> bag_strategies_avx512(std::size_t row_bytes) {
  std::vector<BagStrategy> out;
  limit::add_pass<Avx512, 2>(out, "avx512", row_bytes);   // 128 B per pass
  limit::add_pass<Avx512, 4>(out, "avx512", row_bytes);   // 256 B
  limit::add_pass<Avx512, 8>(out, "avx512", row_bytes);   // 512 B
  limit::add_pass<Avx512, 16>(out, "avx512", row_bytes);  // 1 KiB
  return out;
}
}  // namespace embedkit::bench
