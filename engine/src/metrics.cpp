// One definition per metric: each formula is written once, here.
#include "atf/metrics.h"

#include <cmath>

#include "atf/indicators.h"  // kNaN

#include <limits>

namespace atf {

namespace {
constexpr double kInfinity = std::numeric_limits<double>::infinity();
}  // namespace

void MetricsAccumulator::on_trade(double pnl, double return_pct) {
  if (trades_ == 0 || return_pct > best_pct_) best_pct_ = return_pct;
  if (trades_ == 0 || return_pct < worst_pct_) worst_pct_ = return_pct;
  ++trades_;
  if (pnl > 0) {
    ++wins_;
    gross_profit_ += pnl;
  } else if (pnl < 0) {
    gross_loss_ -= pnl;
  }
  sum_trade_pct_ += return_pct;
  sum_pnl_ += pnl;
}

Metrics MetricsAccumulator::finish(double final_equity, double years, double bars_per_year) const {
  Metrics m;
  const BarStats& b = stats_;
  const double n = static_cast<double>(bars_);
  const double nt = static_cast<double>(trades_);
  // net_profit = final equity − initial equity
  m.net_profit = final_equity - initial_;
  // total_return_pct = (final / initial − 1) × 100
  m.total_return_pct = (final_equity / initial_ - 1.0) * 100.0;
  // cagr_pct = ((final / initial)^(1 / years) − 1) × 100, years of 365.25 days first→last bar
  if (years > 0) {
    const double growth = final_equity / initial_;
    m.cagr_pct = growth > 0 ? (std::pow(growth, 1.0 / years) - 1.0) * 100.0 : -100.0;
  } else {
    m.cagr_pct = kNaN;
  }
  // Per-bar returns r_t = equity_t / equity_{t−1} − 1 (equity_{−1} = initial cash).
  // volatility_pct = sample stddev(r) × √bars_per_year × 100
  // sharpe = mean(r) / sample stddev(r) × √bars_per_year (risk-free 0)
  // sortino = mean(r) / √(Σ min(r,0)² / n) × √bars_per_year
  const double mean = n > 0 ? b.sum_r / n : 0.0;
  const double var = n > 1 ? std::fmax(0.0, (b.sum_r2 - b.sum_r * mean) / (n - 1)) : 0.0;
  const double sd = std::sqrt(var);
  const double ann = std::sqrt(bars_per_year);
  m.volatility_pct = sd * ann * 100.0;
  m.sharpe = sd > 0 ? mean / sd * ann : kNaN;
  // With no losing bar the downside deviation is 0: sortino is +∞ when the mean return is
  // positive (a good reason), undefined when it is 0 (a flat curve).
  const double down = n > 0 ? std::sqrt(b.sum_down2 / n) : 0.0;
  m.sortino = down > 0 ? mean / down * ann : mean > 0 ? kInfinity : kNaN;
  // max_drawdown_pct = max_t (peak_t − equity_t) / peak_t × 100, peak_t = max equity up to t
  // (initial cash included); a positive number.
  m.max_drawdown_pct = b.max_dd * 100.0;
  // max_drawdown_bars = longest run of consecutive bars closing below the running peak
  m.max_drawdown_bars = static_cast<double>(b.longest_underwater(bars_));
  // calmar = cagr_pct / max_drawdown_pct; +∞ when growing without any drawdown
  m.calmar = b.max_dd > 0 ? m.cagr_pct / m.max_drawdown_pct : m.cagr_pct > 0 ? kInfinity : kNaN;
  // trades = closed trades (an open position at the end is not a trade)
  m.trades = nt;
  // win_rate_pct = trades with pnl > 0 / trades × 100
  m.win_rate_pct = trades_ > 0 ? static_cast<double>(wins_) / nt * 100.0 : kNaN;
  // profit_factor = Σ pnl of winners / |Σ pnl of losers| (net of commission, in currency); +∞
  // when some trade won and none lost, undefined with no trade (or only break-even ones)
  m.profit_factor = gross_loss_ > 0 ? gross_profit_ / gross_loss_ : gross_profit_ > 0 ? kInfinity : kNaN;
  // avg_trade_pct = mean of trade return_pct; best/worst = max/min of it
  m.avg_trade_pct = trades_ > 0 ? sum_trade_pct_ / nt : kNaN;
  m.best_trade_pct = trades_ > 0 ? best_pct_ : kNaN;
  m.worst_trade_pct = trades_ > 0 ? worst_pct_ : kNaN;
  // expectancy = mean net pnl per closed trade, in currency
  m.expectancy = trades_ > 0 ? sum_pnl_ / nt : kNaN;
  // exposure_pct = bars closing with an open position / bars × 100 (a position closed at the
  // last bar's close by close_at_end counts that bar, as an open one does: the same holding gives
  // the same exposure)
  m.exposure_pct = n > 0 ? static_cast<double>(exposed_) / n * 100.0 : 0.0;
  // commissions = all commission paid, including on a position still open
  m.commissions = commissions_;
  return m;
}

const std::vector<MetricInfo>& metric_catalog() {
  static const std::vector<MetricInfo> catalog = {
      {"net_profit", true, &Metrics::net_profit, "final equity minus starting cash"},
      {"total_return_pct", true, &Metrics::total_return_pct, "final over starting equity, in %"},
      {"cagr_pct", true, &Metrics::cagr_pct, "compound annual growth rate, in %"},
      {"volatility_pct", false, &Metrics::volatility_pct, "annualised stddev of per-bar returns, in %"},
      {"sharpe", true, &Metrics::sharpe, "annualised mean/stddev of per-bar returns, risk-free 0"},
      {"sortino", true, &Metrics::sortino, "annualised mean/downside deviation of per-bar returns"},
      {"max_drawdown_pct", false, &Metrics::max_drawdown_pct, "largest peak-to-trough equity fall, in %"},
      {"max_drawdown_bars", false, &Metrics::max_drawdown_bars, "longest stretch below a previous peak, in bars"},
      {"calmar", true, &Metrics::calmar, "CAGR over max drawdown"},
      {"trades", true, &Metrics::trades, "closed trades"},
      {"win_rate_pct", true, &Metrics::win_rate_pct, "share of trades with positive net P&L, in %"},
      {"profit_factor", true, &Metrics::profit_factor, "gross profit over gross loss"},
      {"avg_trade_pct", true, &Metrics::avg_trade_pct, "mean trade return, in %"},
      {"best_trade_pct", true, &Metrics::best_trade_pct, "best trade return, in %"},
      {"worst_trade_pct", true, &Metrics::worst_trade_pct, "worst trade return, in %"},
      {"expectancy", true, &Metrics::expectancy, "mean net P&L per trade, in currency"},
      {"exposure_pct", true, &Metrics::exposure_pct, "bars with an open position, in %"},
      {"commissions", false, &Metrics::commissions, "commission paid"},
  };
  return catalog;
}

const MetricInfo* find_metric(const std::string& name) {
  for (const auto& m : metric_catalog()) {
    if (name == m.name) return &m;
  }
  return nullptr;
}

}  // namespace atf
