// Small, fast, seedable random numbers for initialisation and sampling. SplitMix64 (Steele,
// Lea & Flood 2014): 64 bits of state, passes BigCrush, and a generator per row or per thread
// is free to create, which keeps results independent of the thread count.
#pragma once

#include <cmath>
#include <cstdint>

namespace embedkit {

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) noexcept : state_(seed) {}

  /// A generator for stream `index` of `seed` (e.g. one per table row).
  static SplitMix64 stream(std::uint64_t seed, std::uint64_t index) noexcept {
    SplitMix64 mixer(seed ^ (index * 0xD1B54A32D192ED03ULL));
    return SplitMix64(mixer.next());
  }

  /// The whole state: SplitMix64(state()) continues exactly where this generator is.
  [[nodiscard]] std::uint64_t state() const noexcept { return state_; }

  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31U);
  }

  /// Uniform in [0, 1) with 24 random bits (every float in the range is equally spaced).
  float uniform() noexcept { return static_cast<float>(next() >> 40U) * 0x1.0p-24F; }

  /// Standard normal (Box-Muller; one draw per call, the pair's twin discarded for simplicity).
  float normal() noexcept {
    const double u1 = (static_cast<double>(next() >> 11U) + 1.0) * 0x1.0p-53;  // (0, 1]
    const double u2 = static_cast<double>(next() >> 11U) * 0x1.0p-53;
    return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }

 private:
  std::uint64_t state_;
};

}  // namespace embedkit
