// Performance metrics. Each metric is defined once, in metrics.cpp, next to its formula.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace atf {

struct Metrics {
  double net_profit = 0, total_return_pct = 0, cagr_pct = 0, volatility_pct = 0, sharpe = 0, sortino = 0;
  double max_drawdown_pct = 0, max_drawdown_bars = 0, calmar = 0, trades = 0, win_rate_pct = 0;
  double profit_factor = 0, avg_trade_pct = 0, best_trade_pct = 0, worst_trade_pct = 0, expectancy = 0;
  double exposure_pct = 0, commissions = 0;
};

/// One metric's name, whether larger is better, and where it lives in Metrics.
struct MetricInfo {
  const char* name;
  bool higher_is_better;
  double Metrics::*field;
  const char* description;
};

/// All metrics, in report order. NaN means undefined (e.g. Sharpe with zero volatility): JSON null.
/// +∞ is a ratio whose denominator is zero for a good reason (profit factor with no losing trade,
/// Sortino with no losing bar, Calmar with no drawdown): JSON "Infinity" (see json_io.h); it ranks
/// above every finite value when maximizing, below when minimizing.
const std::vector<MetricInfo>& metric_catalog();
const MetricInfo* find_metric(const std::string& name);

/// Per-bar accumulation: small and self-contained so the run loop can keep it in registers.
struct BarStats {
  explicit BarStats(double initial_equity) : prev(initial_equity), peak(initial_equity), dd_floor(initial_equity) {}

  /// Equity marked at the close of bar `t` (bars come in order, t = 0, 1, ...).
  void on_bar(double equity, int64_t t) {
    const double r = equity == prev ? 0.0 : equity / prev - 1.0;
    const double r2 = r * r;
    sum_r += r;
    sum_r2 += r2;
    // Branch-free: a bar's sign is a coin flip, so a branch here mispredicts half the time.
    // Adding +0.0 leaves the sum bit-identical (it is never −0.0: it starts at +0 and only grows).
    sum_down2 += r < 0 ? r2 : 0.0;
    prev = equity;
    if (equity >= peak) {
      // A new peak ends the stretch below the previous one: bars peak_bar+1 .. t−1.
      if (t - peak_bar - 1 > max_underwater) max_underwater = t - peak_bar - 1;
      peak = equity;
      peak_bar = t;
      dd_floor = peak * (1.0 - max_dd);
    } else if (equity <= dd_floor) {
      // Divide only when the drawdown may be a new maximum (equity under peak × (1 − max)).
      const double dd = (peak - equity) / peak;
      if (dd > max_dd) {
        max_dd = dd;
        dd_floor = peak * (1.0 - max_dd);
      }
    }
  }
  /// Same as on_bar(prev, t), cheaper: an unchanged equity (e.g. while flat) adds a zero return
  /// and no new drawdown; it only extends a peak that the previous bar set.
  void on_unchanged_bar(int64_t t) {
    if (peak_bar == t - 1 && prev >= peak) peak_bar = t;
  }
  /// Longest stretch below a peak, including one still open after `bars` bars.
  int64_t longest_underwater(int64_t bars) const {
    return bars - 1 - peak_bar > max_underwater ? bars - 1 - peak_bar : max_underwater;
  }

  double prev, peak, dd_floor;
  double sum_r = 0, sum_r2 = 0, sum_down2 = 0, max_dd = 0;
  int64_t peak_bar = -1;  ///< bar of the current peak; −1 is the starting cash
  int64_t max_underwater = 0;
};

/// Streams bars and closed trades in; finish() gives the metrics. Used by the backtest (which
/// also stores the equity curve) and by optimization trials (which store nothing per bar).
class MetricsAccumulator {
 public:
  explicit MetricsAccumulator(double initial_equity) : initial_(initial_equity), stats_(initial_equity) {}

  /// Equity marked at the next bar's close.
  void on_bar(double equity) { stats_.on_bar(equity, bars_++); }
  /// The per-bar part, for loops that keep a copy in registers and hand it back with the
  /// number of bars it saw.
  const BarStats& bar_stats() const { return stats_; }
  void set_bar_stats(const BarStats& stats, int64_t bars) {
    stats_ = stats;
    bars_ = bars;
  }
  /// Bars whose close found a position open (exposure).
  void add_exposed_bars(int64_t n) { exposed_ += n; }
  void on_trade(double pnl, double return_pct);
  void add_commission(double c) { commissions_ += c; }

  /// `years` spans first→last bar; `bars_per_year` annualises per-bar statistics.
  Metrics finish(double final_equity, double years, double bars_per_year) const;

 private:
  double initial_;
  BarStats stats_;
  int64_t bars_ = 0, exposed_ = 0;
  int64_t trades_ = 0, wins_ = 0;
  double gross_profit_ = 0, gross_loss_ = 0, sum_trade_pct_ = 0, sum_pnl_ = 0, commissions_ = 0;
  double best_pct_ = 0, worst_pct_ = 0;
};

}  // namespace atf
