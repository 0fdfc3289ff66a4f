// The indicator series of built-in strategies (engine/src/builtin_plots.cpp): they are the
// strategies' own indicators, so they equal, value for value, what the same strategies written
// in Pine (data/pine/) plot, on a bundled sample.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "atf/backtest.h"
#include "atf/csv_import.h"
#include "atf/pine.h"
#include "test_util.h"

using namespace atf;

namespace {

std::shared_ptr<const MarketData> orcl() {
  static const auto md = [] {
    auto imp = import_csv_file(std::string(ATF_SAMPLES_DIR) + "/ORCL-1d-1995-2014.csv");
    REQUIRE(imp.ok());
    return test::prepare(std::move(imp->bars));
  }();
  return md;
}

std::map<std::string, std::vector<double>> plots_of(const BacktestResult& r) {
  std::map<std::string, std::vector<double>> out;
  for (const auto& p : r.plots) out[p.title] = p.values;
  return out;
}

BacktestResult run_builtin(const std::string& strategy) {
  BacktestRequest req;
  req.strategy = strategy;
  req.indicator_plots = true;
  auto r = run_backtest(*orcl(), req);
  REQUIRE(r.ok());
  return *r;
}

BacktestResult run_pine(const std::string& name) {
  std::ifstream in(std::string(ATF_SOURCE_DIR) + "/data/pine/" + name + ".pine", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  auto script = compile_pine(ss.str());
  REQUIRE(script.ok());
  BacktestRequest req;
  req.script = *script;
  REQUIRE(prepare_script_request(req, *orcl()).ok());
  auto r = run_backtest(*orcl(), req);
  REQUIRE(r.ok());
  return *r;
}

/// Same values bar for bar where the built-in's series is ready (`a` NaN: before its warm-up,
/// where a script may plot a partial value), within `rel` of each other.
size_t differing(const std::vector<double>& a, const std::vector<double>& b, double rel) {
  if (a.size() != b.size()) return std::max(a.size(), b.size());
  size_t d = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i])) continue;
    if (std::isnan(b[i])) {
      ++d;
    } else {
      d += std::fabs(a[i] - b[i]) > rel * std::fabs(b[i]);
    }
  }
  return d;
}

}  // namespace

TEST_CASE("built-in strategies plot the indicators they trade on, as their Pine versions do", "[builtin_plots]") {
  struct Case {
    std::string strategy;
    std::vector<std::pair<std::string, std::string>> titles;  // built-in title, Pine title
    double rel;
  };
  const std::vector<Case> cases = {
      {"sma_cross", {{"Fast SMA", "Fast SMA"}, {"Slow SMA", "Slow SMA"}}, 0},  // both exact tick sums
      {"ema_cross", {{"Fast EMA", "Fast EMA"}, {"Slow EMA", "Slow EMA"}}, 0},
      {"rsi_reversion", {{"RSI", "RSI"}}, 1e-12},
      {"macd_signal", {{"MACD", "MACD"}, {"Signal", "Signal"}}, 1e-12},
      {"donchian_breakout", {{"Entry high", "Entry high"}, {"Entry low", "Entry low"}}, 0},
      {"bollinger_reversion", {{"Basis", "Middle"}}, 1e-12},
  };
  for (const auto& c : cases) {
    INFO(c.strategy);
    const auto builtin = plots_of(run_builtin(c.strategy));
    const auto pine = plots_of(run_pine(c.strategy));
    for (const auto& [ours, theirs] : c.titles) {
      INFO(ours << " vs " << theirs);
      REQUIRE(builtin.count(ours));
      REQUIRE(pine.count(theirs));
      const auto& v = builtin.at(ours);
      CHECK(v.size() == orcl()->bars.size());
      CHECK(differing(v, pine.at(theirs), c.rel) == 0);
      size_t finite = 0;
      for (double x : v) finite += std::isfinite(x);
      CHECK(finite > v.size() / 2);
    }
  }
  // Only when asked for: a plain request carries none.
  {
    BacktestRequest plain;
    plain.strategy = "sma_cross";
    auto r = run_backtest(*orcl(), plain);
    REQUIRE(r.ok());
    CHECK(r->plots.empty());
  }
  // Overlay series sit on the price chart, oscillators in a pane.
  const auto sma = run_builtin("sma_cross");
  CHECK(sma.plots.at(0).overlay);
  const auto rsi = run_builtin("rsi_reversion");
  CHECK_FALSE(rsi.plots.at(0).overlay);
  CHECK(rsi.plots.at(1).values.front() == 30);  // the lower level, the strategy's default
  // The Bollinger bands are the basis ± k·σ.
  const auto bb = plots_of(run_builtin("bollinger_reversion"));
  const size_t t = 100;
  CHECK(bb.at("Upper")[t] - bb.at("Basis")[t] == Approx(bb.at("Basis")[t] - bb.at("Lower")[t]));
  CHECK(bb.at("Upper")[t] > bb.at("Basis")[t]);
}
