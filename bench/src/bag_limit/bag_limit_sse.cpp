// The sweep at SSE width (x86-64 baseline: no extra flags).
#include "bag_limit_impl.h"

namespace embedkit::bench {
namespace {
struct Sse {
  using vec = __m128;
  static constexpr int kFloats = 4;
  static vec zero() { return _mm_setzero_ps(); }
  static vec load(const float* p) { return _mm_loadu_ps(p); }
  static vec add(vec a, vec b) { return _mm_add_ps(a, b); }
  static void store(float* p, vec v) { _mm_storeu_ps(p, v); }
};
}  // namespace

std::vector<BagStrategy> bag_strategies_sse(std::size_t row_bytes) {
  std::vector<BagStrategy> out;
  limit::add_pass<Sse, 8>(out, "sse", row_bytes);   // 128 B per pass
  limit::add_pass<Sse, 16>(out, "sse", row_bytes);  // 256 B (all 16 xmm registers)
  return out;
}
}  // namespace embedkit::bench
