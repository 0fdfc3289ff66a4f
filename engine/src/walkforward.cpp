// Walk-forward optimization (see walkforward.h).
#include "atf/walkforward.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "text_parse.h"  // calendar arithmetic

namespace atf {

namespace {

constexpr double kMsPerYear = 365.25 * 86'400'000.0;

/// `t` (UTC ms) plus `months` calendar months, the day clamped to the month's length (Jan 31 +
/// 1 month = Feb 28/29), the time of day kept.
int64_t add_months(int64_t t, int64_t months) {
  const int64_t day = t >= 0 ? t / text::kMsPerDay : (t - text::kMsPerDay + 1) / text::kMsPerDay;
  const int64_t ms = t - day * text::kMsPerDay;
  const text::Civil c = text::civil_from_days(day);
  const int64_t m0 = c.y * 12 + (c.m - 1) + months;
  const int64_t y = m0 >= 0 ? m0 / 12 : (m0 - 11) / 12;
  const auto m = static_cast<unsigned>(m0 - y * 12 + 1);
  const unsigned d = std::min(c.d, text::days_in_month(y, m));
  return text::days_from_civil(y, m, d) * text::kMsPerDay + ms;
}

/// The time `sign` × `w` away from `t` (calendar units only).
int64_t shift_time(int64_t t, const WindowLength& w, int sign) {
  switch (w.unit) {
    case WindowLength::Unit::kDays: return t + sign * w.count * text::kMsPerDay;
    case WindowLength::Unit::kWeeks: return t + sign * w.count * 7 * text::kMsPerDay;
    case WindowLength::Unit::kMonths: return add_months(t, sign * w.count);
    case WindowLength::Unit::kYears: return add_months(t, sign * 12 * w.count);
    case WindowLength::Unit::kBars: break;
  }
  return t;
}

/// The first bar at or after `from` moved forward by `w` (n when past the end).
int64_t advance(const std::vector<int64_t>& time, int64_t from, const WindowLength& w) {
  const auto n = static_cast<int64_t>(time.size());
  if (from >= n) return n;
  if (w.unit == WindowLength::Unit::kBars) return std::min(n, from + w.count);
  const int64_t target = shift_time(time[static_cast<size_t>(from)], w, +1);
  return static_cast<int64_t>(std::lower_bound(time.begin(), time.end(), target) - time.begin());
}

/// The first bar of the window of length `w` that ends at bar `end` (exclusive).
int64_t retreat(const std::vector<int64_t>& time, int64_t end, const WindowLength& w) {
  if (w.unit == WindowLength::Unit::kBars) return std::max<int64_t>(0, end - w.count);
  const int64_t target = shift_time(time[static_cast<size_t>(end)], w, -1);
  return static_cast<int64_t>(std::lower_bound(time.begin(), time.end(), target) - time.begin());
}

Result<std::shared_ptr<const MarketData>> slice(const MarketData& data, int64_t from, int64_t to) {
  return prepare_market_data(data.bars.slice_time(data.bars.time[static_cast<size_t>(from)],
                                                  data.bars.time[static_cast<size_t>(to - 1)]));
}

double years_between(const MarketData& data, int64_t first, int64_t last) {
  return static_cast<double>(data.bars.time[static_cast<size_t>(last)] - data.bars.time[static_cast<size_t>(first)]) / kMsPerYear;
}

/// Bars closing with a position open, as the run loop counts exposure: entry bar through the
/// bar before the exit (an exit at a close, e.g. close_at_end, counts its bar too).
int64_t exposed_bars(const Trade& t) {
  return t.exit_index - t.entry_index + (t.exit_reason == ExitReason::kEnd ? 1 : 0);
}

std::vector<ParameterStability> parameter_stability(const std::vector<WalkForwardWindow>& windows,
                                                    const std::vector<Axis>& axes) {
  std::vector<ParameterStability> out;
  for (const Axis& axis : axes) {
    ParameterStability p;
    p.name = axis.name;
    std::map<double, int64_t> counts;
    for (const auto& w : windows) {
      if (!w.ok) continue;
      const double v = w.params.at(axis.name);
      p.values.push_back(v);
      ++counts[v];
    }
    if (!p.values.empty()) {
      const double n = static_cast<double>(p.values.size());
      double sum = 0;
      for (double v : p.values) sum += v;
      p.mean = sum / n;
      double ss = 0;
      for (double v : p.values) ss += (v - p.mean) * (v - p.mean);
      p.stddev = p.values.size() > 1 ? std::sqrt(ss / (n - 1)) : 0.0;
      p.min = *std::min_element(p.values.begin(), p.values.end());
      p.max = *std::max_element(p.values.begin(), p.values.end());
      p.distinct = static_cast<int64_t>(counts.size());
      int64_t mode = 0;
      for (const auto& [v, c] : counts) mode = std::max(mode, c);
      p.mode_share = static_cast<double>(mode) / n;
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

Result<WindowLength> parse_window_length(std::string_view text, const std::string& field) {
  WindowLength w;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), w.count);
  const std::string_view unit(p, static_cast<size_t>(text.data() + text.size() - p));
  if (ec != std::errc() || w.count < 1) {
    return Error::validation(field, field + " must be a length ≥ 1: N bars, or Nd, Nw, Nm, Ny (got '" + std::string(text) + "')");
  }
  if (unit.empty() || unit == "bars" || unit == "b") w.unit = WindowLength::Unit::kBars;
  else if (unit == "d") w.unit = WindowLength::Unit::kDays;
  else if (unit == "w") w.unit = WindowLength::Unit::kWeeks;
  else if (unit == "m") w.unit = WindowLength::Unit::kMonths;
  else if (unit == "y") w.unit = WindowLength::Unit::kYears;
  else return Error::validation(field, field + ": unknown unit '" + std::string(unit) + "' (bars, d, w, m, y)");
  return w;
}

std::string to_string(const WindowLength& w) {
  static constexpr const char* kUnits[] = {"bars", "d", "w", "m", "y"};
  return std::to_string(w.count) + kUnits[static_cast<int>(w.unit)];
}

Result<std::vector<WalkForwardWindow>> walk_forward_windows(const std::vector<int64_t>& time,
                                                            const WalkForwardRequest& request) {
  const auto n = static_cast<int64_t>(time.size());
  const WindowLength step = request.step.value_or(request.out_of_sample);
  for (auto [w, field] : {std::pair{&request.in_sample, "in_sample"}, {&request.out_of_sample, "out_of_sample"}, {&step, "step"}}) {
    if (w->count < 1) return Error::validation(field, std::string(field) + " must be at least 1");
  }
  std::vector<WalkForwardWindow> out;
  for (int64_t is_end = advance(time, 0, request.in_sample); is_end + 2 <= n;) {
    WalkForwardWindow w;
    w.is_end = w.oos_start = is_end;
    w.is_start = request.anchored ? 0 : retreat(time, is_end, request.in_sample);
    w.oos_end = advance(time, is_end, request.out_of_sample);
    if (w.is_end - w.is_start >= 2) out.push_back(w);
    if (static_cast<int64_t>(out.size()) > request.max_windows) {
      Error e = Error::make(ErrorCode::kLimit, "more than " + std::to_string(request.max_windows) +
                                                   " walk-forward windows: use a longer step");
      e.field = "step";
      return e;
    }
    const int64_t next = advance(time, is_end, step);
    if (next <= is_end) break;
    is_end = next;
  }
  if (out.empty()) {
    return Error::validation("in_sample", "no walk-forward window fits in " + std::to_string(n) + " bars: in-sample " +
                                              to_string(request.in_sample) + " plus out-of-sample needs more data");
  }
  return out;
}

Result<WalkForwardResult> run_walk_forward(const MarketData& data, const WalkForwardRequest& request,
                                           const WalkForwardHooks& hooks) {
  if (auto grid = validate_optimization(request.optimization); !grid) return grid.error();
  auto windows = walk_forward_windows(data.bars.time, request);
  if (!windows) return windows.error();
  WalkForwardResult result;
  result.windows = std::move(*windows);
  const auto count = static_cast<int64_t>(result.windows.size());

  // Every slice is annualised and priced like the whole data: its own bar count per year or
  // price decimals could differ.
  OptimizationRequest opt = request.optimization;
  if (opt.base.broker.bars_per_year <= 0) opt.base.broker.bars_per_year = data.bars_per_year;
  if (opt.base.script && opt.base.mintick <= 0) opt.base.mintick = std::pow(10.0, -data.decimals);
  const double bars_per_year = opt.base.broker.bars_per_year;
  const double cash = opt.base.broker.cash;

  double stitched = cash, is_cagr_sum = 0;
  int64_t is_cagr_count = 0, exposure = 0;
  MetricsAccumulator total(cash);
  for (int64_t k = 0; k < count; ++k) {
    if (hooks.on_window) hooks.on_window(k, count);
    WalkForwardWindow& w = result.windows[static_cast<size_t>(k)];
    auto is_data = slice(data, w.is_start, w.is_end);
    if (!is_data) {
      w.error = is_data.error().message;
      continue;
    }
    auto opt_result = run_optimization(**is_data, opt, hooks.run);
    if (!opt_result) return opt_result.error();
    w.trials_completed = opt_result->completed;
    w.trials_failed = opt_result->failed;
    if (opt_result->cancelled) {
      result.cancelled = true;
      break;
    }
    if (!opt_result->best_index) {
      w.error = "no successful trial in sample (" + std::to_string(opt_result->failed) + " failed)";
      continue;
    }
    w.best_index = *opt_result->best_index;
    w.params = opt_result->grid.params_at(w.best_index);
    w.in_sample = opt_result->trials.front().metrics;  // ranked: the best first

    // Out of sample: warm up on the in-sample bars, trade only from oos_start, close at the end.
    auto oos_data = slice(data, w.is_start, w.oos_end);
    if (!oos_data) {
      w.error = oos_data.error().message;
      continue;
    }
    BacktestRequest b = opt.base;
    b.params = w.params;
    const int64_t oos_time = data.bars.time[static_cast<size_t>(w.oos_start)];
    b.trade_from_ms = std::max(b.trade_from_ms.value_or(oos_time), oos_time);
    b.broker.close_at_end = true;
    auto run = run_backtest(**oos_data, b, RunHooks{nullptr, hooks.run.cancel}, true);
    if (!run) {
      if (run.error().code == ErrorCode::kCancelled) {
        result.cancelled = true;
        break;
      }
      w.error = "out-of-sample run failed: " + run.error().message;
      continue;
    }
    const int64_t off = w.oos_start - w.is_start;
    const double initial = off > 0 ? run->equity_curve[static_cast<size_t>(off - 1)] : cash;
    MetricsAccumulator acc(initial);
    const double scale = stitched / initial;
    for (size_t t = static_cast<size_t>(off); t < run->equity_curve.size(); ++t) {
      const double eq = run->equity_curve[t];
      acc.on_bar(eq);
      result.equity.push_back(eq * scale);
      result.time.push_back((*oos_data)->bars.time[t]);
      total.on_bar(eq * scale);
    }
    int64_t window_exposure = 0;
    for (const Trade& t : run->trades) {
      if (t.entry_index < off) continue;  // cannot happen (no order before oos_start); kept honest
      acc.on_trade(t.pnl, t.return_pct);
      acc.add_commission(t.commission);
      window_exposure += exposed_bars(t);
      Trade s = t;  // in the stitched account: money scaled, bar indexes into the whole data
      s.entry_index += w.is_start;
      s.exit_index += w.is_start;
      s.quantity *= scale;
      s.pnl *= scale;
      s.commission *= scale;
      s.max_runup *= scale;
      s.max_drawdown *= scale;
      total.on_trade(s.pnl, s.return_pct);
      total.add_commission(s.commission);
      result.trades.push_back(std::move(s));
    }
    acc.add_exposed_bars(window_exposure);
    exposure += window_exposure;
    w.out_of_sample = acc.finish(run->equity_curve.back(), years_between(data, w.oos_start, w.oos_end - 1), bars_per_year);
    stitched = run->equity_curve.back() * scale;
    w.ok = true;
    w.efficiency = w.in_sample.cagr_pct > 0 ? w.out_of_sample.cagr_pct / w.in_sample.cagr_pct : std::nan("");
    if (std::isfinite(w.in_sample.cagr_pct)) {
      is_cagr_sum += w.in_sample.cagr_pct;
      ++is_cagr_count;
    }
  }
  if (hooks.on_window) hooks.on_window(count, count);

  total.add_exposed_bars(exposure);
  const double years = result.time.size() > 1
                           ? static_cast<double>(result.time.back() - result.time.front()) / kMsPerYear
                           : 0.0;
  result.out_of_sample = total.finish(stitched, years, bars_per_year);
  result.mean_in_sample_cagr = is_cagr_count > 0 ? is_cagr_sum / static_cast<double>(is_cagr_count) : std::nan("");
  result.efficiency = result.mean_in_sample_cagr > 0 ? result.out_of_sample.cagr_pct / result.mean_in_sample_cagr : std::nan("");
  result.stability = parameter_stability(result.windows, opt.axes);

  // The stitched curve's per-bar returns (from the starting cash) and its trades as returns on
  // the equity before each, as optimization_statistics takes them for a grid's best trial.
  std::vector<double> returns;
  returns.reserve(result.equity.size());
  double prev = cash;
  for (double eq : result.equity) {
    returns.push_back(prev != 0 ? eq / prev - 1 : 0.0);
    prev = eq;
  }
  result.oos_returns = return_moments(returns);
  result.psr = probabilistic_sharpe_ratio(result.oos_returns.sharpe, 0, static_cast<double>(result.oos_returns.n),
                                          result.oos_returns.skewness, result.oos_returns.kurtosis);
  std::vector<double> trade_returns;
  double equity = cash;
  for (const Trade& t : result.trades) {
    trade_returns.push_back(equity > 0 ? t.pnl / equity * 100 : 0.0);
    equity += t.pnl;
  }
  result.monte_carlo = monte_carlo_trades(trade_returns, cash, 1000, opt.search.seed);
  return result;
}

}  // namespace atf
