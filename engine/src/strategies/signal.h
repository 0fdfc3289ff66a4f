// What a strategy answers at each bar's close.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "atf/indicators.h"

namespace atf {

enum class Signal : int8_t {
  kShort = -1,  ///< bearish: go short if allowed, else be flat
  kFlat = 0,    ///< be flat
  kLong = 1,    ///< be long
  kHold = 2,    ///< keep whatever position there is
};

/// Maps a cross (+1 above, −1 below, 0 none) to a signal.
inline Signal signal_from_cross(int cross) {
  return cross > 0 ? Signal::kLong : cross < 0 ? Signal::kShort : Signal::kHold;
}

inline int sign_of(int128 v) { return (v > 0) - (v < 0); }
inline int sign_of(double v) { return (v > 0) - (v < 0); }

/// Owns the shared series a strategy reads through raw pointers. Strategies themselves stay
/// trivially copyable, so the run loop's copy lives in registers.
using KeepAlive = std::vector<std::shared_ptr<const void>>;

template <class T>
const T* hold(KeepAlive& keep, std::shared_ptr<const std::vector<T>> series) {
  const T* data = series->data();
  keep.push_back(std::move(series));
  return data;
}

inline std::string period_key(const char* kind, int period) { return std::string(kind) + ":" + std::to_string(period); }

}  // namespace atf
