// Incremental indicators: O(1) per bar, no drift over millions of bars. Sums that decide trades
// are exact integers over price ticks (see MarketData), so equal values compare equal.
#pragma once
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <vector>

namespace atf {

__extension__ typedef __int128 int128;  // exact sums of squared ticks
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Simple moving average over integer ticks; the window sum is exact.
class Sma {
 public:
  explicit Sma(int period) : period_(period), window_(static_cast<size_t>(period)) {}
  /// Adds a value; returns true once `period` values have been seen.
  bool update(int64_t v) {
    size_t slot = static_cast<size_t>(count_ % period_);
    if (count_ >= period_) sum_ -= window_[slot];
    window_[slot] = v;
    sum_ += v;
    ++count_;
    return ready();
  }
  bool ready() const { return count_ >= period_; }
  /// The value the next update() drops from the window (0 while the window is filling).
  int64_t leaving() const { return count_ >= period_ ? window_[static_cast<size_t>(count_ % period_)] : 0; }
  int64_t sum() const { return sum_; }  ///< exact window sum (period × average)
  int period() const { return period_; }
  double value(double tick) const { return ready() ? static_cast<double>(sum_) / period_ * tick : kNaN; }

 private:
  int period_;
  std::vector<int64_t> window_;
  int64_t sum_ = 0;
  int64_t count_ = 0;
};

/// Exponential moving average, alpha = 2/(period+1), seeded with the SMA of the first `period`
/// values (as backtrader and TA-Lib do).
class Ema {
 public:
  explicit Ema(int period) : period_(period), alpha_(2.0 / (period + 1.0)) {}
  bool update(double v) {
    if (count_ < period_) {
      seed_ += v;
      if (++count_ == period_) value_ = seed_ / period_;
      return ready();
    }
    value_ += alpha_ * (v - value_);
    ++count_;
    return true;
  }
  bool ready() const { return count_ >= period_; }
  double value() const { return ready() ? value_ : kNaN; }

 private:
  int period_;
  double alpha_;
  double seed_ = 0, value_ = 0;
  int64_t count_ = 0;
};

/// Relative Strength Index with Wilder's smoothing: the first averages are plain means of the
/// first `period` gains/losses, then avg = (avg·(period−1) + x)/period.
class RsiWilder {
 public:
  explicit RsiWilder(int period) : period_(period) {}
  bool update(double price) {
    if (!has_prev_) {
      prev_ = price;
      has_prev_ = true;
      return false;
    }
    double change = price - prev_;
    prev_ = price;
    double gain = change > 0 ? change : 0.0, loss = change < 0 ? -change : 0.0;
    if (count_ < period_) {
      avg_gain_ += gain;
      avg_loss_ += loss;
      if (++count_ == period_) {
        avg_gain_ /= period_;
        avg_loss_ /= period_;
      }
      return ready();
    }
    avg_gain_ = (avg_gain_ * (period_ - 1) + gain) / period_;
    avg_loss_ = (avg_loss_ * (period_ - 1) + loss) / period_;
    ++count_;
    return true;
  }
  bool ready() const { return count_ >= period_; }
  /// RSI = 100·G/(G+L) (equal to 100 − 100/(1+G/L)); 50 when there was no movement at all.
  double value() const {
    if (!ready()) return kNaN;
    double total = avg_gain_ + avg_loss_;
    return total > 0 ? 100.0 * avg_gain_ / total : 50.0;
  }

 private:
  int period_;
  bool has_prev_ = false;
  double prev_ = 0, avg_gain_ = 0, avg_loss_ = 0;
  int64_t count_ = 0;
};

/// Bollinger bands over integer ticks: middle = SMA, bands = middle ± k·σ with the population σ.
/// Sums are exact (Σx in int64, Σx² in 128 bits), so σ never drifts and never goes negative.
class Bollinger {
 public:
  explicit Bollinger(int period) : sma_(period) {}
  bool update(int64_t v) {
    const int128 out = sma_.leaving();
    sum_sq_ += static_cast<int128>(v) * v - out * out;
    return sma_.update(v);
  }
  bool ready() const { return sma_.ready(); }
  int64_t sum() const { return sma_.sum(); }
  int128 sum_sq() const { return sum_sq_; }
  int period() const { return sma_.period(); }
  /// n²·σ² = n·Σx² − (Σx)², exact.
  int128 n2_variance() const { return static_cast<int128>(period()) * sum_sq_ - static_cast<int128>(sum()) * sum(); }
  double middle(double tick) const { return sma_.value(tick); }
  double stddev(double tick) const {
    return ready() ? std::sqrt(static_cast<double>(n2_variance())) / period() * tick : kNaN;
  }

 private:
  Sma sma_;
  int128 sum_sq_ = 0;
};

/// Average True Range with Wilder's smoothing; TR = max(h−l, |h−prev close|, |l−prev close|).
class Atr {
 public:
  explicit Atr(int period) : period_(period) {}
  bool update(double high, double low, double close) {
    double tr = high - low;
    if (has_prev_) tr = std::fmax(tr, std::fmax(std::fabs(high - prev_close_), std::fabs(low - prev_close_)));
    prev_close_ = close;
    has_prev_ = true;
    if (count_ < period_) {
      value_ += tr;
      if (++count_ == period_) value_ /= period_;
      return ready();
    }
    value_ = (value_ * (period_ - 1) + tr) / period_;
    ++count_;
    return true;
  }
  bool ready() const { return count_ >= period_; }
  double value() const { return ready() ? value_ : kNaN; }

 private:
  int period_;
  bool has_prev_ = false;
  double prev_close_ = 0, value_ = 0;
  int64_t count_ = 0;
};

/// MACD: line = EMA(fast) − EMA(slow); signal = EMA(signal) of the line; histogram = line − signal.
class Macd {
 public:
  Macd(int fast, int slow, int signal) : fast_(fast), slow_(slow), signal_(signal) {}
  bool update(double price) {
    fast_.update(price);
    if (!slow_.update(price)) return false;
    line_ = fast_.value() - slow_.value();
    return signal_.update(line_);
  }
  bool ready() const { return signal_.ready(); }
  double line() const { return line_; }
  double signal() const { return signal_.value(); }
  double histogram() const { return ready() ? line_ - signal_.value() : kNaN; }

 private:
  Ema fast_, slow_, signal_;
  double line_ = kNaN;
};

/// Highest (Max=true) or lowest value over the last `period` values: monotonic deque, O(1)
/// amortised per bar.
template <bool Max>
class RollingExtreme {
 public:
  explicit RollingExtreme(int period) : period_(period) {}
  bool update(int64_t v) {
    while (!q_.empty() && (Max ? q_.back().second <= v : q_.back().second >= v)) q_.pop_back();
    q_.emplace_back(count_, v);
    if (q_.front().first <= count_ - period_) q_.pop_front();
    ++count_;
    return ready();
  }
  bool ready() const { return count_ >= period_; }
  int64_t value() const { return q_.front().second; }

 private:
  int period_;
  int64_t count_ = 0;
  std::deque<std::pair<int64_t, int64_t>> q_;
};
using Highest = RollingExtreme<true>;
using Lowest = RollingExtreme<false>;

/// Crossing detector (backtrader's CrossOver): `a` crosses above `b` at t when a > b at t and,
/// on the last earlier bar where a ≠ b, a < b. Feed it sign(a − b) each bar.
class CrossDetector {
 public:
  /// Returns +1 for a cross above, −1 for a cross below, 0 otherwise.
  int update(int sign) {
    const int cross = sign * last_nonzero_ < 0 ? sign : 0;  // opposite non-zero sides
    last_nonzero_ = sign != 0 ? sign : last_nonzero_;
    return cross;
  }

 private:
  int last_nonzero_ = 0;
};

// Whole series, as the shared cache stores them (index t holds the value after bar t).
std::vector<int64_t> sma_sum_series(const std::vector<int64_t>& ticks, int period);  ///< 0 until ready
std::vector<double> ema_series(const std::vector<double>& values, int period);      ///< NaN until ready
std::vector<double> rsi_series(const std::vector<double>& values, int period);      ///< NaN until ready
std::vector<int128> sum_sq_series(const std::vector<int64_t>& ticks, int period);   ///< 0 until ready
std::vector<int64_t> highest_series(const std::vector<int64_t>& ticks, int period); ///< incl. bar t
std::vector<int64_t> lowest_series(const std::vector<int64_t>& ticks, int period);  ///< incl. bar t

}  // namespace atf
