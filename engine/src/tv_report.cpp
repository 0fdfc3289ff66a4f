// TradingView's "List of trades" CSV and "Performance Summary": one definition per figure, each
// next to its formula.
#include "atf/tv_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <utility>

#include "atf/backtest.h"
#include "atf/indicators.h"  // kNaN
#include "atf/params.h"  // format_number
#include "text_parse.h"  // civil_from_days

namespace atf {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// A trade's value at entry, in currency: entry price × quantity × multiplier (TradingView's
/// "Size (value)"); every per-trade percentage is over it.
double entry_value(const Trade& t, double multiplier) { return t.entry_price * t.quantity * multiplier; }

/// amount / the trade's entry value × 100 (NaN for a zero value).
double pct_of_entry(double amount, const Trade& t, double multiplier) {
  const double v = entry_value(t, multiplier);
  return v != 0 ? amount / v * 100.0 : kNaN;
}

/// amount / initial capital × 100.
double pct_of_capital(double amount, double initial) { return initial != 0 ? amount / initial * 100.0 : kNaN; }

/// Floor division of UTC ms into days and the ms within the day.
std::pair<int64_t, int64_t> split_day(int64_t ms) {
  int64_t rem = ms % text::kMsPerDay;
  const int64_t days = ms / text::kMsPerDay - (rem < 0 ? 1 : 0);
  if (rem < 0) rem += text::kMsPerDay;
  return {days, rem};
}

/// Calendar month of a UTC day number as year × 12 + month − 1.
int64_t month_of_day(int64_t days) {
  const text::Civil c = text::civil_from_days(days);
  return c.y * 12 + static_cast<int64_t>(c.m) - 1;
}

/// Index of the last bar of each calendar month (monthly) or day (UTC), in order. The calendar
/// is consulted only when the day changes, so intraday data costs one division per bar.
std::vector<size_t> period_ends(const Bars& bars, bool monthly) {
  std::vector<size_t> ends;
  if (bars.empty()) return ends;
  int64_t day = split_day(bars.time[0]).first;
  int64_t key = monthly ? month_of_day(day) : day;
  for (size_t i = 1; i < bars.size(); ++i) {
    const int64_t d = split_day(bars.time[i]).first;
    if (d == day) continue;
    day = d;
    const int64_t k = monthly ? month_of_day(d) : d;
    if (k == key) continue;
    key = k;
    ends.push_back(i - 1);
  }
  ends.push_back(bars.size() - 1);
  return ends;
}

/// Fixed decimals, or full precision (format_number) when decimals < 0; "-0.00" becomes "0.00";
/// non-finite values are left empty.
std::string fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "";
  if (decimals < 0) return format_number(v == 0 ? 0.0 : v);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

/// (entry bar, side) of every trade, closed or open: a signal exit on a bar where the opposite
/// side entered was a reversal.
std::set<std::pair<int64_t, int>> entries_of(const BacktestResult& r) {
  std::set<std::pair<int64_t, int>> out;
  for (const auto* list : {&r.trades, &r.open_trades}) {
    for (const Trade& t : *list) out.emplace(t.entry_index, t.side > 0 ? 1 : -1);
  }
  return out;
}

bool reversed_into(const Trade& t, const std::set<std::pair<int64_t, int>>& entries) {
  return entries.count({t.exit_index, t.side > 0 ? -1 : 1}) > 0;
}

/// Largest number of contracts held at once by `closed` and `open` trades (quantities of both
/// sides add up; TradingView holds one net position, so at most one side is open at a time).
/// Per bar: exits of trades entered earlier first, then entries (the peak), then exits of trades
/// that entered on that same bar.
double max_contracts_held(const std::vector<const Trade*>& closed, const std::vector<const Trade*>& open) {
  struct Event {
    int64_t bar;
    int kind;  // 0 exit of an earlier entry, 1 entry, 2 exit of a same-bar entry
    double qty;
  };
  std::vector<Event> events;
  for (const Trade* t : closed) {
    events.push_back({t->entry_index, 1, t->quantity});
    events.push_back({t->exit_index, t->exit_index == t->entry_index ? 2 : 0, -t->quantity});
  }
  for (const Trade* t : open) events.push_back({t->entry_index, 1, t->quantity});
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.bar != b.bar ? a.bar < b.bar : a.kind < b.kind; });
  double held = 0, peak = 0;
  for (const Event& e : events) {
    held += e.qty;
    if (e.kind == 1) peak = std::max(peak, held);
  }
  return peak;
}

/// Period returns of the equity curve for Sharpe and Sortino, as TradingView takes them:
/// calendar months (UTC) when the bars touch 3 or more months, else calendar days when they
/// touch 3 or more days, else none. r_k = E_k / E_{k−1} − 1, E_k = equity at the close of period
/// k's last bar, E_{−1} = initial capital. `periods_per_year` is 12 or 365.
std::vector<double> period_returns(const std::vector<double>& equity, const Bars& bars, double initial,
                                   double& periods_per_year) {
  std::vector<double> out;
  if (equity.empty() || equity.size() != bars.size() || initial <= 0) return out;
  std::vector<size_t> ends = period_ends(bars, true);
  periods_per_year = 12;
  if (ends.size() < 3) {
    ends = period_ends(bars, false);
    periods_per_year = 365;
    if (ends.size() < 3) return out;
  }
  double prev = initial;
  for (size_t i : ends) {
    out.push_back(equity[i] / prev - 1.0);
    prev = equity[i];
  }
  return out;
}

/// The figures of one column over `closed` and `open` trades.
PerformanceColumn column_of(const std::vector<const Trade*>& closed, const std::vector<const Trade*>& open,
                            double initial, double multiplier) {
  PerformanceColumn c;
  double sum_pct = 0, sum_win_pct = 0, sum_loss_pct = 0;
  double bars_all = 0, bars_win = 0, bars_loss = 0;
  int64_t wins = 0, losses = 0, evens = 0;
  double largest_win = kNaN, largest_win_pct = kNaN, largest_loss = kNaN, largest_loss_pct = kNaN;
  for (const Trade* t : closed) {
    const double pct = pct_of_entry(t->pnl, *t, multiplier);
    const double held = static_cast<double>(t->exit_index - t->entry_index);
    // net_profit = Σ pnl of closed trades (net of commission)
    c.net_profit += t->pnl;
    sum_pct += pct;
    bars_all += held;
    // commission_paid = Σ commission of closed trades and open ones (their entry commission)
    c.commission_paid += t->commission;
    // margin_calls = closed trades with exit_reason kMarginCall
    if (t->exit_reason == ExitReason::kMarginCall) c.margin_calls += 1;
    if (t->pnl > 0) {
      // gross_profit = Σ pnl of winners (pnl > 0); largest_winning_trade(_pct) = max pnl (max %)
      ++wins;
      c.gross_profit += t->pnl;
      sum_win_pct += pct;
      bars_win += held;
      if (!(largest_win >= t->pnl)) largest_win = t->pnl;
      if (!(largest_win_pct >= pct)) largest_win_pct = pct;
    } else if (t->pnl < 0) {
      // gross_loss = Σ |pnl| of losers (pnl < 0); largest_losing_trade(_pct) = max |pnl| (max |%|)
      ++losses;
      c.gross_loss -= t->pnl;
      sum_loss_pct -= pct;
      bars_loss += held;
      if (!(largest_loss >= -t->pnl)) largest_loss = -t->pnl;
      if (!(largest_loss_pct >= -pct)) largest_loss_pct = -pct;
    } else {
      ++evens;  // even_trades: pnl exactly 0
    }
  }
  for (const Trade* t : open) {
    // open_pl = Σ unrealized pnl of open trades (net of their entry commission)
    c.open_pl += t->pnl;
    c.commission_paid += t->commission;
  }
  const double n = static_cast<double>(closed.size());
  c.total_closed_trades = n;
  c.total_open_trades = static_cast<double>(open.size());
  c.winning_trades = static_cast<double>(wins);
  c.losing_trades = static_cast<double>(losses);
  c.even_trades = static_cast<double>(evens);
  // *_pct of money figures = figure / initial capital × 100
  c.net_profit_pct = pct_of_capital(c.net_profit, initial);
  c.gross_profit_pct = pct_of_capital(c.gross_profit, initial);
  c.gross_loss_pct = pct_of_capital(c.gross_loss, initial);
  c.open_pl_pct = pct_of_capital(c.open_pl, initial);
  // profit_factor = gross_profit / gross_loss; +∞ with winners and no loser, NaN with neither
  c.profit_factor = c.gross_loss > 0 ? c.gross_profit / c.gross_loss : c.gross_profit > 0 ? kInf : kNaN;
  // percent_profitable = winning / closed × 100
  c.percent_profitable = n > 0 ? static_cast<double>(wins) / n * 100.0 : kNaN;
  // avg_trade = net_profit / closed; avg_trade_pct = mean of each trade's pnl % of its entry value
  c.avg_trade = n > 0 ? c.net_profit / n : kNaN;
  c.avg_trade_pct = n > 0 ? sum_pct / n : kNaN;
  // avg_winning_trade = gross_profit / winning (and the mean % of winners); avg_losing_trade =
  // gross_loss / losing (and the mean |%| of losers)
  const double w = static_cast<double>(wins), l = static_cast<double>(losses);
  c.avg_winning_trade = wins > 0 ? c.gross_profit / w : kNaN;
  c.avg_winning_trade_pct = wins > 0 ? sum_win_pct / w : kNaN;
  c.avg_losing_trade = losses > 0 ? c.gross_loss / l : kNaN;
  c.avg_losing_trade_pct = losses > 0 ? sum_loss_pct / l : kNaN;
  // ratio_avg_win_loss = avg_winning_trade / avg_losing_trade; +∞ with winners and no loser
  c.ratio_avg_win_loss = wins == 0 ? kNaN : losses == 0 ? kInf : c.avg_winning_trade / c.avg_losing_trade;
  c.largest_winning_trade = largest_win;
  c.largest_winning_trade_pct = largest_win_pct;
  c.largest_losing_trade = largest_loss;
  c.largest_losing_trade_pct = largest_loss_pct;
  // avg_bars_in_*trades = mean of exit_index − entry_index over closed (winning, losing) trades
  c.avg_bars_in_trades = n > 0 ? bars_all / n : kNaN;
  c.avg_bars_in_winning_trades = wins > 0 ? bars_win / w : kNaN;
  c.avg_bars_in_losing_trades = losses > 0 ? bars_loss / l : kNaN;
  // max_contracts_held: see max_contracts_held()
  c.max_contracts_held = max_contracts_held(closed, open);
  // All-only figures; performance_summary fills them for All.
  c.max_runup = c.max_runup_pct = c.max_drawdown = c.max_drawdown_pct = kNaN;
  c.buy_hold_return = c.buy_hold_return_pct = c.sharpe = c.sortino = kNaN;
  return c;
}

}  // namespace

std::string format_trade_time(int64_t ms) {
  const auto [days, rem] = split_day(ms);
  const text::Civil c = text::civil_from_days(days);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02d:%02d", static_cast<long long>(c.y), c.m, c.d,
                static_cast<int>(rem / 3'600'000), static_cast<int>(rem / 60'000 % 60));
  return buf;
}

std::string entry_signal_name(const Trade& t) {
  if (!t.entry_signal.empty()) return t.entry_signal;
  return t.side > 0 ? "Long" : "Short";
}

std::string exit_signal_name(const Trade& t, bool reversed) {
  if (!t.exit_signal.empty()) return t.exit_signal;
  switch (t.exit_reason) {
    case ExitReason::kSignal: return reversed ? (t.side > 0 ? "Short" : "Long") : "Close";
    case ExitReason::kStopLoss: return "Stop loss";
    case ExitReason::kTakeProfit: return "Take profit";
    case ExitReason::kEnd: return "Close at end";
    case ExitReason::kMarginCall: return "Margin call";
  }
  return "Close";
}

Trade open_trade_from_position(const OpenPosition& p, const Bars& bars, double multiplier) {
  Trade t;
  t.side = p.side;
  t.quantity = p.quantity;
  t.entry_price = p.entry_price;
  t.entry_time = p.entry_time;
  t.entry_index = p.entry_index;
  t.commission = p.commission;
  t.pnl = p.unrealized_pnl;
  t.entry_signal = p.entry_signal;
  t.max_runup = p.max_runup;
  t.max_drawdown = p.max_drawdown;
  t.exit_reason = ExitReason::kEnd;
  if (!bars.empty()) {
    const size_t last = bars.size() - 1;
    t.exit_index = static_cast<int64_t>(last);
    t.exit_time = bars.time[last];
    t.exit_price = bars.close[last];
  }
  const double v = entry_value(t, multiplier);
  t.return_pct = v != 0 ? t.pnl / v * 100.0 : 0.0;
  return t;
}

PerformanceSummary performance_summary(const BacktestResult& r, const Bars& bars, const BrokerConfig& broker) {
  const double initial = r.initial_capital;
  const double mult = broker.multiplier;
  std::vector<const Trade*> closed[3], open[3];  // all, long, short
  for (const Trade& t : r.trades) {
    closed[0].push_back(&t);
    closed[t.side > 0 ? 1 : 2].push_back(&t);
  }
  std::vector<Trade> derived;
  const std::vector<Trade>* open_list = &r.open_trades;
  if (r.open_trades.empty() && r.open_position) {
    derived.push_back(open_trade_from_position(*r.open_position, bars, mult));
    open_list = &derived;
  }
  for (const Trade& t : *open_list) {
    open[0].push_back(&t);
    open[t.side > 0 ? 1 : 2].push_back(&t);
  }
  PerformanceSummary s;
  s.all = column_of(closed[0], open[0], initial, mult);
  s.longs = column_of(closed[1], open[1], initial, mult);
  s.shorts = column_of(closed[2], open[2], initial, mult);
  PerformanceColumn& a = s.all;

  // Max run-up and drawdown of the equity marked at each bar's close (TradingView's intrabar
  // figures also mark highs and lows; ours use closes), the initial capital first:
  //   max_runup = max_t (E_t − min_{s≤t} E_s); max_runup_pct = max_runup / initial capital × 100
  //   (TradingView: "max equity run-up as % of initial capital");
  //   max_drawdown = max_t (P_t − E_t), P_t = max_{s≤t} E_s; max_drawdown_pct =
  //   max_t (P_t − E_t) / P_t × 100 (of the peak, so never above 100; maximised on its own, as
  //   metrics' max_drawdown_pct is).
  if (!r.equity_curve.empty()) {
    double lo = initial, hi = initial, runup = 0, dd = 0, dd_pct = 0;
    for (double e : r.equity_curve) {
      lo = std::min(lo, e);
      hi = std::max(hi, e);
      runup = std::max(runup, e - lo);
      dd = std::max(dd, hi - e);
      if (hi > 0) dd_pct = std::max(dd_pct, (hi - e) / hi * 100.0);
    }
    a.max_runup = runup;
    a.max_runup_pct = pct_of_capital(runup, initial);
    a.max_drawdown = dd;
    a.max_drawdown_pct = dd_pct;
  }

  // Buy and hold (TradingView: all of the initial capital bought at the first trade's entry and
  // held to the end): buy_hold_return_pct = (last close / first entry price − 1) × 100,
  // buy_hold_return = initial capital × that / 100. NaN without any trade.
  const Trade* first = nullptr;
  for (const auto* list : {&closed[0], &open[0]}) {
    for (const Trade* t : *list) {
      if (first == nullptr || t->entry_index < first->entry_index) first = t;
    }
  }
  if (first != nullptr && !bars.empty() && first->entry_price > 0) {
    const double growth = bars.close.back() / first->entry_price - 1.0;
    a.buy_hold_return_pct = growth * 100.0;
    a.buy_hold_return = initial * growth;
  }

  // Sharpe and Sortino as TradingView defines them (its support articles "Performance Summary:
  // Sharpe Ratio" and "Performance Summary: Sortino Ratio", the latter at
  // https://www.tradingview.com/support/solutions/43000681697/): SR = (MR − RFR) / SD and Sortino = (MR − RFR) / DD, where MR is the mean return
  // of a period, "monthly for a trading period of 3 or more months or daily for a trading period
  // of 3 or more days" (period_returns()), RFR the risk-free rate per period (strategy()'s
  // risk_free_rate, annual percent, default 2: rate / 100 / 12 monthly, / 365 daily), SD the
  // sample standard deviation of the returns (n − 1; it reproduces TradingView's 0.577 for the
  // returns 1 %, 0, 0), DD = √(Σ min(0, r_i − T)² / N) the downside deviation with target
  // T = RFR. Undefined (NaN) with fewer than 2 periods or SD = 0; Sortino is +∞ when no period
  // fell below the target and the mean is above it.
  double per_year = 12;
  const std::vector<double> rets = period_returns(r.equity_curve, bars, initial, per_year);
  if (rets.size() >= 2) {
    const double rf = broker.risk_free_rate_pct / 100.0 / per_year;
    const double n = static_cast<double>(rets.size());
    double sum = 0;
    for (double x : rets) sum += x;
    const double mean = sum / n;
    double ss = 0, down = 0;
    for (double x : rets) {
      ss += (x - mean) * (x - mean);
      const double d = std::min(0.0, x - rf);
      down += d * d;
    }
    const double sd = std::sqrt(ss / (n - 1));
    const double dd = std::sqrt(down / n);
    a.sharpe = sd > 0 ? (mean - rf) / sd : kNaN;
    a.sortino = dd > 0 ? (mean - rf) / dd : mean - rf > 0 ? kInf : kNaN;
  }
  return s;
}

const std::vector<PerformanceFieldInfo>& performance_catalog() {
  using P = PerformanceColumn;
  static const std::vector<PerformanceFieldInfo> catalog = {
      {"net_profit", &P::net_profit, true, "sum of closed trades' net P&L"},
      {"net_profit_pct", &P::net_profit_pct, false, "net profit, % of initial capital"},
      {"gross_profit", &P::gross_profit, true, "sum of winning trades' P&L"},
      {"gross_profit_pct", &P::gross_profit_pct, false, "gross profit, % of initial capital"},
      {"gross_loss", &P::gross_loss, true, "sum of losing trades' |P&L|"},
      {"gross_loss_pct", &P::gross_loss_pct, false, "gross loss, % of initial capital"},
      {"max_runup", &P::max_runup, true, "largest rise of equity (at closes) from a trough (All only)"},
      {"max_runup_pct", &P::max_runup_pct, false, "max run-up, % of initial capital (All only)"},
      {"max_drawdown", &P::max_drawdown, true, "largest fall of equity (at closes) from a peak (All only)"},
      {"max_drawdown_pct", &P::max_drawdown_pct, false, "largest fall from a peak, % of the peak (All only)"},
      {"buy_hold_return", &P::buy_hold_return, true, "initial capital bought at the first entry, held (All only)"},
      {"buy_hold_return_pct", &P::buy_hold_return_pct, false, "buy and hold return, in % (All only)"},
      {"sharpe", &P::sharpe, false, "(mean − risk-free) / sample stddev of monthly returns (All only)"},
      {"sortino", &P::sortino, false, "(mean − risk-free) / downside deviation of monthly returns (All only)"},
      {"profit_factor", &P::profit_factor, false, "gross profit / gross loss"},
      {"max_contracts_held", &P::max_contracts_held, false, "most contracts held at once"},
      {"open_pl", &P::open_pl, true, "unrealized P&L of open trades"},
      {"open_pl_pct", &P::open_pl_pct, false, "open P&L, % of initial capital"},
      {"commission_paid", &P::commission_paid, true, "commission of closed and open trades"},
      {"total_closed_trades", &P::total_closed_trades, false, "closed trades"},
      {"total_open_trades", &P::total_open_trades, false, "trades still open"},
      {"winning_trades", &P::winning_trades, false, "closed trades with P&L > 0"},
      {"losing_trades", &P::losing_trades, false, "closed trades with P&L < 0"},
      {"even_trades", &P::even_trades, false, "closed trades with P&L = 0"},
      {"percent_profitable", &P::percent_profitable, false, "winning / closed trades, in %"},
      {"avg_trade", &P::avg_trade, true, "net profit / closed trades"},
      {"avg_trade_pct", &P::avg_trade_pct, false, "mean P&L % of entry value"},
      {"avg_winning_trade", &P::avg_winning_trade, true, "gross profit / winning trades"},
      {"avg_winning_trade_pct", &P::avg_winning_trade_pct, false, "mean P&L % of winning trades"},
      {"avg_losing_trade", &P::avg_losing_trade, true, "gross loss / losing trades"},
      {"avg_losing_trade_pct", &P::avg_losing_trade_pct, false, "mean |P&L %| of losing trades"},
      {"ratio_avg_win_loss", &P::ratio_avg_win_loss, false, "avg winning trade / avg losing trade"},
      {"largest_winning_trade", &P::largest_winning_trade, true, "largest winning P&L"},
      {"largest_winning_trade_pct", &P::largest_winning_trade_pct, false, "largest winning P&L %"},
      {"largest_losing_trade", &P::largest_losing_trade, true, "largest losing |P&L|"},
      {"largest_losing_trade_pct", &P::largest_losing_trade_pct, false, "largest losing |P&L %|"},
      {"avg_bars_in_trades", &P::avg_bars_in_trades, false, "mean bars from entry to exit"},
      {"avg_bars_in_winning_trades", &P::avg_bars_in_winning_trades, false, "mean bars of winning trades"},
      {"avg_bars_in_losing_trades", &P::avg_bars_in_losing_trades, false, "mean bars of losing trades"},
      {"margin_calls", &P::margin_calls, false, "trades closed by a margin call"},
  };
  return catalog;
}

std::string trades_csv(const BacktestResult& r, const TradesCsvOptions& opt) {
  std::string out =
      "Trade #,Type,Date and time,Signal,Price,Size (qty),Size (value),Net P&L,Net P&L %,Favorable excursion,"
      "Favorable excursion %,Adverse excursion,Adverse excursion %,Cumulative P&L,Cumulative P&L %\n";
  const auto entries = entries_of(r);
  double cumulative = 0;
  int64_t number = 0;
  auto emit = [&](const Trade& t, bool is_open) {
    ++number;
    cumulative += t.pnl;
    const std::string side = t.side > 0 ? "long" : "short";
    const double value = entry_value(t, opt.multiplier);
    // The trade's figures, shared by both rows.
    const std::string figures =
        csv_field(format_number(t.quantity)) + "," + fixed(value, opt.decimals) + "," + fixed(t.pnl, opt.decimals) +
        "," + fixed(pct_of_entry(t.pnl, t, opt.multiplier), opt.decimals) + "," + fixed(t.max_runup, opt.decimals) +
        "," + fixed(pct_of_entry(t.max_runup, t, opt.multiplier), opt.decimals) + "," +
        fixed(-t.max_drawdown, opt.decimals) + "," +
        fixed(pct_of_entry(-t.max_drawdown, t, opt.multiplier), opt.decimals) + "," + fixed(cumulative, opt.decimals) +
        "," + fixed(pct_of_capital(cumulative, r.initial_capital), opt.decimals) + "\n";
    const std::string num = std::to_string(number);
    const std::string exit_signal = is_open ? "Open" : exit_signal_name(t, reversed_into(t, entries));
    out += num + ",Exit " + side + "," + format_trade_time(t.exit_time) + "," + csv_field(exit_signal) + "," +
           format_number(t.exit_price) + "," + figures;
    out += num + ",Entry " + side + "," + format_trade_time(t.entry_time) + "," + csv_field(entry_signal_name(t)) +
           "," + format_number(t.entry_price) + "," + figures;
  };
  for (const Trade& t : r.trades) emit(t, false);
  for (const Trade& t : r.open_trades) emit(t, true);
  return out;
}

}  // namespace atf
