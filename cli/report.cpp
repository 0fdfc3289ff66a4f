#include "report.h"

#include <cmath>
#include <cstdio>

#include "atf/csv_import.h"  // format_time

namespace atf::cli {
namespace {

/// Whether |v| is too large (or too small) for fixed notation to stay readable.
bool needs_exponent(double v) { return std::fabs(v) >= 1e12; }

std::string money(double v) {
  if (!std::isfinite(v) || needs_exponent(v)) return readable(v);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  // Thousands separators for readability: copy digits, a comma every three before the point.
  const std::string raw = buf;
  const size_t start = raw[0] == '-' ? 1 : 0;
  const size_t dot = raw.find('.');
  std::string out = raw.substr(0, start);
  for (size_t i = start; i < dot; ++i) {
    out += raw[i];
    if (i + 1 < dot && (dot - i - 1) % 3 == 0) out += ',';
  }
  return out + raw.substr(dot);
}

std::string num(double v, int decimals = 2) { return readable(v, decimals); }

/// Whether any bar starts at a time other than midnight UTC: then times are shown to the minute.
bool intraday(const MarketData& md) {
  for (int64_t t : md.bars.time) {
    if (t % 86'400'000 != 0) return true;
  }
  return false;
}

/// "2020-01-02", or "2020-01-02 09:30" (":SS" if not whole minutes) for intraday data.
std::string when(int64_t ms, bool intra) {
  std::string s = format_time(ms);
  if (!intra) return s.substr(0, 10);
  if (s.size() == 10) s += "T00:00:00Z";
  s[10] = ' ';
  if (!s.empty() && s.back() == 'Z') s.pop_back();
  if (s.size() >= 19 && s.compare(16, 3, ":00") == 0 && s.size() == 19) s.resize(16);
  return s;
}

/// TradingView's Performance Summary, the figures it shows first: one row each, columns All,
/// Long, Short (blank where TradingView shows a figure for All only). Every figure is in --json
/// under "performance".
void print_performance(const PerformanceSummary& s) {
  static const char* const kRows[] = {
      "net_profit",          "gross_profit",       "gross_loss",         "max_runup",
      "max_drawdown",        "buy_hold_return",    "sharpe",             "sortino",
      "profit_factor",       "max_contracts_held", "open_pl",            "commission_paid",
      "total_closed_trades", "percent_profitable", "avg_trade",          "ratio_avg_win_loss",
      "largest_winning_trade", "largest_losing_trade", "avg_bars_in_trades", "margin_calls"};
  std::printf("\nperformance (TradingView)  %16s %16s %16s\n", "all", "long", "short");
  for (const char* name : kRows) {
    for (const auto& info : performance_catalog()) {
      if (std::string(info.name) != name) continue;
      const std::string n = name;
      const bool all_only = n == "max_runup" || n == "max_drawdown" || n == "buy_hold_return" || n == "sharpe" ||
                            n == "sortino";
      const bool whole = n == "total_closed_trades" || n == "margin_calls" || n == "max_contracts_held";
      auto cell = [&](const PerformanceColumn& c, bool blank) -> std::string {
        if (blank) return "";
        const double v = c.*(info.field);
        if (info.money && !std::isnan(v)) return money(v);
        if (whole && v != std::floor(v)) return num(v, 4);  // fractional contracts
        return num(v, whole ? 0 : (n == "sharpe" || n == "sortino") ? 3 : 2);
      };
      char line[160];
      std::snprintf(line, sizeof line, "  %-24s %16s %16s %16s", name, cell(s.all, false).c_str(),
                    cell(s.longs, all_only).c_str(), cell(s.shorts, all_only).c_str());
      std::string text = line;
      text.erase(text.find_last_not_of(' ') + 1);  // All-only rows end after the All column
      std::printf("%s\n", text.c_str());
    }
  }
}

void print_header(const std::string& path, const MarketData& md, const ImportSummary& summary) {
  std::printf("data      %s: %zu bars, %s .. %s (%.1f bars/year)\n", path.c_str(), md.bars.size(),
              format_time(md.bars.time.front()).c_str(), format_time(md.bars.time.back()).c_str(), md.bars_per_year);
  for (const auto& n : summary.notices) std::printf("notice    %s\n", n.c_str());
}

}  // namespace

std::string readable(double v, int decimals) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "+inf" : "-inf";
  char buf[64];
  if (needs_exponent(v)) {
    std::snprintf(buf, sizeof buf, "%.6g", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  }
  return buf;
}

void warn_warmup(const std::string& strategy, size_t bars, int64_t warmup, int64_t short_runs, int64_t runs) {
  if (short_runs <= 0 || warmup < static_cast<int64_t>(bars)) return;
  if (runs <= 1) {
    std::fprintf(stderr,
                 "atf: warning: the data holds %zu bars, no more than %s's warm-up of %lld bars: no signal was "
                 "possible (widen --from/--to or shorten the periods)\n",
                 bars, strategy.c_str(), static_cast<long long>(warmup));
  } else {
    std::fprintf(stderr,
                 "atf: warning: %lld of %lld combinations need more bars than the %zu in the data (warm-up up to "
                 "%lld bars): they could not trade (widen --from/--to or shorten the periods)\n",
                 static_cast<long long>(short_runs), static_cast<long long>(runs), bars, static_cast<long long>(warmup));
  }
}

nlohmann::json data_json(const std::string& path, const MarketData& md, const ImportSummary& summary) {
  return nlohmann::json{{"file", path},
                        {"bars", md.bars.size()},
                        {"first_time", md.bars.time.front()},
                        {"last_time", md.bars.time.back()},
                        {"price_decimals", md.decimals},
                        {"exact_prices", md.exact},
                        {"bars_per_year", md.bars_per_year},
                        {"rows_without_prices", summary.rows_without_prices},
                        {"first_line_without_prices",
                         summary.rows_without_prices > 0 ? nlohmann::json(summary.first_line_without_prices) : nlohmann::json(nullptr)},
                        {"newest_first", summary.newest_first},
                        {"notices", summary.notices}};
}

void print_backtest(const std::string& path, const MarketData& md, const BacktestResult& r, double seconds,
                    const ImportSummary& summary) {
  print_header(path, md, summary);
  const bool intra = intraday(md);
  std::printf("strategy  %s(%s)\n", r.strategy.c_str(), format_params(r.params).c_str());
  std::printf("equity    %s final (cash %s), net profit %s\n\n", money(r.final_equity).c_str(), money(r.final_cash).c_str(),
              money(r.metrics.net_profit).c_str());
  for (const auto& m : metric_catalog()) {
    const double v = r.metrics.*(m.field);
    const std::string name = m.name;
    const bool whole = name == "trades" || name == "max_drawdown_bars";
    const bool currency = name == "net_profit" || name == "expectancy" || name == "commissions";
    const std::string text = currency && !std::isnan(v) ? money(v) : num(v, whole ? 0 : (name == "sharpe" ? 3 : 2));
    std::printf("  %-18s %14s\n", m.name, text.c_str());
  }
  if (r.rejected_orders > 0) std::printf("  %-18s %14lld\n", "rejected_orders", static_cast<long long>(r.rejected_orders));
  print_performance(r.performance);
  const size_t shown = r.trades.size() < 10 ? r.trades.size() : 10;
  if (shown > 0) {
    const int w = intra ? 19 : 10;
    std::printf("\nlast %zu of %zu trades\n  %-*s %-*s %-5s %12s %12s %12s %12s %8s\n", shown, r.trades.size(), w, "entry",
                w, "exit", "side", "quantity", "entry_price", "exit_price", "pnl", "return%");
    for (size_t i = r.trades.size() - shown; i < r.trades.size(); ++i) {
      const Trade& t = r.trades[i];
      std::printf("  %-*s %-*s %-5s %12s %12s %12s %12s %8s\n", w, when(t.entry_time, intra).c_str(), w,
                  when(t.exit_time, intra).c_str(), t.side > 0 ? "long" : "short",
                  num(t.quantity, t.quantity == std::floor(t.quantity) ? 0 : 4).c_str(), num(t.entry_price, 4).c_str(),
                  num(t.exit_price, 4).c_str(), money(t.pnl).c_str(), num(t.return_pct).c_str());
    }
  }
  if (r.open_position) {
    const auto& p = *r.open_position;
    std::printf("\nopen      %s %s @ %s since %s, unrealized %s\n", p.side > 0 ? "long" : "short",
                num(p.quantity, p.quantity == std::floor(p.quantity) ? 0 : 4).c_str(), num(p.entry_price, 4).c_str(),
                format_time(p.entry_time).c_str(), money(p.unrealized_pnl).c_str());
  }
  if (seconds > 0) std::printf("\nran in %.3f s (%.3g bars/s)\n", seconds, static_cast<double>(r.bars) / seconds);
}

void print_optimization(const std::string& path, const MarketData& md, const OptimizationRequest& req,
                        const OptimizationResult& r, double seconds, int top, const ImportSummary& summary) {
  print_header(path, md, summary);
  std::printf("strategy  %s over", req.base.strategy.c_str());
  for (const auto& a : r.grid.axes()) std::printf(" %s[%zu]", a.name.c_str(), a.values.size());
  std::printf(" = %lld combinations, objective %s (%s), %d thread(s)\n", static_cast<long long>(r.grid.size()),
              r.objective.c_str(), r.maximize ? "max" : "min", req.threads);
  if (r.search.method != SearchSpec::Method::kGrid) {
    std::printf("search    %s, seed %llu: %lld trials planned\n", to_string(r.search).c_str(),
                static_cast<unsigned long long>(r.search.seed), static_cast<long long>(r.total));
  }
  std::printf("finished  %lld completed, %lld failed%s in %.3f s (%.0f trials/s)\n\n", static_cast<long long>(r.completed),
              static_cast<long long>(r.failed), r.cancelled ? ", CANCELLED" : "", seconds,
              seconds > 0 ? static_cast<double>(r.completed + r.failed) / seconds : 0.0);
  bool any_rejected = false;
  for (const auto& t : r.trials) any_rejected = any_rejected || (t.ok && t.rejected_orders > 0);
  std::printf("  %-5s %-28s %10s %12s %10s %7s%s\n", "rank", "params", r.objective.c_str(), "return%", "max_dd%", "trades",
              any_rejected ? "  rejected" : "");
  int rank = 0;
  for (const auto& t : r.trials) {
    if (!t.ok || rank >= top) break;
    ++rank;
    const double obj = t.metrics.*(find_metric(r.objective)->field);
    std::printf("  %-5d %-28s %10s %12s %10s %7.0f", rank, format_params(r.grid.params_at(t.index)).c_str(),
                num(obj, 3).c_str(), num(t.metrics.total_return_pct).c_str(), num(t.metrics.max_drawdown_pct).c_str(),
                t.metrics.trades);
    if (any_rejected) std::printf("  %8lld", static_cast<long long>(t.rejected_orders));
    std::printf("\n");
  }
  int shown = 0;
  for (const auto& t : r.trials) {
    if (t.ok) continue;
    if (shown++ == 0) std::printf("\nfailed trials\n");
    if (shown > 5) {
      std::printf("  ... and %lld more\n", static_cast<long long>(r.failed - 5));
      break;
    }
    std::printf("  #%lld %s: %s\n", static_cast<long long>(t.index), format_params(r.grid.params_at(t.index)).c_str(),
                t.error_message.c_str());
  }
  if (r.best_index) {
    std::printf("\nbest      #%lld %s (re-run it with --rerun %lld for the full report)\n",
                static_cast<long long>(*r.best_index), format_params(r.grid.params_at(*r.best_index)).c_str(),
                static_cast<long long>(*r.best_index));
  }
}

void print_statistics(const OptimizationStatistics& s) {
  std::printf("\nrobustness of the best trial (#%lld) among %lld trials\n", static_cast<long long>(s.best_index),
              static_cast<long long>(s.trials));
  std::printf("  PSR  %6s  probability that its true Sharpe ratio (%s) is above 0, from %lld bars\n", num(s.psr, 3).c_str(),
              num(s.best_sharpe, 2).c_str(), static_cast<long long>(s.observations));
  std::printf("  DSR  %6s  the same against the best Sharpe ratio luck alone gives %lld trials (%s)\n", num(s.dsr, 3).c_str(),
              static_cast<long long>(s.trials), num(s.expected_max_sharpe, 2).c_str());
  if (s.pbo.ok) {
    std::printf("  PBO  %6s  share of %lld in/out-of-sample splits (%d blocks) where the in-sample best ranked in the\n"
                "               bottom half out of sample; it lost money out of sample in %s of them\n",
                num(s.pbo.pbo, 3).c_str(), static_cast<long long>(s.pbo.combinations), s.pbo.blocks,
                (num(s.pbo.prob_oos_loss * 100, 0) + "%").c_str());
  } else {
    std::printf("  PBO       -  %s\n", s.pbo.reason.c_str());
  }
  const MonteCarloResult& m = s.monte_carlo;
  if (m.ok) {
    std::printf("  Monte Carlo, %d resamplings of its %lld trades (seed %llu):\n", m.paths, static_cast<long long>(m.trades),
                static_cast<unsigned long long>(m.seed));
    std::printf("       final equity   5%% %s   50%% %s   95%% %s   (P(loss) %s)\n", money(m.final_equity_p5).c_str(),
                money(m.final_equity_p50).c_str(), money(m.final_equity_p95).c_str(), num(m.prob_loss, 3).c_str());
    std::printf("       max drawdown   5%% %s%%   50%% %s%%   95%% %s%%\n", num(m.max_drawdown_p5).c_str(),
                num(m.max_drawdown_p50).c_str(), num(m.max_drawdown_p95).c_str());
  } else {
    std::printf("  Monte Carlo: %s\n", m.reason.c_str());
  }
  const StabilityResult& st = s.stability;
  if (st.ok && !std::isnan(st.ratio)) {
    std::printf("  stability: %s (its %lld neighbours average %s of the best; the worst %s)\n", st.verdict.c_str(),
                static_cast<long long>(st.neighbours), num(st.ratio, 2).c_str(), num(st.neighbour_min, 3).c_str());
  } else {
    std::printf("  stability: %s\n", st.reason.c_str());
  }
}

void print_walk_forward(const std::string& path, const MarketData& md, const WalkForwardRequest& req,
                        const WalkForwardResult& r, double seconds, const ImportSummary& summary) {
  print_header(path, md, summary);
  const bool intra = intraday(md);
  std::printf("walk-forward %s, in-sample %s, out-of-sample %s, step %s, search %s, objective %s (%s)\n",
              req.anchored ? "anchored" : "rolling", to_string(req.in_sample).c_str(), to_string(req.out_of_sample).c_str(),
              to_string(req.step.value_or(req.out_of_sample)).c_str(), to_string(req.optimization.search).c_str(),
              req.optimization.objective.c_str(), req.optimization.maximize ? "max" : "min");
  std::printf("finished  %zu windows in %.3f s%s\n\n", r.windows.size(), seconds, r.cancelled ? ", CANCELLED" : "");
  std::printf("  %-3s %-23s %-23s %-26s %9s %9s %7s\n", "#", "in-sample", "out-of-sample", "best params", "IS cagr%",
              "OOS cagr%", "trades");
  for (size_t k = 0; k < r.windows.size(); ++k) {
    const WalkForwardWindow& w = r.windows[k];
    const std::string is = when(md.bars.time[static_cast<size_t>(w.is_start)], intra) + ".." +
                           when(md.bars.time[static_cast<size_t>(w.is_end - 1)], intra);
    const std::string oos = when(md.bars.time[static_cast<size_t>(w.oos_start)], intra) + ".." +
                            when(md.bars.time[static_cast<size_t>(w.oos_end - 1)], intra);
    if (!w.ok) {
      std::printf("  %-3zu %-23s %-23s %s\n", k + 1, is.c_str(), oos.c_str(), w.error.empty() ? "not run" : w.error.c_str());
      continue;
    }
    std::printf("  %-3zu %-23s %-23s %-26s %9s %9s %7.0f\n", k + 1, is.c_str(), oos.c_str(), format_params(w.params).c_str(),
                num(w.in_sample.cagr_pct).c_str(), num(w.out_of_sample.cagr_pct).c_str(), w.out_of_sample.trades);
  }
  const Metrics& m = r.out_of_sample;
  std::printf("\nout of sample, stitched: return %s%%, CAGR %s%%, Sharpe %s, max drawdown %s%%, %0.f trades\n",
              num(m.total_return_pct).c_str(), num(m.cagr_pct).c_str(), num(m.sharpe).c_str(), num(m.max_drawdown_pct).c_str(),
              m.trades);
  std::printf("walk-forward efficiency %s (OOS CAGR over the mean in-sample CAGR %s%%)\n", num(r.efficiency, 2).c_str(),
              num(r.mean_in_sample_cagr).c_str());
  std::printf("PSR %s: the probability that the stitched curve's true Sharpe ratio is above 0 (%lld bars)\n",
              num(r.psr, 3).c_str(), static_cast<long long>(r.oos_returns.n));
  if (r.monte_carlo.ok) {
    const MonteCarloResult& mc = r.monte_carlo;
    std::printf("Monte Carlo of the %lld OOS trades (%d paths): final equity 5/50/95%% %s / %s / %s, max drawdown %s / %s / %s%%\n",
                static_cast<long long>(mc.trades), mc.paths, num(mc.final_equity_p5).c_str(), num(mc.final_equity_p50).c_str(),
                num(mc.final_equity_p95).c_str(), num(mc.max_drawdown_p5).c_str(), num(mc.max_drawdown_p50).c_str(),
                num(mc.max_drawdown_p95).c_str());
  }
  std::printf("parameter stability across windows\n");
  for (const ParameterStability& p : r.stability) {
    std::printf("  %-16s mean %s  sd %s  range %s..%s  %lld distinct, the most common in %s%% of windows\n", p.name.c_str(),
                num(p.mean).c_str(), num(p.stddev).c_str(), num(p.min).c_str(), num(p.max).c_str(),
                static_cast<long long>(p.distinct), num(p.mode_share * 100, 0).c_str());
  }
}

}  // namespace atf::cli
