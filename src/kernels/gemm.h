// Private: matrix products through OpenBLAS, safe to call from several threads at once whatever
// OpenBLAS build Debian's alternatives load (serial, pthreads or OpenMP).
// - The serial build has no locks around its work buffers (unless built with USE_LOCKING; Debian's
//   0.3.21 is not): two threads calling it at once sometimes get wrong products, silently
//   (OpenBLAS issue #2126; seen here as analogy scores that changed from run to run). Its calls
//   are serialised.
// - The pthreads build would start its own threads inside ours: it is set to one.
// - The OpenMP build runs one thread inside an OpenMP region by itself; its
//   openblas_set_num_threads would call omp_set_num_threads(1) and so make all of embedkit
//   single-threaded, so it is left alone.
// (The pthreads build's setting is process-wide: a Python host's numpy gets one thread too.)
#pragma once

#include <cstddef>

namespace embedkit::kernels {

enum class Transpose : bool { no = false, yes = true };

/// c (m x n) = alpha * op(a) * op(b) + beta * c, row-major floats: op(a) is m x k (a itself, or
/// the transpose of a k x m matrix), op(b) k x n; lda, ldb, ldc are the row strides as stored.
void gemm(Transpose transpose_a, Transpose transpose_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
          const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc);

}  // namespace embedkit::kernels
