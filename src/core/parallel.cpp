#include "embedkit/core/parallel.h"

#include <fmt/format.h>
#include <omp.h>

#include "embedkit/core/error.h"

namespace embedkit {

void set_num_threads(int n) {
  EMBEDKIT_CHECK(n >= 1, ArgumentError, fmt::format("thread count must be at least 1, got {}", n));
  omp_set_num_threads(n);
}

int num_threads() { return omp_get_max_threads(); }

}  // namespace embedkit
