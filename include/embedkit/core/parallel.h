// How many threads embedkit's parallel loops use (lookups, bags, gradients, initialisers).
// Defaults to the number of cores (or OMP_NUM_THREADS). Results never depend on it: every
// parallel loop splits work so that each output is computed by one thread in a fixed order.
#pragma once

namespace embedkit {

/// Sets the thread count for subsequent calls (n >= 1; ArgumentError otherwise).
void set_num_threads(int n);

/// The current thread count.
[[nodiscard]] int num_threads();

}  // namespace embedkit
