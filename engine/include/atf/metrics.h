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
const std::vector<MetricInfo>& metric_catalog();
const MetricInfo* find_metric(const std::string& name);

/// Streams bars and closed trades in; finish() gives the metrics. Used by the backtest (which
/// also stores the equity curve) and by optimization trials (which store nothing per bar).
class MetricsAccumulator {
 public:
  explicit MetricsAccumulator(double initial_equity) : initial_(initial_equity), prev_(initial_equity), peak_(initial_equity), dd_floor_(initial_equity) {}

  /// Equity marked at a bar's close; `exposed` when a position is open at that close.
  void on_bar(double equity, bool exposed) {
    const double r = equity == prev_ ? 0.0 : equity / prev_ - 1.0;
    sum_r_ += r;
    sum_r2_ += r * r;
    if (r < 0) sum_down2_ += r * r;
    prev_ = equity;
    ++bars_;
    exposed_bars_ += exposed ? 1 : 0;
    if (equity >= peak_) {
      peak_ = equity;
      underwater_ = 0;
      dd_floor_ = peak_ * (1.0 - max_dd_);
    } else {
      // Divide only when the drawdown may be a new maximum (equity under peak × (1 − max)).
      if (equity <= dd_floor_) {
        const double dd = (peak_ - equity) / peak_;
        if (dd > max_dd_) {
          max_dd_ = dd;
          dd_floor_ = peak_ * (1.0 - max_dd_);
        }
      }
      if (++underwater_ > max_underwater_) max_underwater_ = underwater_;
    }
  }
  void on_trade(double pnl, double return_pct);
  void add_commission(double c) { commissions_ += c; }

  /// `years` spans first→last bar; `bars_per_year` annualises per-bar statistics.
  Metrics finish(double final_equity, double years, double bars_per_year) const;

 private:
  double initial_, prev_, peak_;
  double sum_r_ = 0, sum_r2_ = 0, sum_down2_ = 0, max_dd_ = 0, dd_floor_;
  int64_t bars_ = 0, exposed_bars_ = 0, underwater_ = 0, max_underwater_ = 0;
  int64_t trades_ = 0, wins_ = 0;
  double gross_profit_ = 0, gross_loss_ = 0, sum_trade_pct_ = 0, sum_pnl_ = 0, commissions_ = 0;
  double best_pct_ = 0, worst_pct_ = 0;
};

}  // namespace atf
