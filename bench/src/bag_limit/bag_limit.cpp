#include "bag_limit.h"

namespace embedkit::bench {

std::vector<BagStrategy> bag_strategies(std::size_t row_bytes) {
  std::vector<BagStrategy> all = bag_strategies_sse(row_bytes);
  if (__builtin_cpu_supports("avx2")) {
    for (auto& s : bag_strategies_avx2(row_bytes)) all.push_back(std::move(s));
  }
  if (__builtin_cpu_supports("avx512f")) {
    for (auto& s : bag_strategies_avx512(row_bytes)) all.push_back(std::move(s));
  }
  return all;
}

}  // namespace embedkit::bench
