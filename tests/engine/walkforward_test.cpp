// Walk-forward: window arithmetic (bars and calendar), the out-of-sample runs (warm-up, no order
// before the window, stitched equity), efficiency and parameter stability, cancel.
#include <catch2/catch.hpp>

#include <cmath>

#include "atf/csv_import.h"
#include "atf/json_io.h"
#include "atf/walkforward.h"
#include "test_util.h"

using namespace atf;
using namespace atf::test;

namespace {

std::shared_ptr<const MarketData> orcl() { return sample("ORCL-1d-1995-2014.csv"); }

std::vector<int64_t> daily(int64_t n) {
  std::vector<int64_t> t;
  for (int64_t i = 0; i < n; ++i) t.push_back(kJan1_2020 + i * kDay);
  return t;
}

WalkForwardRequest wf(const std::string& is, const std::string& oos) {
  WalkForwardRequest r;
  r.optimization.base.strategy = "sma_cross";
  r.optimization.axes = {*parse_axis("fast=5:30:5"), *parse_axis("slow=40:120:20")};
  r.optimization.threads = 2;
  r.in_sample = *parse_window_length(is, "in_sample");
  r.out_of_sample = *parse_window_length(oos, "out_of_sample");
  return r;
}

}  // namespace

TEST_CASE("window lengths parse in bars and calendar units and name the flag", "[walkforward]") {
  CHECK(parse_window_length("500", "--is")->unit == WindowLength::Unit::kBars);
  CHECK(parse_window_length("500bars", "--is")->count == 500);
  CHECK(parse_window_length("6m", "--is")->unit == WindowLength::Unit::kMonths);
  CHECK(parse_window_length("2y", "--is")->unit == WindowLength::Unit::kYears);
  CHECK(parse_window_length("3w", "--is")->unit == WindowLength::Unit::kWeeks);
  CHECK(parse_window_length("30d", "--is")->unit == WindowLength::Unit::kDays);
  for (const char* bad : {"", "0", "-5", "5x", "m", "1.5y"}) {
    auto r = parse_window_length(bad, "--oos");
    INFO(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().field == "--oos");
  }
  CHECK(to_string(*parse_window_length("6m", "x")) == "6m");
}

TEST_CASE("rolling and anchored windows in bars", "[walkforward]") {
  auto r = wf("30", "10");
  auto w = walk_forward_windows(daily(100), r);
  REQUIRE(w.ok());
  REQUIRE(w->size() == 7);  // out-of-sample starts at 30, 40, ..., 90
  for (size_t k = 0; k < w->size(); ++k) {
    const auto& x = (*w)[k];
    CHECK(x.oos_start == 30 + 10 * static_cast<int64_t>(k));
    CHECK(x.is_end == x.oos_start);
    CHECK(x.is_start == x.oos_start - 30);
    CHECK(x.oos_end == std::min<int64_t>(100, x.oos_start + 10));
  }
  r.anchored = true;
  auto a = walk_forward_windows(daily(100), r);
  REQUIRE(a.ok());
  for (const auto& x : *a) CHECK(x.is_start == 0);
  // A step shorter than the out-of-sample window overlaps them; the last one is cut at the end.
  r.anchored = false;
  r.step = *parse_window_length("20", "step");
  auto s = walk_forward_windows(daily(100), r);
  REQUIRE(s.ok());
  REQUIRE(s->size() == 4);  // 30, 50, 70, 90
  CHECK(s->back().oos_end == 100);
  // Too short for one window: the in-sample length is named.
  auto none = walk_forward_windows(daily(20), wf("30", "10"));
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().field == "in_sample");
}

TEST_CASE("calendar windows follow the calendar (months of different lengths)", "[walkforward]") {
  auto w = walk_forward_windows(daily(200), wf("2m", "1m"));  // daily from 2020-01-01 (a leap year)
  REQUIRE(w.ok());
  // First out-of-sample month: 2020-03-01 = day 60 (31 + 29); then 2020-04-01 = day 91.
  CHECK((*w)[0].is_start == 0);
  CHECK((*w)[0].oos_start == 60);
  CHECK((*w)[0].oos_end == 91);
  CHECK((*w)[1].oos_start == 91);
  // Rolling: two months before 2020-04-01 is 2020-02-01 = day 31.
  CHECK((*w)[1].is_start == 31);
  CHECK((*w)[1].oos_end == 121);  // 2020-05-01
}

TEST_CASE("a built-in strategy places no order before trade_from but keeps its state", "[walkforward][backtest]") {
  BacktestRequest b;
  b.strategy = "sma_cross";
  b.params = {{"fast", 10}, {"slow", 50}};
  auto full = run_backtest(*orcl(), b);
  REQUIRE(full.ok());
  REQUIRE(full->trades.size() > 6);
  // Start trading just after the 4th trade's exit: the later trades are the unconstrained run's.
  const Trade& fourth = full->trades[3];
  b.trade_from_ms = orcl()->bars.time[static_cast<size_t>(fourth.exit_index) + 1];
  auto late = run_backtest(*orcl(), b);
  REQUIRE(late.ok());
  for (const auto& t : late->trades) CHECK(t.entry_time >= *b.trade_from_ms);
  for (size_t t = 0; t <= static_cast<size_t>(fourth.exit_index); ++t) CHECK(late->equity_curve[t] == b.broker.cash);
  // The first trade after trade_from starts at the next crossing, as in the full run.
  REQUIRE(late->trades.size() >= 1);
  CHECK(late->trades[0].entry_index == full->trades[4].entry_index);
  CHECK(late->trades[0].exit_index == full->trades[4].exit_index);
}

TEST_CASE("walk-forward on real data: each window's best is the in-sample optimum, OOS trades stay in their window",
          "[walkforward]") {
  auto req = wf("3y", "1y");
  auto r = run_walk_forward(*orcl(), req);
  REQUIRE(r.ok());
  REQUIRE(r->windows.size() >= 15);
  CHECK_FALSE(r->cancelled);
  int64_t oos_bars = 0;
  double growth = 1;
  for (const auto& w : r->windows) {
    REQUIRE(w.ok);
    oos_bars += w.oos_end - w.oos_start;
    growth *= 1 + w.out_of_sample.total_return_pct / 100;
    CHECK(w.trials_completed + w.trials_failed == 30);  // 6 fast × 5 slow
  }
  // The stitched curve is the windows' curves chained: one value per OOS bar, compounded.
  CHECK(static_cast<int64_t>(r->equity.size()) == oos_bars);
  CHECK(r->out_of_sample.total_return_pct == Approx((growth - 1) * 100).epsilon(1e-9));
  CHECK(r->equity.back() == Approx(req.optimization.base.broker.cash * growth).epsilon(1e-9));
  // No out-of-sample trade enters before its window or leaves after it.
  for (const auto& t : r->trades) {
    bool inside = false;
    for (const auto& w : r->windows) inside = inside || (t.entry_index >= w.oos_start && t.exit_index < w.oos_end);
    CHECK(inside);
  }
  // Window 3's best is what a separate optimization over its in-sample bars finds.
  const auto& w = r->windows[3];
  auto slice = prepare_market_data(orcl()->bars.slice_time(orcl()->bars.time[static_cast<size_t>(w.is_start)],
                                                           orcl()->bars.time[static_cast<size_t>(w.is_end - 1)]));
  REQUIRE(slice.ok());
  auto opt = req.optimization;
  opt.base.broker.bars_per_year = orcl()->bars_per_year;
  auto alone = run_optimization(**slice, opt);
  REQUIRE(alone.ok());
  CHECK(alone->grid.params_at(*alone->best_index) == w.params);
  // Efficiency and stability are what they say.
  CHECK(r->efficiency == Approx(r->out_of_sample.cagr_pct / r->mean_in_sample_cagr));
  REQUIRE(r->stability.size() == 2);
  CHECK(r->stability[0].name == "fast");
  CHECK(r->stability[0].values.size() == r->windows.size());
  CHECK(r->stability[0].mode_share > 0);
  CHECK(r->stability[0].mode_share <= 1);
  const auto j = to_json(*r, orcl()->bars.time);
  CHECK(j["windows"].size() == r->windows.size());
  CHECK(j["equity"].size() == r->equity.size());
  // Anchored windows all start at the first bar and differ from rolling ones.
  req.anchored = true;
  auto anchored = run_walk_forward(*orcl(), req);
  REQUIRE(anchored.ok());
  for (const auto& aw : anchored->windows) CHECK(aw.is_start == 0);
}

TEST_CASE("walk-forward with a genetic search inside each window, and progress on two levels", "[walkforward][search]") {
  auto req = wf("1000", "250");
  req.optimization.axes = {*parse_axis("fast=2:40:2"), *parse_axis("slow=30:200:10")};
  req.optimization.search = *parse_search("genetic:pop=10,gen=4");
  AtomicProgress progress;
  std::vector<int64_t> seen;
  WalkForwardHooks hooks;
  hooks.run.progress = &progress;
  hooks.on_window = [&](int64_t k, int64_t) { seen.push_back(k); };
  auto r = run_walk_forward(*orcl(), req, hooks);
  REQUIRE(r.ok());
  const auto n = static_cast<int64_t>(r->windows.size());
  REQUIRE(seen.size() == static_cast<size_t>(n + 1));
  for (int64_t k = 0; k <= n; ++k) CHECK(seen[static_cast<size_t>(k)] == k);
  int64_t trials = 0;
  for (const auto& w : r->windows) {
    trials += w.trials_completed + w.trials_failed;
    CHECK(w.trials_completed + w.trials_failed <= 40);
  }
  CHECK(progress.completed.load() + progress.failed.load() == trials);
}

TEST_CASE("a cancel stops the walk and keeps the finished windows", "[walkforward][cancel]") {
  auto req = wf("1000", "250");
  CancelToken token;
  WalkForwardHooks hooks;
  hooks.run.cancel = &token;
  hooks.on_window = [&](int64_t k, int64_t) {
    if (k == 2) token.cancel();
  };
  auto r = run_walk_forward(*orcl(), req, hooks);
  REQUIRE(r.ok());
  CHECK(r->cancelled);
  CHECK(r->windows[0].ok);
  CHECK(r->windows[1].ok);
  CHECK_FALSE(r->windows[2].ok);
}

TEST_CASE("walk-forward statistics: PSR of the stitched curve and a Monte Carlo of its trades", "[walkforward][statistics]") {
  auto req = wf("3y", "1y");
  auto r = run_walk_forward(*orcl(), req);
  REQUIRE(r.ok());
  REQUIRE(r->trades.size() > 10);
  // Recomputed here from the stitched curve: per-bar returns from the starting cash.
  std::vector<double> returns;
  double prev = req.optimization.base.broker.cash;
  for (double eq : r->equity) {
    returns.push_back(eq / prev - 1);
    prev = eq;
  }
  const ReturnMoments m = return_moments(returns);
  CHECK(r->oos_returns.n == static_cast<int64_t>(r->equity.size()));
  CHECK(r->oos_returns.sharpe == Approx(m.sharpe).epsilon(1e-12));
  CHECK(r->psr == Approx(probabilistic_sharpe_ratio(m.sharpe, 0, static_cast<double>(m.n), m.skewness, m.kurtosis)).epsilon(1e-12));
  CHECK(r->psr > 0.5);  // ORCL's stitched OOS curve gains (a positive Sharpe ratio)
  CHECK(r->psr < 1.0);
  REQUIRE(r->monte_carlo.ok);
  CHECK(r->monte_carlo.trades == static_cast<int64_t>(r->trades.size()));
  CHECK(r->monte_carlo.paths == 1000);
  CHECK(r->monte_carlo.final_equity_p5 <= r->monte_carlo.final_equity_p50);
  CHECK(r->monte_carlo.final_equity_p50 <= r->monte_carlo.final_equity_p95);
  // JSON carries them under "statistics".
  const auto j = to_json(*r, orcl()->bars.time);
  CHECK(j["statistics"]["psr"].get<double>() == r->psr);
  CHECK(j["statistics"]["monte_carlo"]["trades"].get<int64_t>() == r->monte_carlo.trades);
}
