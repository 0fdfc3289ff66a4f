#include "report.h"

#include <cmath>
#include <cstdio>

#include "atf/csv_import.h"  // format_time

namespace atf::cli {
namespace {

std::string money(double v) {
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

std::string num(double v, int decimals = 2) {
  if (std::isnan(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

void print_header(const std::string& path, const MarketData& md) {
  std::printf("data      %s: %zu bars, %s .. %s (%.1f bars/year)\n", path.c_str(), md.bars.size(),
              format_time(md.bars.time.front()).c_str(), format_time(md.bars.time.back()).c_str(), md.bars_per_year);
}

}  // namespace

nlohmann::json data_json(const std::string& path, const MarketData& md) {
  return nlohmann::json{{"file", path},
                        {"bars", md.bars.size()},
                        {"first_time", md.bars.time.front()},
                        {"last_time", md.bars.time.back()},
                        {"price_decimals", md.decimals},
                        {"exact_prices", md.exact},
                        {"bars_per_year", md.bars_per_year}};
}

void print_backtest(const std::string& path, const MarketData& md, const BacktestResult& r, double seconds) {
  print_header(path, md);
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
  const size_t shown = r.trades.size() < 10 ? r.trades.size() : 10;
  if (shown > 0) {
    std::printf("\nlast %zu of %zu trades\n  %-10s %-10s %-5s %12s %12s %12s %12s %8s\n", shown, r.trades.size(), "entry",
                "exit", "side", "quantity", "entry_price", "exit_price", "pnl", "return%");
    for (size_t i = r.trades.size() - shown; i < r.trades.size(); ++i) {
      const Trade& t = r.trades[i];
      std::printf("  %-10s %-10s %-5s %12s %12s %12s %12s %8s\n", format_time(t.entry_time).substr(0, 10).c_str(),
                  format_time(t.exit_time).substr(0, 10).c_str(), t.side > 0 ? "long" : "short",
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
                        const OptimizationResult& r, double seconds, int top) {
  print_header(path, md);
  std::printf("strategy  %s over", req.base.strategy.c_str());
  for (const auto& a : r.grid.axes()) std::printf(" %s[%zu]", a.name.c_str(), a.values.size());
  std::printf(" = %lld combinations, objective %s (%s), %d thread(s)\n", static_cast<long long>(r.total),
              r.objective.c_str(), r.maximize ? "max" : "min", req.threads);
  std::printf("finished  %lld completed, %lld failed%s in %.3f s (%.0f trials/s)\n\n", static_cast<long long>(r.completed),
              static_cast<long long>(r.failed), r.cancelled ? ", CANCELLED" : "", seconds,
              seconds > 0 ? static_cast<double>(r.completed + r.failed) / seconds : 0.0);
  std::printf("  %-5s %-28s %10s %12s %10s %7s\n", "rank", "params", r.objective.c_str(), "return%", "max_dd%", "trades");
  int rank = 0;
  for (const auto& t : r.trials) {
    if (!t.ok || rank >= top) break;
    ++rank;
    const double obj = t.metrics.*(find_metric(r.objective)->field);
    std::printf("  %-5d %-28s %10s %12s %10s %7.0f\n", rank, format_params(r.grid.params_at(t.index)).c_str(),
                num(obj, 3).c_str(), num(t.metrics.total_return_pct).c_str(), num(t.metrics.max_drawdown_pct).c_str(),
                t.metrics.trades);
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

}  // namespace atf::cli
