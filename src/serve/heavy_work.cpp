#include "serve/heavy_work.h"

#include <semaphore>

namespace embedkit::detail {
namespace {

std::counting_semaphore<>& turns() {
  static std::counting_semaphore<> semaphore(2);
  return semaphore;
}

}  // namespace

HeavyWork::HeavyWork() { turns().acquire(); }
HeavyWork::~HeavyWork() { turns().release(); }

}  // namespace embedkit::detail
