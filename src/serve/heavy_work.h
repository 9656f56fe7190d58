// Private to embedkit's server: answers that cost far more than a look-up (a PCA of thousands of
// words, a comparison of two models over their frequent words) take turns, at most two at a
// time in the process. Each already runs on every core; more at once would only oversubscribe
// them, and a client asking for many could crowd out everything else.
#pragma once

namespace embedkit::detail {

/// Holds one of the two turns from construction to destruction (waits for one if none is free).
class HeavyWork {
 public:
  HeavyWork();
  ~HeavyWork();
  HeavyWork(const HeavyWork&) = delete;
  HeavyWork& operator=(const HeavyWork&) = delete;
};

}  // namespace embedkit::detail
