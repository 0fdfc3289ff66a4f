// What a strategy answers at each bar's close.
#pragma once
#include <cstdint>
#include <string>

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

inline std::string period_key(const char* kind, int period) { return std::string(kind) + ":" + std::to_string(period); }

}  // namespace atf
