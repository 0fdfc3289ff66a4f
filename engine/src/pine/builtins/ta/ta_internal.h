// Shared pieces of the ta.* namespace: argument checks, a history ring buffer, the exact simple
// moving average core (also the seed of ema/rma), Wilder/exponential smoothing and the true range.
//
// Conventions every ta.* implementation follows (TradingView Pine v6 Reference Manual, "Remarks"):
//  * "na values in the source series are ignored; the function calculates on the length quantity
//    of non-na values" (sma, ema, rma, wma, stdev, ...): an na argument does not enter the window
//    and does not advance the state; the result on that bar is the one over the retained window.
//  * "na values ... are included in calculations and will produce an na result" (change, mom, roc,
//    alma, linreg, swma, percentrank, percentile_linear_interpolation): the window is the last
//    `length` calls and any na in it makes the result na.
//  * A call site's history is the sequence of the calls made on it (a call skipped on a bar by a
//    conditional does not push a value), as in TradingView; implicit bar series (high[1], close[1]
//    in ta.tr, ta.atr, ta.sar, ...) are read from the chart's bars, as Pine's built-in variables.
//  * Arithmetic is written in the order of the reference definitions; no FMA (-ffp-contract=off),
//    no std::pow for small integer powers, so native and Wasm results are bit-identical.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "../../builtin.h"

namespace atf::pine::ta {

inline std::string num_text(Value v) {
  if (is_na(v)) return "na";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  return std::to_string(v);
}

/// A length-like integer argument: na or < min_value is a RuntimeError naming the function and the
/// argument ("ta.sma: length must be > 0, got 0"). Fractional values are truncated toward zero.
inline int64_t int_arg(const char* fn, const char* arg, Value v, int64_t min_value = 1) {
  if (v > 1e9) throw RuntimeError(std::string(fn) + ": " + arg + " must be <= 1000000000, got " + num_text(v));
  if (is_na(v) || !(v >= static_cast<double>(min_value))) {
    const std::string rule = min_value == 1 ? "> 0" : min_value == 0 ? ">= 0" : ">= " + std::to_string(min_value);
    throw RuntimeError(std::string(fn) + ": " + arg + " must be " + rule + ", got " + num_text(v));
  }
  return static_cast<int64_t>(v);
}

/// The newest values pushed, indexed newest first (ago(0) is the last push). Keeps at least the
/// number of values asked for with keep(); grows by doubling (amortized), then overwrites.
class Ring {
 public:
  void keep(size_t n) {
    if (n > need_) need_ = n;
  }
  void push(double v) {
    if (size_ == buf_.size() && buf_.size() < need_) grow();
    if (size_ < buf_.size()) {
      buf_[(start_ + size_) & mask_] = v;
      ++size_;
    } else {
      buf_[start_] = v;
      start_ = (start_ + 1) & mask_;
    }
    ++pushed_;
  }
  double ago(size_t i) const { return buf_[(start_ + size_ - 1 - i) & mask_]; }
  /// Values available (at most the capacity).
  size_t size() const { return size_; }
  /// Values ever pushed.
  uint64_t pushed() const { return pushed_; }
  void clear() {
    size_ = 0;
    start_ = 0;
    pushed_ = 0;
  }

 private:
  void grow() {
    size_t cap = buf_.empty() ? 16 : buf_.size() * 2;
    while (cap < need_) cap *= 2;
    std::vector<double> nb(cap);
    for (size_t i = 0; i < size_; ++i) nb[i] = buf_[(start_ + i) & mask_];
    buf_.swap(nb);
    start_ = 0;
    mask_ = cap - 1;
  }
  std::vector<double> buf_;
  size_t start_ = 0, size_ = 0, mask_ = 0, need_ = 1;
  uint64_t pushed_ = 0;
};

/// How much history a window of `len` keeps: the window, the value leaving it, and slack so that a
/// series length may grow without losing values (a length growing past what was kept is an error,
/// as TradingView's max_bars_back limit).
inline size_t history_for(int64_t len) { return std::max<size_t>(static_cast<size_t>(len) * 2 + 2, 256); }

inline void check_history(const char* fn, const Ring& r, int64_t len) {
  if (r.size() < static_cast<size_t>(len) && r.pushed() > r.size())
    throw RuntimeError(std::string(fn) + ": length " + std::to_string(len) + " reaches further back than the " +
                       std::to_string(r.size()) + " values kept (a series length grew too fast)");
}

/// A value as an exact integer count of ticks (v × scale), if it lies on the tick grid.
inline bool to_ticks(double v, double scale, int64_t& ticks) {
  const double r = std::round(v * scale);
  if (!(std::fabs(r) < 0x1p46) || r / scale != v) return false;
  ticks = static_cast<int64_t>(r);
  return true;
}

/// The mean of the last `len` non-na values fed (ta.sma). While every value in the window is on
/// the tick grid the sum is an exact int64 tick count and the result is ONE division,
/// sum / (len × scale), so equal averages give identical doubles and a 1-bar average is the value
/// itself. Otherwise a double running sum, recomputed from the window every `len` updates (no drift).
/// A length change recomputes the sums over the new window; a steady length is O(1) per bar.
class SmaCore {
 public:
  double update(double v, int64_t len, double scale, const char* fn = "ta.sma") {
    hist_.keep(history_for(len));
    if (!is_na(v)) hist_.push(v);
    if (len != len_ || scale != scale_) {
      check_history(fn, hist_, len);
      len_ = len;
      scale_ = scale;
      rebuild();
    } else if (!is_na(v)) {
      add(v, +1);
      if (hist_.size() > static_cast<size_t>(len_)) add(hist_.ago(static_cast<size_t>(len_)), -1);
      if (++since_refresh_ >= len_) refresh_double();  // amortized O(1); bounds the double sum's drift
    }
    return value();
  }
  double value() const {
    if (hist_.size() < static_cast<size_t>(len_) || len_ == 0) return kNa;
    if (offgrid_ == 0) return static_cast<double>(ticks_) / (static_cast<double>(len_) * scale_);
    return dsum_ / static_cast<double>(len_);
  }
  const Ring& history() const { return hist_; }

 private:
  void add(double v, int sign) {
    int64_t t;
    if (to_ticks(v, scale_, t)) {
      ticks_ += sign * t;
    } else {
      offgrid_ += sign;
    }
    dsum_ += sign > 0 ? v : -v;
    if (sign < 0 && !std::isfinite(v)) since_refresh_ = len_;  // inf - inf: recompute on this update
  }
  void rebuild() {
    ticks_ = 0;
    offgrid_ = 0;
    const size_t n = std::min(hist_.size(), static_cast<size_t>(len_));
    for (size_t i = n; i-- > 0;) {
      int64_t t;
      if (to_ticks(hist_.ago(i), scale_, t)) ticks_ += t;
      else ++offgrid_;
    }
    refresh_double();
  }
  void refresh_double() {
    since_refresh_ = 0;
    dsum_ = 0;
    const size_t n = std::min(hist_.size(), static_cast<size_t>(len_));
    for (size_t i = n; i-- > 0;) dsum_ += hist_.ago(i);
  }
  Ring hist_;
  int64_t len_ = 0, ticks_ = 0, offgrid_ = 0, since_refresh_ = 0;
  double dsum_ = 0, scale_ = 0;
};

/// Exponential smoothing seeded with the simple average of the first `len` non-na values, then
/// value = alpha × source + (1 − alpha) × value[1]; an na source keeps the value (ta.ema, ta.rma:
/// "pine_rma ... sum := na(sum[1]) ? ta.sma(src, length) : alpha * src + (1 - alpha) * nz(sum[1])").
class EmaCore {
 public:
  double update(double v, int64_t len, double alpha, double scale, const char* fn) {
    if (!seeded_) {
      const double s = seed_.update(v, len, scale, fn);
      if (!is_na(s)) {
        value_ = s;
        seeded_ = true;
        seed_ = SmaCore();
      }
      return value_;
    }
    if (!is_na(v)) value_ = alpha * v + (1.0 - alpha) * value_;
    return value_;
  }
  double value() const { return value_; }

 private:
  SmaCore seed_;
  double value_ = kNa;
  bool seeded_ = false;
};

inline double ema_alpha(int64_t len) { return 2.0 / (static_cast<double>(len) + 1.0); }
inline double rma_alpha(int64_t len) { return 1.0 / static_cast<double>(len); }

/// Pine's math.max/math.min: na if either argument is na.
inline double nmax(double a, double b) { return (is_na(a) || is_na(b)) ? kNa : (a > b ? a : b); }
inline double nmin(double a, double b) { return (is_na(a) || is_na(b)) ? kNa : (a < b ? a : b); }
inline double nz(double v) { return is_na(v) ? 0.0 : v; }
/// Pine's `/` on floats: division by zero gives na.
inline double pdiv(double a, double b) { return b == 0.0 ? kNa : a / b; }

/// The true range of the current bar (ta.tr): math.max(high - low, math.abs(high - close[1]),
/// math.abs(low - close[1])). On the first bar close[1] is na: with handle_na the result is
/// high - low, without it na (the variable `ta.tr` is ta.tr(false)).
inline double true_range(const CallContext& cx, bool handle_na) {
  const double h = cx.high(), l = cx.low();
  const double pc = cx.t > 0 ? cx.bars->close[cx.t - 1] : kNa;
  if (is_na(pc)) return handle_na ? h - l : kNa;
  return nmax(nmax(h - l, std::fabs(h - pc)), std::fabs(l - pc));
}

/// Running total (ta.cum and the cumulative volume indicators): an exact int64 tick count while
/// every value is on the tick grid (so cum(close) is exact), then a plain double sum. na adds 0.
class CumCore {
 public:
  double add(double v, double scale) {
    if (is_na(v)) return sum_;
    int64_t t;
    if (exact_ && to_ticks(v, scale, t) && (ticks_ < (int64_t{1} << 61) && ticks_ > -(int64_t{1} << 61))) {
      ticks_ += t;
      sum_ = static_cast<double>(ticks_) / scale;
    } else {
      exact_ = false;
      sum_ += v;
    }
    return sum_;
  }
  double value() const { return sum_; }

 private:
  int64_t ticks_ = 0;
  double sum_ = 0;
  bool exact_ = true;
};

/// ta.stdev over a state made by make_stdev_state() (shared with ta.bb / ta.bbw).
double stdev_step(CallState* s, double v, int64_t len, bool biased, double scale, const char* fn);
std::unique_ptr<CallState> make_stdev_state();

/// The extreme (kMax: highest, else lowest) of the last `len` calls, na values skipped, in O(1)
/// amortized per call with a monotonic deque while the length stays the same (a length change
/// rebuilds it from the kept history). On ties the most recent value wins.
template <bool kMax>
class ExtremeWindow {
 public:
  /// Feeds the call's value; returns how many calls ago the extreme lies, or -1 while fewer than
  /// `len` calls were made or when the whole window is na.
  int64_t update(double v, int64_t len, const char* fn) {
    hist_.keep(history_for(len));
    hist_.push(v);
    const uint64_t pos = hist_.pushed() - 1;
    if (len != len_) {
      check_history(fn, hist_, len);
      len_ = len;
      rebuild(pos);
    } else {
      while (n_ > 0 && front().idx + static_cast<uint64_t>(len_) <= pos) pop_front();
      if (!is_na(v)) push_back(pos, v);
    }
    if (hist_.pushed() < static_cast<uint64_t>(len_) || n_ == 0) return -1;
    return static_cast<int64_t>(pos - front().idx);
  }
  /// The extreme value after update() returned >= 0.
  double value() const { return front().val; }

 private:
  struct Item {
    uint64_t idx;
    double val;
  };
  const Item& front() const { return dq_[head_]; }
  void pop_front() {
    head_ = (head_ + 1) & mask_;
    --n_;
  }
  void push_back(uint64_t idx, double v) {
    while (n_ > 0) {
      const Item& b = dq_[(head_ + n_ - 1) & mask_];
      if (kMax ? b.val <= v : b.val >= v) --n_;
      else break;
    }
    dq_[(head_ + n_) & mask_] = {idx, v};
    ++n_;
  }
  void rebuild(uint64_t pos) {
    size_t cap = 16;
    while (cap < static_cast<size_t>(len_) + 1) cap *= 2;
    if (dq_.size() < cap) dq_.resize(cap);
    mask_ = dq_.size() - 1;
    head_ = 0;
    n_ = 0;
    const size_t m = std::min(hist_.size(), static_cast<size_t>(len_));
    for (size_t i = m; i-- > 0;) {
      const double x = hist_.ago(i);
      if (!is_na(x)) push_back(pos - i, x);
    }
  }
  Ring hist_;
  std::vector<Item> dq_;
  size_t head_ = 0, n_ = 0, mask_ = 0;
  int64_t len_ = 0;
};

// Per-file registration (each file documents its family).
void register_moving_averages(Registry& reg);
void register_statistics(Registry& reg);
void register_oscillators(Registry& reg);
void register_volatility(Registry& reg);
void register_trend(Registry& reg);
void register_volume(Registry& reg);
void register_pivots(Registry& reg);
void register_misc(Registry& reg);

}  // namespace atf::pine::ta
