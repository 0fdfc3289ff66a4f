// Requests in, results out: the documented names, validation naming fields, NaN as null.
#include <catch2/catch.hpp>

#include "atf/json_io.h"
#include "test_util.h"

using namespace atf;
using namespace atf::test;
using nlohmann::json;

TEST_CASE("a backtest request round-trips through JSON", "[json]") {
  BacktestRequest r;
  r.strategy = "sma_cross";
  r.params = {{"fast", 5}, {"slow", 20}};
  r.broker.commission_pct = 0.1;
  r.broker.fill = FillRule::kClose;
  r.broker.sizing = SizingKind::kUnits;
  r.broker.size = 3;
  json j = to_json(r);
  CHECK(j["schema"] == kSchemaVersion);
  auto back = backtest_request_from_json(j);
  REQUIRE(back.ok());
  CHECK(back->params == r.params);
  CHECK(back->broker.fill == FillRule::kClose);
  CHECK(back->broker.sizing == SizingKind::kUnits);
  CHECK(back->broker.size == 3);
  CHECK(to_json(*back) == j);
}

TEST_CASE("trade_from is read for built-in strategies as for scripts", "[json]") {
  auto r = backtest_request_from_json(json{{"strategy", "sma_cross"}, {"trade_from", "2020-01-02"}});
  REQUIRE(r.ok());
  REQUIRE(r->trade_from_ms.has_value());
  CHECK(*r->trade_from_ms == 1577923200000LL);
  auto ms = backtest_request_from_json(json{{"strategy", "sma_cross"}, {"trade_from", 1577923200000LL}});
  REQUIRE(ms.ok());
  CHECK(ms->trade_from_ms == r->trade_from_ms);
  CHECK(backtest_request_from_json(json{{"strategy", "sma_cross"}, {"trade_from", true}}).error().field == "trade_from");
  CHECK_FALSE(backtest_request_from_json(json{{"strategy", "sma_cross"}})->trade_from_ms.has_value());
}

TEST_CASE("request errors name the field", "[json][validation]") {
  auto field = [](const json& j) { return backtest_request_from_json(j).error().field; };
  CHECK(field(json{{"params", json::object()}}) == "strategy");
  CHECK(field(json{{"strategy", "sma_cross"}, {"params", {{"fast", "ten"}}}}) == "params.fast");
  CHECK(field(json{{"strategy", "sma_cross"}, {"broker", {{"cash", "lots"}}}}) == "broker.cash");
  CHECK(field(json{{"strategy", "sma_cross"}, {"broker", {{"fill", "tomorrow"}}}}) == "broker.fill");
  CHECK(field(json{{"strategy", "sma_cross"}, {"schema", "atf/v0"}}) == "schema");
  auto opt = optimization_request_from_json(json{{"strategy", "sma_cross"}, {"axes", {{{"name", "fast"}, {"min", 1}}}}});
  CHECK(opt.error().field == "axes.fast.max");
}

TEST_CASE("an optimization request reads axes, objective and direction", "[json]") {
  json j = {{"strategy", "sma_cross"},
            {"axes", {{{"name", "fast"}, {"min", 5}, {"max", 15}, {"step", 5}}, {{"name", "slow"}, {"values", {20, 40}}}}},
            {"objective", "max_drawdown_pct"},
            {"threads", 2}};
  auto r = optimization_request_from_json(j);
  REQUIRE(r.ok());
  CHECK(r->axes[0].values == std::vector<double>{5, 10, 15});
  CHECK(r->axes[1].values == std::vector<double>{20, 40});
  CHECK_FALSE(r->maximize);  // drawdown: lower is better by default
  CHECK(r->threads == 2);
  j["direction"] = "max";
  CHECK(optimization_request_from_json(j)->maximize);
}

TEST_CASE("results use the documented snake_case names; undefined metrics are null", "[json]") {
  auto md = prepare(make_bars({10, 10, 10}, {10, 10, 10}));
  BacktestRequest r;
  r.strategy = "sma_cross";
  r.params = {{"fast", 1}, {"slow", 2}};
  auto res = run_backtest(*md, r);
  REQUIRE(res.ok());
  json j = to_json(*res);
  for (const char* key : {"final_equity", "final_cash", "open_position", "metrics", "trades", "equity_curve"}) {
    CHECK(j.contains(key));
  }
  for (const char* key : {"net_profit", "total_return_pct", "cagr_pct", "volatility_pct", "sharpe", "sortino",
                          "max_drawdown_pct", "max_drawdown_bars", "calmar", "trades", "win_rate_pct", "profit_factor",
                          "avg_trade_pct", "best_trade_pct", "worst_trade_pct", "expectancy", "exposure_pct",
                          "commissions"}) {
    CHECK(j["metrics"].contains(key));
  }
  CHECK(j["metrics"]["sharpe"].is_null());
  CHECK(j["open_position"].is_null());
}
