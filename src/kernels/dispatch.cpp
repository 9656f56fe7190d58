// Chooses the kernel table once: EMBEDKIT_SIMD if set, else the best level the CPU supports.
#include <fmt/format.h>

#include <cstdlib>
#include <string>

#include "embedkit/core/error.h"
#include "kernels.h"

#include <cpuid.h>

namespace embedkit::kernels {
namespace {

// F16C (float16 conversion), CPUID leaf 1, ECX bit 29: Clang's __builtin_cpu_supports has no
// name for it. Every AVX2 CPU made has it; checked anyway.
bool has_f16c() noexcept {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid(1, &a, &b, &c, &d) != 0 && (c & (1U << 29U)) != 0;
}

}  // namespace

bool supported(SimdLevel level) noexcept {
  switch (level) {
    case SimdLevel::scalar:
      return true;
    case SimdLevel::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && has_f16c();
    case SimdLevel::avx512:
      return __builtin_cpu_supports("avx512f");
  }
  return false;
}

std::string_view name(SimdLevel level) noexcept {
  switch (level) {
    case SimdLevel::scalar: return "scalar";
    case SimdLevel::avx2: return "avx2";
    case SimdLevel::avx512: return "avx512";
  }
  return "?";
}

const KernelTable& kernels_for(SimdLevel level) {
  EMBEDKIT_CHECK(supported(level), ArgumentError,
                 fmt::format("this CPU does not support the {} kernels", name(level)));
  switch (level) {
    case SimdLevel::avx512: return avx512_kernels();
    case SimdLevel::avx2: return avx2_kernels();
    case SimdLevel::scalar: break;
  }
  return scalar_kernels();
}

namespace {

const KernelTable& choose() {
  if (const char* forced = std::getenv("EMBEDKIT_SIMD"); forced != nullptr && *forced != '\0') {
    const std::string want(forced);
    for (const SimdLevel level : {SimdLevel::scalar, SimdLevel::avx2, SimdLevel::avx512}) {
      if (want == name(level)) return kernels_for(level);
    }
    throw ArgumentError(fmt::format("EMBEDKIT_SIMD={:?} is not one of scalar, avx2, avx512", want));
  }
  if (supported(SimdLevel::avx512)) return avx512_kernels();
  if (supported(SimdLevel::avx2)) return avx2_kernels();
  return scalar_kernels();
}

}  // namespace

const KernelTable& kernels() {
  static const KernelTable& active = choose();
  return active;
}

}  // namespace embedkit::kernels
