// The engine's seeded random numbers: splitmix64 (Steele, Lea & Flood 2014) and an unbiased
// bounded draw by rejection. Fully specified, unlike std:: distributions, so a seed gives the same
// numbers natively and in Wasm. Internal to the engine.
#pragma once
#include <cstdint>

namespace atf {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  /// The next 64 random bits.
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n), n ≥ 1, without modulo bias (rejects the top partial range).
  uint64_t below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = next();
    while (x >= limit);
    return x % n;
  }
  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

}  // namespace atf
