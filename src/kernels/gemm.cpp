#include "kernels/gemm.h"

#include <cblas.h>
#include <fmt/format.h>

#include <limits>
#include <mutex>
#include <utility>

#include "embedkit/core/error.h"

// Which OpenBLAS build is loaded (Debian switches them with update-alternatives): 0 serial,
// 1 pthreads, 2 OpenMP. Weak, so that another BLAS links too.
extern "C" int openblas_get_parallel() __attribute__((weak));
extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace embedkit::kernels {

namespace {

struct OpenBlasBuild {
  OpenBlasBuild() {
    const int build = openblas_get_parallel != nullptr ? openblas_get_parallel() : -1;
    serialise = build == 0;
    if (build == 1 && openblas_set_num_threads != nullptr) openblas_set_num_threads(1);
  }
  bool serialise = false;
  std::mutex mutex;
};

OpenBlasBuild& openblas() {
  static OpenBlasBuild build;
  return build;
}

}  // namespace

void gemm(Transpose transpose_a, Transpose transpose_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
          const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  // (OpenBLAS takes ints: past INT_MAX it would report an error and compute nothing.)
  for (const std::size_t size : {m, n, k, lda, ldb, ldc}) {
    EMBEDKIT_CHECK(std::in_range<int>(size), ArgumentError,
                   fmt::format("a matrix product of {} x {} x {}: a size past {} is more than BLAS takes", m, n, k,
                               std::numeric_limits<int>::max()));
  }
  OpenBlasBuild& build = openblas();
  std::unique_lock lock(build.mutex, std::defer_lock);
  if (build.serialise) lock.lock();
  cblas_sgemm(CblasRowMajor, transpose_a == Transpose::yes ? CblasTrans : CblasNoTrans,
              transpose_b == Transpose::yes ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), alpha, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta, c,
              static_cast<int>(ldc));
}

}  // namespace embedkit::kernels
